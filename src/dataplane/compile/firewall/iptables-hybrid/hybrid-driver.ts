/**
 * The `iptables_hybrid` driver: security groups enforced by iptables on the Linux bridge of the
 * hybrid plug (tap… in qbr…), as Neutron's OVSHybridIptablesFirewallDriver, with Quark's names
 * (`quark-fw-` instead of `neutron-openvswi-`). Per family:
 *
 *   raw     PREROUTING → quark-fw-PREROUTING: each port's conntrack zone, set on frames from
 *           the VM (physdev-in tap…) and from br-int (physdev-in qvb…)
 *   filter  FORWARD → quark-fw-FORWARD: bridged frames of a port's tap → quark-fw-sg-chain
 *           (ports without port security: ACCEPT)
 *           quark-fw-sg-chain: to the VM → quark-fw-i<port>, from the VM → quark-fw-o<port>;
 *           what they return is accepted
 *           INPUT → quark-fw-INPUT: frames from the VM to the host itself → quark-fw-o<port>
 *           quark-fw-gi…/go…: the rules of a set of security groups, shared by the ports
 *           that have exactly those groups; remote groups are ipsets (Q<ethertype><group>)
 *           quark-fw-sg-fallback: DROP
 *
 * Rules per port do not depend on group size (members are in ipsets) nor on the number of
 * rules (those are in the shared group chains).
 *
 * Address groups are ipsets too (QA<ethertype><address group>), so changing a group's
 * addresses changes a set, never a chain. A stateless port (its groups have `stateful: false`)
 * is untracked in raw PREROUTING (`-j CT --notrack`, Neutron's "Make … stateless") instead of
 * given a zone, and its chains leave out the conntrack-state rules that could never match. A
 * port that a network log covers goes to chains of its own (quark-fw-li…/lo…): its groups' rules
 * with an NFLOG rule before each (new connections, rate-limited) and one before the fallback
 * (drops), whose prefix names the rule and the port (docs/security-group-logging.md).
 *
 * The Linux bridge mechanism's `iptables` driver (../iptables/iptables-driver.ts) is this one
 * with the taps in the network's bridge instead of qbr: only the raw table's zones differ.
 */
import {
  FIREWALL_FALLBACK_CHAIN,
  FIREWALL_FORWARD_CHAIN,
  FIREWALL_INPUT_CHAIN,
  FIREWALL_SG_CHAIN,
  FIREWALL_ZONE_CHAIN,
  addressGroupSet,
  groupRulesChain,
  loggedRulesChain,
  portChain,
  qvbDevice,
  remoteGroupSet,
} from '../../../../model/names.js';
import type { SecurityGroupLogSettings } from '../../inputs.js';
import type {
  FirewallGroupItem,
  FirewallPortItem,
  FirewallRule,
  IpsetItem,
  IptablesChainItem,
  IptablesTable,
  Origin,
  PlanPart,
} from '../../plan.js';
import type { FirewallDriver } from '../driver.js';
import { type FirewallModel, HYBRID_SCHEME } from '../model.js';
import { COMMENTS } from './comments.js';
import { egressRules, ingressRules, spoofRules } from './port-chains.js';
import { comment, ruleArgs, ruleLine } from './rule-args.js';

const HOST: Origin = { kind: 'host', id: 'firewall' };

function chain(
  family: 4 | 6,
  table: IptablesTable,
  name: string,
  rules: readonly string[],
  origin: Origin,
  hooks: readonly string[] = [],
): IptablesChainItem {
  return { kind: 'iptablesChain', netns: null, family, table, chain: name, rules, hooks, origin };
}

const physdev = (direction: 'in' | 'out', device: string, bridged: boolean) =>
  `-m physdev --physdev-${direction} ${device}${bridged ? ' --physdev-is-bridged' : ''}`;

/** The raw table's rules that put a port's traffic in its conntrack zone (or untrack it). */
export type ZoneRules = (ports: readonly FirewallPortItem[]) => string[];

function hybridZoneRules(p: FirewallPortItem): string[] {
  if (p.stateful === false) {
    const tail = `${comment(`Make ${p.portId} stateless`)} -j CT --notrack`;
    return [`${physdev('in', qvbDevice(p.portId), false)} ${tail}`, `${physdev('in', p.device, false)} ${tail}`];
  }
  if (p.zone === null) return [];
  const tail = `${comment(`Set zone for ${p.portId}`)} -j CT --zone ${p.zone}`;
  return [`${physdev('in', qvbDevice(p.portId), false)} ${tail}`, `${physdev('in', p.device, false)} ${tail}`];
}

function forwardRules(p: FirewallPortItem): string[] {
  if (!p.filtered) {
    const accept = `${comment(COMMENTS.portSecurityOff)} -j ACCEPT`;
    return [`${physdev('out', p.device, true)} ${accept}`, `${physdev('in', p.device, true)} ${accept}`];
  }
  const jump = `${comment(COMMENTS.vmToSg)} -j ${FIREWALL_SG_CHAIN}`;
  return [`${physdev('out', p.device, true)} ${jump}`, `${physdev('in', p.device, true)} ${jump}`];
}

function sgChainRules(p: FirewallPortItem): string[] {
  const jump = comment(COMMENTS.sgToVm);
  return [
    `${physdev('out', p.device, true)} ${jump} -j ${portChain('i', p.portId)}`,
    `${physdev('in', p.device, true)} ${jump} -j ${portChain('o', p.portId)}`,
  ];
}

/**
 * Neutron's INPUT rule carries --physdev-is-bridged, which never matches a frame delivered to
 * the host; Quark leaves it out so the egress chain really guards the host.
 */
function inputRules(p: FirewallPortItem): string[] {
  return [`${physdev('in', p.device, false)} ${comment(COMMENTS.inputToSg)} -j ${portChain('o', p.portId)}`];
}

function familyChains(model: FirewallModel, family: 4 | 6, zoneRules: ZoneRules): IptablesChainItem[] {
  const filtered = model.ports.filter((p) => p.filtered);
  const out: IptablesChainItem[] = [
    chain(family, 'raw', FIREWALL_ZONE_CHAIN, zoneRules(filtered), HOST, ['PREROUTING']),
    chain(family, 'filter', FIREWALL_FORWARD_CHAIN, model.ports.flatMap(forwardRules), HOST, ['FORWARD']),
    chain(family, 'filter', FIREWALL_INPUT_CHAIN, filtered.flatMap(inputRules), HOST, ['INPUT']),
    chain(family, 'filter', FIREWALL_SG_CHAIN, [...filtered.flatMap(sgChainRules), '-j ACCEPT'], HOST),
    chain(family, 'filter', FIREWALL_FALLBACK_CHAIN, [`${comment(COMMENTS.fallbackDrop)} -j DROP`], HOST),
  ];
  for (const p of filtered) {
    out.push(chain(family, 'filter', portChain('i', p.portId), ingressRules(p, family), p.origin));
    out.push(chain(family, 'filter', portChain('o', p.portId), egressRules(p, family), p.origin));
    out.push(chain(family, 'filter', portChain('s', p.portId), spoofRules(p, family), p.origin));
  }
  const groups = new Map(model.groups.map((g) => [g.groupId, g]));
  const sets = new Map<string, { ids: readonly string[]; stateful: boolean }>();
  for (const p of filtered) {
    if (p.groups.length > 0 && !p.log) sets.set(p.groups.join(','), { ids: p.groups, stateful: p.stateful !== false });
  }
  for (const { ids, stateful } of [...sets.values()].sort((a, b) => (a.ids.join(',') < b.ids.join(',') ? -1 : 1))) {
    for (const [direction, apiDirection] of DIRECTIONS) {
      const rules = groupRules(groups, ids, family, apiDirection).map(ruleLine);
      const origin: Origin = { kind: 'security_group', id: ids[0]! };
      out.push(
        chain(family, 'filter', groupRulesChain(direction, ids), [...head(stateful), ...rules, ...tail(stateful)], origin),
      );
    }
  }
  for (const p of filtered) {
    if (!p.log) continue;
    for (const [direction, apiDirection] of DIRECTIONS) {
      const rules = loggedChainRules(p, groupRules(groups, p.groups, family, apiDirection), direction, model.logSettings);
      out.push(chain(family, 'filter', loggedRulesChain(direction, p.portId), rules, p.origin));
    }
  }
  return out;
}

const DIRECTIONS = [
  ['i', 'ingress'],
  ['o', 'egress'],
] as const;

function groupRules(
  groups: ReadonlyMap<string, FirewallGroupItem>,
  ids: readonly string[],
  family: 4 | 6,
  direction: 'ingress' | 'egress',
): FirewallRule[] {
  return ids.flatMap((id) => (groups.get(id)?.rules ?? []).filter((r) => r.family === family && r.direction === direction));
}

/**
 * A connection whose entry the agent deleted (its rule is gone) would otherwise be picked up
 * again mid-stream (nf_conntrack_tcp_loose) by whichever end still may send, and go on. Nothing
 * of a stateless port is tracked, so it has neither this rule nor the INVALID one.
 */
function head(stateful: boolean): string[] {
  if (!stateful) return [];
  return [`-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m state --state NEW ${comment(COMMENTS.tcpPickup)} -j DROP`];
}

function tail(stateful: boolean): string[] {
  const fallback = `${comment(COMMENTS.unmatched)} -j ${FIREWALL_FALLBACK_CHAIN}`;
  if (!stateful) return [fallback];
  return [`-m state --state INVALID ${comment(COMMENTS.invalid)} -j DROP`, fallback];
}

/**
 * The NFLOG prefix of a logged event: ACCEPT or DROP, the direction, the rule (`-` for a
 * drop) and the port's device, which the agent maps back to the port (at most 63 characters:
 * 55 here). See docs/security-group-logging.md.
 */
export function logPrefix(action: 'A' | 'D', direction: 'i' | 'o', ruleId: string | null, device: string): string {
  return `${action} ${direction} ${ruleId ?? '-'} ${device}`;
}

/**
 * `--nflog-threshold 1` hands each record to the reader at once: the kernel otherwise queues up
 * to 100 of them or one second (nfnetlink_log's defaults; measured: 1,010 ms without, 8 ms with).
 */
function nflog(prefix: string, s: SecurityGroupLogSettings): string {
  const limit = `-m limit --limit ${s.rateLimit}/sec --limit-burst ${s.burstLimit}`;
  return `${limit} -j NFLOG --nflog-prefix "${prefix}" --nflog-group ${s.nflogGroup} --nflog-threshold 1`;
}

/** A logged port's own copy of its group rules, with the NFLOG rules its network logs ask for. */
function loggedChainRules(
  p: FirewallPortItem,
  rules: readonly FirewallRule[],
  direction: 'i' | 'o',
  s: SecurityGroupLogSettings,
): string[] {
  const stateful = p.stateful !== false;
  const out = [...head(stateful)];
  for (const r of rules) {
    if (p.log?.accept) {
      const args = [ruleArgs(r), stateful ? '-m state --state NEW' : ''].filter((x) => x !== '').join(' ');
      out.push(`${args === '' ? '' : `${args} `}${nflog(logPrefix('A', direction, r.ruleId, p.device), s)}`);
    }
    out.push(ruleLine(r));
  }
  const [fallback, ...rest] = tail(stateful).reverse();
  out.push(...rest.reverse());
  if (p.log?.drop) out.push(nflog(logPrefix('D', direction, null, p.device), s));
  out.push(fallback!);
  return out;
}

function ipsets(model: FirewallModel): IpsetItem[] {
  const remote: IpsetItem[] = model.remoteGroups.map((g) => ({
    kind: 'ipset',
    netns: null,
    name: remoteGroupSet(g.family === 4 ? 'IPv4' : 'IPv6', g.groupId),
    family: g.family,
    members: g.members,
    origin: { kind: 'security_group', id: g.groupId },
  }));
  const addresses: IpsetItem[] = model.addressGroups.map((g) => ({
    kind: 'ipset',
    netns: null,
    name: addressGroupSet(g.family === 4 ? 'IPv4' : 'IPv6', g.groupId),
    family: g.family,
    members: g.members,
    origin: { kind: 'address_group', id: g.groupId },
  }));
  return [...remote, ...addresses];
}

/** An iptables firewall driver: these chains and ipsets, with `zoneRules` in the raw table. */
export function iptablesFirewall(
  name: FirewallDriver['name'],
  scheme: FirewallDriver['scheme'],
  zoneRules: ZoneRules,
): FirewallDriver {
  return {
    name,
    scheme,
    enforce(model: FirewallModel): PlanPart {
      if (model.ports.length === 0) return {};
      return { iptables: [...familyChains(model, 4, zoneRules), ...familyChains(model, 6, zoneRules)], ipsets: ipsets(model) };
    },
  };
}

export const iptablesHybrid: FirewallDriver = iptablesFirewall('iptables_hybrid', HYBRID_SCHEME, (ports) =>
  ports.flatMap(hybridZoneRules),
);

/**
 * The zones a raw-table chain written by these drivers gives taps and bridges, by device
 * (`tap…` for every driver, `brq…` for the Linux bridge one): how a restarted agent learns the
 * zones live connections are tracked in.
 */
export function zonesFromRules(rules: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const rule of rules) {
    const m = /--physdev-in ((?:tap|brq)\S+) .*-j CT --zone (\d+)$/.exec(rule);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}
