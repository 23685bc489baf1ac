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
 * The Linux bridge mechanism's `iptables` driver (../iptables/iptables-driver.ts) is this one
 * with the taps in the network's bridge instead of qbr: only the raw table's zones differ.
 */
import {
  FIREWALL_FALLBACK_CHAIN,
  FIREWALL_FORWARD_CHAIN,
  FIREWALL_INPUT_CHAIN,
  FIREWALL_SG_CHAIN,
  FIREWALL_ZONE_CHAIN,
  groupRulesChain,
  portChain,
  qvbDevice,
  remoteGroupSet,
} from '../../../../model/names.js';
import type { FirewallPortItem, IpsetItem, IptablesChainItem, IptablesTable, Origin, PlanPart } from '../../plan.js';
import type { FirewallDriver } from '../driver.js';
import { type FirewallModel, HYBRID_SCHEME } from '../model.js';
import { COMMENTS } from './comments.js';
import { egressRules, ingressRules, spoofRules } from './port-chains.js';
import { comment, ruleLine } from './rule-args.js';

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

/** The raw table's rules that put a port's traffic in its conntrack zone. */
export type ZoneRules = (ports: readonly FirewallPortItem[]) => string[];

function hybridZoneRules(p: FirewallPortItem): string[] {
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
  const sets = new Map<string, readonly string[]>();
  for (const p of filtered) if (p.groups.length > 0) sets.set(p.groups.join(','), p.groups);
  // A connection whose entry the agent deleted (its rule is gone) would otherwise be picked up
  // again mid-stream (nf_conntrack_tcp_loose) by whichever end still may send, and go on.
  const head = [`-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m state --state NEW ${comment(COMMENTS.tcpPickup)} -j DROP`];
  const tail = [
    `-m state --state INVALID ${comment(COMMENTS.invalid)} -j DROP`,
    `${comment(COMMENTS.unmatched)} -j ${FIREWALL_FALLBACK_CHAIN}`,
  ];
  for (const ids of [...sets.values()].sort()) {
    for (const [direction, apiDirection] of [
      ['i', 'ingress'],
      ['o', 'egress'],
    ] as const) {
      const rules = ids.flatMap((id) =>
        (groups.get(id)?.rules ?? []).filter((r) => r.family === family && r.direction === apiDirection).map(ruleLine),
      );
      const origin: Origin = { kind: 'security_group', id: ids[0]! };
      out.push(chain(family, 'filter', groupRulesChain(direction, ids), [...head, ...rules, ...tail], origin));
    }
  }
  return out;
}

function ipsets(model: FirewallModel): IpsetItem[] {
  return model.remoteGroups.map((g) => ({
    kind: 'ipset',
    netns: null,
    name: remoteGroupSet(g.family === 4 ? 'IPv4' : 'IPv6', g.groupId),
    family: g.family,
    members: g.members,
    origin: { kind: 'security_group', id: g.groupId },
  }));
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
