/**
 * Which tracked connections the firewall no longer allows. When rules narrow (a rule removed, a
 * member leaving a remote group, an address pair dropped), connections they let in stay open as
 * long as conntrack keeps their entries: the ESTABLISHED rule passes them before any rule is
 * read. Neutron deletes the entries matching the removed rule; Quark judges every entry of the
 * affected ports' zones against the rules as they are now and revokes those no rule allows, so a
 * connection another rule still allows is left alone, and every kind of narrowing is handled
 * the same way.
 *
 * A connection belongs to a port through its zone; its direction is egress when the port sent
 * the first packet (the source is one of the port's addresses), ingress when it received it.
 * Where ports share a zone (a Linux bridge host tracks a network's ports in the network's zone)
 * a connection is judged for each of them that is one of its ends, and revoked when any of those
 * no longer allows it: between two ports of the host, the sender's egress and the receiver's
 * ingress rules must both still allow it.
 * Traffic the port chains allow before any rule (DHCP, ICMPv6 neighbour discovery) is never
 * revoked, nor is traffic to or from addresses that were never the port's (broadcasts).
 */
import { type IpAddress, parseIp } from '../../../model/ip/address.js';
import { type Cidr, cidrContains, parseCidr } from '../../../model/ip/cidr.js';
import type { FirewallGroupItem, FirewallPortItem, FirewallRule } from '../plan.js';
import { ICMP, ICMPV6, PORT_PROTOCOLS } from './rules.js';

/** A tracked connection in its original direction, as conntrack lists it. */
export interface TrackedConnection {
  readonly zone: number;
  readonly family: 4 | 6;
  readonly protocol: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number | null;
  readonly dport: number | null;
  readonly icmpType: number | null;
  readonly icmpCode: number | null;
}

/** What to delete: every entry of `zone` that matches the given fields. */
export interface ConnectionSelector {
  readonly zone: number;
  readonly family: 4 | 6;
  readonly src: string;
  readonly dst: string;
  readonly protocol?: number;
  readonly sport?: number;
  readonly dport?: number;
}

export type Verdict = 'allowed' | 'revoked' | 'not-judged';

/** Tests addresses against the members of a remote group (hosts and networks). */
export function memberTest(members: readonly string[]): (ip: IpAddress) => boolean {
  const hosts = new Set<bigint>();
  const nets: Cidr[] = [];
  for (const m of members) {
    const c = parseCidr(m);
    if (!c) continue;
    if (m.includes('/')) nets.push(c);
    else hosts.add(c.network);
  }
  return (ip) => hosts.has(ip.value) || nets.some((c) => c.version === ip.version && cidrContains(c, ip));
}

/** Members of a remote security group, or (`address_group`) the addresses of an address group. */
export type MemberLookup = (groupId: string, family: 4 | 6, kind?: 'address_group') => (ip: IpAddress) => boolean;

const DHCP_PORTS: Readonly<Record<4 | 6, readonly number[]>> = { 4: [67, 68], 6: [546, 547] };
const ICMPV6_INGRESS = new Set([130, 134, 135, 136]);

function ruleMatches(r: FirewallRule, c: TrackedConnection, remote: IpAddress, isMember: MemberLookup): boolean {
  if (r.protocol !== null && r.protocol !== c.protocol) return false;
  if (r.protocol !== null && r.portMin !== null) {
    if (PORT_PROTOCOLS.has(r.protocol)) {
      if (c.dport === null || c.dport < r.portMin || c.dport > (r.portMax ?? r.portMin)) return false;
    } else if (r.protocol === ICMPV6 || (r.protocol === ICMP && r.portMin !== 255)) {
      if (c.icmpType !== r.portMin || (r.portMax !== null && c.icmpCode !== r.portMax)) return false;
    }
  }
  if (r.remotePrefix !== null) {
    const prefix = parseCidr(r.remotePrefix);
    if (!prefix || !cidrContains(prefix, remote)) return false;
  }
  if (r.remoteGroup !== null && !isMember(r.remoteGroup, c.family)(remote)) return false;
  if (r.remoteAddressGroup && !isMember(r.remoteAddressGroup, c.family, 'address_group')(remote)) return false;
  return true;
}

/** The port's direction for a connection, from its source addresses; null when neither end is the port. */
function directionOf(port: FirewallPortItem, c: TrackedConnection): 'ingress' | 'egress' | null {
  const src = parseIp(c.src);
  const dst = parseIp(c.dst);
  const own = port.sources.map((s) => parseCidr(s.cidr)).filter((x): x is Cidr => x !== null && x.version === c.family);
  if (src && own.some((x) => cidrContains(x, src))) return 'egress';
  if (dst && own.some((x) => cidrContains(x, dst))) return 'ingress';
  return null;
}

/** Whether the port's rules (its groups' rules of `groups`) allow connection `c` now. */
export function judge(
  c: TrackedConnection,
  port: FirewallPortItem,
  groups: ReadonlyMap<string, FirewallGroupItem>,
  isMember: MemberLookup,
): Verdict {
  const direction = directionOf(port, c);
  if (direction === null) return 'not-judged';
  if (c.protocol === 17 && c.sport !== null && DHCP_PORTS[c.family].includes(c.sport)) return 'not-judged';
  if (c.protocol === ICMPV6 && (direction === 'egress' || ICMPV6_INGRESS.has(c.icmpType ?? -1))) return 'allowed';
  const remote = parseIp(direction === 'egress' ? c.dst : c.src);
  if (!remote) return 'not-judged';
  for (const g of port.groups) {
    for (const r of groups.get(g)?.rules ?? []) {
      if (r.direction === direction && r.family === c.family && ruleMatches(r, c, remote, isMember)) return 'allowed';
    }
  }
  return 'revoked';
}

export interface RevokeInput {
  readonly connections: readonly TrackedConnection[];
  /** Zones to judge (ports whose rules, groups, remote members or addresses narrowed). */
  readonly zones: ReadonlySet<number>;
  readonly ports: readonly FirewallPortItem[];
  /** The ports as last applied: an address a port lost revokes its connections. */
  readonly previous: ReadonlyMap<string, FirewallPortItem>;
  readonly groups: ReadonlyMap<string, FirewallGroupItem>;
  readonly isMember: MemberLookup;
}

/**
 * Selectors for the connections to delete. Where every judged connection between two addresses
 * in a zone is revoked, one selector takes them all; otherwise one per protocol and ports.
 */
export function revokedConnections(input: RevokeInput): ConnectionSelector[] {
  const byZone = new Map<number, FirewallPortItem[]>();
  for (const p of input.ports) if (p.zone !== null) byZone.set(p.zone, [...(byZone.get(p.zone) ?? []), p]);
  const pairs = new Map<string, { all: boolean; revoked: TrackedConnection[] }>();
  for (const c of input.connections) {
    const ports = byZone.get(c.zone);
    if (!ports || !input.zones.has(c.zone)) continue;
    const verdicts = ports.map((port) => {
      const verdict = judge(c, port, input.groups, input.isMember);
      const before = input.previous.get(port.portId);
      return verdict === 'not-judged' && before && directionOf(before, c) !== null ? 'revoked' : verdict;
    });
    const verdict: Verdict = verdicts.includes('revoked') ? 'revoked' : verdicts.includes('allowed') ? 'allowed' : 'not-judged';
    const key = `${c.zone} ${c.family} ${c.src} ${c.dst}`;
    const pair = pairs.get(key) ?? { all: true, revoked: [] };
    if (verdict === 'revoked') pair.revoked.push(c);
    else pair.all = false;
    pairs.set(key, pair);
  }
  const out = new Map<string, ConnectionSelector>();
  for (const { all, revoked } of pairs.values()) {
    for (const c of revoked) {
      const base = { zone: c.zone, family: c.family, src: c.src, dst: c.dst };
      const ports = PORT_PROTOCOLS.has(c.protocol) && c.sport !== null && c.dport !== null;
      const s: ConnectionSelector = all
        ? base
        : { ...base, protocol: c.protocol, ...(ports ? { sport: c.sport!, dport: c.dport! } : {}) };
      out.set(JSON.stringify(s), s);
    }
  }
  return [...out.values()];
}
