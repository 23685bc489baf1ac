/**
 * The firewall model of one host, independent of how it is enforced: the ports the L2 role
 * filters (or deliberately lets through), the rules of their security groups, and the members
 * of every security group those rules name as remote group. Drivers turn it into iptables
 * chains and ipsets (iptables_hybrid, iptables) or, later, OpenFlow conntrack flows (openvswitch).
 */
import { type Cidr, formatCidr, parseCidr } from '../../../model/ip/cidr.js';
import { tapDevice } from '../../../model/names.js';
import type { Port, SecurityGroupRule, VifType } from '../../../model/resources.js';
import type { ReplicaView } from '../inputs.js';
import { boundHere } from '../l2/host-ports.js';
import type { FirewallGroupItem, FirewallPortItem } from '../plan.js';
import { firewallRule } from './rules.js';
import { assignZones } from './zones.js';

/** Members of one remote group for one family, in the form ipset prints them. */
export interface RemoteGroupMembers {
  readonly groupId: string;
  readonly family: 4 | 6;
  /** Host addresses without prefix length, networks as CIDRs; sorted. */
  readonly members: readonly string[];
}

export interface FirewallModel {
  /** Sorted by port id. */
  readonly ports: readonly FirewallPortItem[];
  /** The groups of the filtered ports, sorted by id; rules sorted by id. */
  readonly groups: readonly FirewallGroupItem[];
  /** Every (remote group, family) a rule of those groups names, sorted. */
  readonly remoteGroups: readonly RemoteGroupMembers[];
}

/**
 * How a mechanism's firewall places ports: which vif_type the host's ports have, and what a
 * conntrack zone belongs to. With the hybrid plug every port crosses its own qbr, so each port
 * has its own zone; on a Linux bridge host a frame between two ports of one network crosses
 * netfilter once, in the network's bridge, so both directions of a connection must be tracked
 * in one zone: the network's (Neutron's IptablesFirewallDriver, CONNTRACK_ZONE_PER_PORT False).
 */
export interface FirewallScheme {
  readonly vifType: VifType;
  /** The key of the zone a port is tracked in: its tap (hybrid), its network's bridge (Linux bridge). */
  zoneKey(port: Port): string;
}

export const HYBRID_SCHEME: FirewallScheme = { vifType: 'ovs', zoneKey: (p) => tapDevice(p.id) };

/**
 * Ports this host's firewall handles: instances bound here. Ports of the agent's own devices
 * (DHCP, routers: device_owner `network:…`) are not hybrid-plugged and are trusted, as Neutron
 * trusts them.
 */
export function firewalledPorts(replica: ReplicaView, host: string, vifType: VifType = 'ovs'): Port[] {
  return [...replica.ports.values()]
    .filter((p) => boundHere(p, host, vifType) && !p.device_owner.startsWith('network:'))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The source addresses a port may use, with the MAC each may come from. */
export function portSources(port: Port): { cidr: Cidr; mac: string }[] {
  const out: { cidr: Cidr; mac: string }[] = [];
  const seen = new Set<string>();
  const add = (text: string, mac: string) => {
    const c = parseCidr(text);
    const key = c ? `${formatCidr(c)} ${mac}` : '';
    if (!c || seen.has(key)) return;
    seen.add(key);
    out.push({ cidr: c, mac: mac.toLowerCase() });
  };
  for (const f of port.fixed_ips) add(f.ip_address, port.mac_address);
  for (const p of port.allowed_address_pairs) add(p.ip_address, p.mac_address || port.mac_address);
  return out;
}

/** ipset's form of a member: a host address alone, a network as CIDR; /0 as two halves (hash:net has no /0). */
function setMembers(c: Cidr): string[] {
  const bits = c.version === 4 ? 32 : 128;
  if (c.prefixLength === bits) return [formatCidr(c).split('/')[0]!];
  if (c.prefixLength === 0) {
    const half = 1n << BigInt(bits - 1);
    return [formatCidr({ ...c, prefixLength: 1 }), formatCidr({ ...c, network: half, prefixLength: 1 })];
  }
  return [formatCidr(c)];
}

function rulesByGroup(replica: ReplicaView): Map<string, SecurityGroupRule[]> {
  const out = new Map<string, SecurityGroupRule[]>();
  for (const r of replica.securityGroupRules.values()) {
    const list = out.get(r.security_group_id) ?? [];
    list.push(r);
    out.set(r.security_group_id, list);
  }
  return out;
}

export function firewallModel(
  replica: ReplicaView,
  host: string,
  observedZones: ReadonlyMap<string, number>,
  scheme: FirewallScheme = HYBRID_SCHEME,
): FirewallModel {
  const candidates = firewalledPorts(replica, host, scheme.vifType);
  const filtered = candidates.filter((p) => p.port_security_enabled);
  // The host tells zones by tap (every driver's raw rules name the tap); a network's zone is its taps' zone.
  const known = new Map(observedZones);
  for (const p of filtered) {
    const z = observedZones.get(tapDevice(p.id));
    if (!known.has(scheme.zoneKey(p)) && z !== undefined) known.set(scheme.zoneKey(p), z);
  }
  const zones = assignZones([...new Set(filtered.map((p) => scheme.zoneKey(p)))], known);
  const ports: FirewallPortItem[] = candidates.map((p) => {
    const device = tapDevice(p.id);
    return {
      kind: 'firewallPort',
      portId: p.id,
      networkId: p.network_id,
      device,
      filtered: p.port_security_enabled,
      zone: p.port_security_enabled ? (zones.get(scheme.zoneKey(p)) ?? null) : null,
      mac: p.mac_address.toLowerCase(),
      fixedIps: p.fixed_ips.map((f) => f.ip_address),
      sources: portSources(p).map((s) => ({ cidr: formatCidr(s.cidr), mac: s.mac })),
      groups: p.port_security_enabled ? [...new Set(p.security_groups)].sort() : [],
      origin: { kind: 'port', id: p.id },
    };
  });
  const byGroup = rulesByGroup(replica);
  const groupIds = [...new Set(ports.flatMap((p) => p.groups))].sort();
  const groups: FirewallGroupItem[] = groupIds.map((g) => ({
    kind: 'firewallGroup',
    groupId: g,
    rules: (byGroup.get(g) ?? [])
      .slice()
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map(firewallRule),
    origin: { kind: 'security_group', id: g },
  }));
  const wanted = new Set(
    groups.flatMap((g) => g.rules.filter((r) => r.remoteGroup !== null).map((r) => `${r.family} ${r.remoteGroup}`)),
  );
  // Members keep their address as a sort key, so sorting 2,000 of them parses nothing.
  const members = new Map<string, Map<string, bigint>>([...wanted].map((k) => [k, new Map()]));
  for (const p of replica.ports.values()) {
    if (!p.security_groups.some((g) => members.has(`4 ${g}`) || members.has(`6 ${g}`))) continue;
    for (const s of portSources(p)) {
      for (const g of p.security_groups) {
        const target = members.get(`${s.cidr.version} ${g}`);
        if (target) for (const m of setMembers(s.cidr)) target.set(m, s.cidr.network);
      }
    }
  }
  const remoteGroups = [...members]
    .map(([key, set]) => {
      const [family, groupId] = key.split(' ') as [string, string];
      const sorted = [...set].sort(([a, x], [b, y]) => (x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0));
      return { groupId, family: Number(family) as 4 | 6, members: sorted.map(([m]) => m) };
    })
    .sort((a, b) => (a.groupId === b.groupId ? a.family - b.family : a.groupId < b.groupId ? -1 : 1));
  return { ports, groups, remoteGroups };
}
