/**
 * The three chains of one filtered port, in the order modern Neutron's hybrid driver builds
 * them (neutron/agent/linux/iptables_firewall.py), per family:
 *
 * - `quark-fw-i<port>` (to the VM): ICMPv6 MLD/NS/NA; established and related sessions; DHCP
 *   (DHCPv6, RA) answers to the port; then the port's group chain, which returns for traffic a
 *   rule allows and drops the rest.
 * - `quark-fw-o<port>` (from the VM): DHCP discover; the anti-spoofing chain; DHCP client
 *   traffic; no DHCP (DHCPv6, RA) server answers from the VM; other ICMPv6; established and
 *   related sessions; then the group chain.
 * - `quark-fw-s<port>` (anti-spoofing): only the port's IP/MAC pairs (fixed IPs, the IPv6
 *   link-local address of its MAC, allowed address pairs) return; everything else is dropped.
 *
 * The group chain is entered with `-g` (goto): its RETURN goes straight back to whoever called
 * the port chain (sg-chain, which accepts; or the INPUT hook, which hands on to the host's
 * own rules), exactly as a RETURN at the end of a Neutron port chain would.
 */
import { normalizeIp } from '../../../../model/ip/address.js';
import { type Cidr, formatCidr, parseCidr } from '../../../../model/ip/cidr.js';
import { FIREWALL_FALLBACK_CHAIN, groupRulesChain, loggedRulesChain, portChain } from '../../../../model/names.js';
import type { FirewallPortItem } from '../../plan.js';
import { COMMENTS } from './comments.js';
import { comment } from './rule-args.js';

const ESTABLISHED = `-m state --state RELATED,ESTABLISHED ${comment(COMMENTS.established)} -j RETURN`;
const icmp6 = (type: number) => `-p ipv6-icmp -m icmp6 --icmpv6-type ${type}`;

/** Link-local addresses already derived, by MAC: every pass derives them again for every port. */
const LINK_LOCAL = new Map<string, string>();

/** fe80::/64 + the EUI-64 of `mac`, as the kernel derives the link-local address. */
export function linkLocal(mac: string): string {
  let address = LINK_LOCAL.get(mac);
  if (address === undefined) {
    address = deriveLinkLocal(mac);
    if (LINK_LOCAL.size > 100_000) LINK_LOCAL.clear();
    LINK_LOCAL.set(mac, address);
  }
  return address;
}

function deriveLinkLocal(mac: string): string {
  const b = mac.split(':').map((x) => Number.parseInt(x, 16));
  b[0] = b[0]! ^ 2;
  const words = [(b[0] << 8) | b[1]!, (b[2]! << 8) | 0xff, 0xfe00 | b[3]!, (b[4]! << 8) | b[5]!];
  const text = `fe80:0:0:0:${words.map((w) => w.toString(16)).join(':')}`;
  // As iptables-save prints it (RFC 5952: the longest run of zero words compressed).
  return normalizeIp(text) ?? text;
}

/** The port's fixed IPs of one family, as /32 or /128 in canonical form. */
function fixedHosts(port: FirewallPortItem, family: 4 | 6): string[] {
  return port.fixedIps
    .map((ip) => parseCidr(ip))
    .filter((c): c is Cidr => c !== null && c.version === family)
    .map(formatCidr);
}

/**
 * Where the port's traffic goes after the fixed rules: its groups' chain (its own logged copy
 * when a network log covers it, see hybrid-driver.ts), or straight to the fallback.
 */
function toGroups(port: FirewallPortItem, direction: 'i' | 'o'): string {
  if (port.log) return `-g ${loggedRulesChain(direction, port.portId)}`;
  if (port.groups.length === 0) return `${comment(COMMENTS.unmatched)} -j ${FIREWALL_FALLBACK_CHAIN}`;
  return `-g ${groupRulesChain(direction, port.groups)}`;
}

/**
 * A stateless port's packets are untracked (`-j CT --notrack`), so no conntrack state ever
 * matches: Quark leaves the RELATED,ESTABLISHED rule out where Neutron keeps one that cannot match.
 */
const established = (port: FirewallPortItem): string[] => (port.stateful === false ? [] : [ESTABLISHED]);

export function ingressRules(port: FirewallPortItem, family: 4 | 6): string[] {
  const out: string[] = [];
  const hosts = fixedHosts(port, family);
  if (family === 6) for (const t of [130, 135, 136]) out.push(`${icmp6(t)} -j RETURN`);
  out.push(...established(port));
  if (family === 4) {
    for (const h of [...hosts, '255.255.255.255/32']) out.push(`-d ${h} -p udp -m udp --sport 67 --dport 68 -j RETURN`);
  } else if (hosts.length > 0) {
    out.push(`${icmp6(134)} -j RETURN`);
    for (const h of [...hosts, 'fe80::/64']) out.push(`-d ${h} -p udp -m udp --sport 547 --dport 546 -j RETURN`);
  }
  out.push(toGroups(port, 'i'));
  return out;
}

export function egressRules(port: FirewallPortItem, family: 4 | 6): string[] {
  const out: string[] = [];
  const spoof = `-j ${portChain('s', port.portId)}`;
  if (family === 4) {
    out.push(`-s 0.0.0.0/32 -d 255.255.255.255/32 -p udp -m udp --sport 68 --dport 67 ${comment(COMMENTS.dhcpClient)} -j RETURN`);
    out.push(spoof);
    out.push(`-p udp -m udp --sport 68 --dport 67 ${comment(COMMENTS.dhcpClient)} -j RETURN`);
    out.push(`-p udp -m udp --sport 67 --dport 68 ${comment(COMMENTS.dhcpSpoof)} -j DROP`);
  } else {
    for (const t of [131, 135, 143]) out.push(`-s ::/128 -d ff02::/16 ${icmp6(t)} -j RETURN`);
    out.push(spoof);
    out.push(`${icmp6(134)} ${comment(COMMENTS.raDrop)} -j DROP`);
    out.push(`-p ipv6-icmp ${comment(COMMENTS.icmp6Allow)} -j RETURN`);
    out.push(`-p udp -m udp --sport 546 --dport 547 ${comment(COMMENTS.dhcpClient)} -j RETURN`);
    out.push(`-p udp -m udp --sport 547 --dport 546 ${comment(COMMENTS.dhcpSpoof)} -j DROP`);
  }
  out.push(...established(port));
  out.push(toGroups(port, 'o'));
  return out;
}

/**
 * Anti-spoofing: one RETURN per (address, MAC) the port may send from, then DROP. A port with
 * no fixed IP may send from any address of its MAC (as Neutron). Unlike Neutron, the IPv6
 * chain exists for IPv4-only ports too (their link-local address only), so they cannot send
 * IPv6 from made-up addresses.
 */
export function spoofRules(port: FirewallPortItem, family: 4 | 6): string[] {
  const pairs: { cidr: string | null; mac: string }[] = [];
  const seen = new Set<string>();
  const add = (cidr: string | null, mac: string) => {
    const key = `${cidr} ${mac}`;
    if (!seen.has(key)) pairs.push({ cidr, mac });
    seen.add(key);
  };
  if (port.fixedIps.length === 0) add(null, port.mac);
  const own = port.sources.filter((s) => parseCidr(s.cidr)?.version === family);
  for (const s of own) add(s.cidr, s.mac);
  // The kernel of the instance gives every MAC a link-local address and sends ND from it.
  if (family === 6) for (const mac of [port.mac, ...own.map((s) => s.mac)]) add(`${linkLocal(mac)}/128`, mac);
  const allow = (p: { cidr: string | null; mac: string }) =>
    `${p.cidr === null ? '' : `-s ${p.cidr} `}-m mac --mac-source ${p.mac} ${comment(COMMENTS.pairAllow)} -j RETURN`;
  return [...pairs.map(allow), `${comment(COMMENTS.pairDrop)} -j DROP`];
}
