/**
 * A port's security groups judged from the API alone, for hosts whose agent cannot be asked:
 * what the iptables hybrid firewall compiled from the same intent would do. Instances' ports
 * with port security are filtered; DHCP and router ports are trusted (as Neutron trusts them).
 * A port may send only from its own addresses (anti-spoofing); DHCP and ICMPv6 neighbour
 * discovery pass before any rule; a reply of a connection the port's conntrack saw passes as
 * ESTABLISHED (unless its groups are stateless: untracked, a reply needs a rule too); otherwise
 * the first rule of its groups that matches lets the packet through (remote prefix, remote
 * group, remote address group).
 */
import { type IpAddress, parseIp } from '../../model/ip/address.js';
import { cidrContains, parseCidr } from '../../model/ip/cidr.js';
import type { Port, SecurityGroupRule } from '../../model/resources.js';
import { canonicalProtocol, protocolNumber } from '../../model/security-group-rule.js';
import type { ObjectRef, TracePacket } from '../../model/trace.js';
import type { ReadView } from '../../store/view.js';
import type { Names } from './names.js';

const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);
const ICMP = 1;
const ICMPV6 = 58;
/** ICMPv6 a port may receive before any rule: MLD queries, router advertisements, neighbour solicitations and advertisements. */
const ICMPV6_INGRESS = new Set([130, 134, 135, 136]);

export interface FirewallJudgement {
  readonly allowed: boolean;
  readonly says: string;
  readonly code: 'ingress-rules' | 'egress-rules' | 'anti-spoofing' | null;
  readonly refs: readonly ObjectRef[];
}

/** Whether the intent filters the port (an instance's port with port security). */
export const filtered = (p: Port): boolean => p.port_security_enabled && !p.device_owner.startsWith('network:');

const familyOf = (ip: string): 4 | 6 => (ip.includes(':') ? 6 : 4);
const protocolOf = (p: TracePacket): number =>
  p.protocol === 'icmp' ? (familyOf(p.dst) === 6 ? ICMPV6 : ICMP) : p.protocol === 'tcp' ? 6 : 17;
/** The traced ICMP: an echo request (8, 128), or its reply (0, 129). */
const icmpType = (p: TracePacket): number => (familyOf(p.dst) === 6 ? (p.reply ? 129 : 128) : p.reply ? 0 : 8);

/** The addresses a port may send from, and others may reach it at: fixed IPs and allowed address pairs. */
function sources(port: Port): { ip: string; mac: string }[] {
  return [
    ...port.fixed_ips.map((f) => ({ ip: f.ip_address, mac: port.mac_address })),
    ...port.allowed_address_pairs.map((a) => ({ ip: a.ip_address, mac: a.mac_address || port.mac_address })),
  ];
}

const within = (prefix: string, ip: IpAddress) => {
  const c = parseCidr(prefix);
  return c !== null && c.version === ip.version && cidrContains(c, ip);
};

function isMember(view: ReadView, group: string, ip: IpAddress): boolean {
  return view.by('port', 'securityGroup', group).some((p) => sources(p).some((s) => within(s.ip, ip)));
}

function matches(view: ReadView, r: SecurityGroupRule, p: TracePacket, peer: IpAddress): boolean {
  if ((r.ethertype === 'IPv6' ? 6 : 4) !== peer.version) return false;
  const protocol = protocolNumber(canonicalProtocol(r.ethertype, r.protocol));
  if (protocol !== null && protocol !== protocolOf(p)) return false;
  if (protocol !== null && r.port_range_min !== null) {
    if (PORT_PROTOCOLS.has(protocol)) {
      const port = p.dport ?? -1;
      if (port < r.port_range_min || port > (r.port_range_max ?? r.port_range_min)) return false;
    } else if (protocol === ICMPV6 || (protocol === ICMP && r.port_range_min !== 255)) {
      if (icmpType(p) !== r.port_range_min || (r.port_range_max !== null && r.port_range_max !== 0)) return false;
    }
  }
  if (r.remote_ip_prefix !== null && !within(r.remote_ip_prefix, peer)) return false;
  if (r.remote_group_id !== null && !isMember(view, r.remote_group_id, peer)) return false;
  const addresses = r.remote_address_group_id ? view.get('address_group', r.remote_address_group_id)?.addresses : null;
  if (r.remote_address_group_id && !(addresses ?? []).some((a) => within(a, peer))) return false;
  return true;
}

/** What the port's firewall does with `p` in `direction` (of the instance: egress it sends, ingress it receives). */
export function judgePort(
  view: ReadView,
  names: Names,
  port: Port,
  direction: 'ingress' | 'egress',
  p: TracePacket,
): FirewallJudgement {
  const me: ObjectRef = { kind: 'port', id: port.id };
  const who = names.label(me);
  const pass = (says: string, refs: ObjectRef[] = [me]): FirewallJudgement => ({ allowed: true, says, code: null, refs });
  if (!filtered(port)) return pass(`${direction} of ${who}: not filtered (no port security, or a network port)`);
  if (direction === 'egress' && !sources(port).some((s) => within(s.ip, parseIp(p.src)!))) {
    const says = `anti-spoofing of ${who}: it may not send from ${p.src}`;
    return { allowed: false, says, code: 'anti-spoofing', refs: [me] };
  }
  // A stateless port (its groups are stateless) is not tracked: its replies need rules of their own.
  const stateful =
    port.security_groups.length === 0 || port.security_groups.some((g) => view.get('security_group', g)?.stateful !== false);
  if (p.reply && stateful) return pass(`${direction} of ${who}: the reply of a connection its conntrack saw (ESTABLISHED)`);
  const protocol = protocolOf(p);
  if (protocol === ICMPV6 && (direction === 'egress' || ICMPV6_INGRESS.has(icmpType(p))))
    return pass(`${direction} of ${who}: ICMPv6 neighbour discovery is always allowed`);
  const peer = parseIp(direction === 'egress' ? p.dst : p.src)!;
  const groups = port.security_groups;
  for (const g of groups) {
    for (const r of view.by('security_group_rule', 'group', g)) {
      if (r.direction === direction && matches(view, r, p, peer))
        return pass(`${direction} of ${who}: allowed by rule ${r.id.slice(0, 8)} of security group ${names.group(g)}`, [
          me,
          { kind: 'security_group_rule', id: r.id },
        ]);
    }
  }
  const traffic = p.protocol === 'icmp' ? 'icmp' : `${p.protocol}/${p.dport}`;
  const peerWords = direction === 'ingress' ? `from ${p.src}` : `to ${p.dst}`;
  return {
    allowed: false,
    says: `no ${direction} rule of the security groups of ${who} allows ${traffic} ${peerWords}`,
    code: direction === 'ingress' ? 'ingress-rules' : 'egress-rules',
    refs: [...groups.map((id): ObjectRef => ({ kind: 'security_group', id })), me],
  };
}
