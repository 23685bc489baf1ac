/**
 * The firewall model of one host, independent of how it is enforced: the ports the L2 role
 * filters (or deliberately lets through), the rules of their security groups, and the members
 * of every security group those rules name as remote group. Drivers turn it into iptables
 * chains and ipsets (iptables_hybrid, iptables) or, later, OpenFlow conntrack flows (openvswitch).
 */
import { type Cidr, formatCidr, parseCidr } from '../../../model/ip/cidr.js';
import { tapDevice } from '../../../model/names.js';
import type { NetworkLog, Port, SecurityGroupRule, VifType } from '../../../model/resources.js';
import { DEFAULT_SECURITY_GROUP_LOG_SETTINGS, type ReplicaView, type SecurityGroupLogSettings } from '../inputs.js';
import { boundHere } from '../l2/host-ports.js';
import { TRUNK_SUBPORT_OWNER } from '../../../model/trunk.js';
import type { FirewallGroupItem, FirewallPortItem, FirewallPortLog } from '../plan.js';
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
  /** Every (address group, family) a rule of those groups names, sorted; `groupId` is the address group's. */
  readonly addressGroups: readonly RemoteGroupMembers[];
  /** Where logged ports' events go. */
  readonly logSettings: SecurityGroupLogSettings;
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
 * trusts them. A trunk's subports (`trunk:subport`) have no device of their own: their frames
 * cross the parent's qbr tagged, which iptables does not see (docs/trunks.md).
 */
export function firewalledPorts(replica: ReplicaView, host: string, vifType: VifType = 'ovs'): Port[] {
  return [...replica.ports.values()]
    .filter(
      (p) => boundHere(p, host, vifType) && !p.device_owner.startsWith('network:') && p.device_owner !== TRUNK_SUBPORT_OWNER,
    )
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

/**
 * A port's groups are all stateful or all stateless (the API refuses a mix); a port is
 * stateless when every one of its groups is (Neutron's driver asks the first group).
 */
function isStateful(replica: ReplicaView, groups: readonly string[]): boolean {
  return groups.length === 0 || groups.some((g) => replica.securityGroups.get(g)?.stateful !== false);
}

/**
 * The enabled network logs that cover a port, as Neutron's logapi reads them: one naming the
 * port (`target_id`), one naming a group of the port (`resource_id`), or one naming neither
 * (every port of the log's project).
 */
export function portLog(logs: Iterable<NetworkLog>, port: Port): FirewallPortLog | null {
  let accept = false;
  let drop = false;
  const logIds: string[] = [];
  for (const l of logs) {
    if (!l.enabled || l.resource_type !== 'security_group' || l.project_id !== port.project_id) continue;
    if (l.target_id !== null && l.target_id !== port.id) continue;
    if (l.resource_id !== null && !port.security_groups.includes(l.resource_id)) continue;
    accept ||= l.event !== 'DROP';
    drop ||= l.event !== 'ACCEPT';
    logIds.push(l.id);
  }
  return logIds.length === 0 ? null : { accept, drop, logIds: logIds.sort() };
}

/** Addresses of the address groups the rules name, per family, in the form ipset prints them. */
function addressGroupMembers(replica: ReplicaView, groups: readonly FirewallGroupItem[]): RemoteGroupMembers[] {
  const wanted = new Set(
    groups.flatMap((g) => g.rules.filter((r) => r.remoteAddressGroup).map((r) => `${r.family} ${r.remoteAddressGroup}`)),
  );
  return [...wanted]
    .map((key) => {
      const [family, groupId] = key.split(' ') as [string, string];
      const members = new Map<string, bigint>();
      for (const a of replica.addressGroups?.get(groupId)?.addresses ?? []) {
        const c = parseCidr(a);
        if (c && c.version === Number(family)) for (const m of setMembers(c)) members.set(m, c.network);
      }
      const sorted = [...members].sort(([a, x], [b, y]) => (x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0));
      return { groupId, family: Number(family) as 4 | 6, members: sorted.map(([m]) => m) };
    })
    .sort((a, b) => (a.groupId === b.groupId ? a.family - b.family : a.groupId < b.groupId ? -1 : 1));
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
  logSettings: SecurityGroupLogSettings = DEFAULT_SECURITY_GROUP_LOG_SETTINGS,
  scheme: FirewallScheme = HYBRID_SCHEME,
): FirewallModel {
  const candidates = firewalledPorts(replica, host, scheme.vifType);
  const filtered = candidates.filter((p) => p.port_security_enabled);
  // Stateless ports are not tracked, so they need no zone.
  const tracked = filtered.filter((p) => isStateful(replica, p.security_groups));
  // The host tells zones by tap (every driver's raw rules name the tap); a network's zone is its taps' zone.
  const known = new Map(observedZones);
  for (const p of tracked) {
    const z = observedZones.get(tapDevice(p.id));
    if (!known.has(scheme.zoneKey(p)) && z !== undefined) known.set(scheme.zoneKey(p), z);
  }
  const zones = assignZones([...new Set(tracked.map((p) => scheme.zoneKey(p)))], known);
  const logs = [...(replica.networkLogs?.values() ?? [])];
  const ports: FirewallPortItem[] = candidates.map((p) => {
    const device = tapDevice(p.id);
    const groups = p.port_security_enabled ? [...new Set(p.security_groups)].sort() : [];
    const stateful = isStateful(replica, groups);
    const log = p.port_security_enabled ? portLog(logs, p) : null;
    return {
      kind: 'firewallPort',
      portId: p.id,
      networkId: p.network_id,
      device,
      filtered: p.port_security_enabled,
      zone: p.port_security_enabled && stateful ? (zones.get(scheme.zoneKey(p)) ?? null) : null,
      mac: p.mac_address.toLowerCase(),
      fixedIps: p.fixed_ips.map((f) => f.ip_address),
      sources: portSources(p).map((s) => ({ cidr: formatCidr(s.cidr), mac: s.mac })),
      groups,
      ...(stateful ? {} : { stateful: false }),
      ...(log ? { log, projectId: p.project_id } : {}),
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
  return { ports, groups, remoteGroups, addressGroups: addressGroupMembers(replica, groups), logSettings };
}
