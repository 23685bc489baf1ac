/**
 * One security group rule as iptables arguments, in the order iptables-save prints them
 * (addresses and protocol first, then matches in the order given), so a rule written by the
 * agent reads back byte for byte:
 *
 *   -s 10.0.0.0/24 -p tcp -m tcp --dport 22 -m comment --comment "rule …" -j RETURN
 *   -p tcp -m set --match-set QIPv4d6f3… src -m tcp --dport 1000:2000 …
 *   -p icmp -m icmp --icmp-type 8/0 …
 */
import { addressGroupSet, remoteGroupSet } from '../../../../model/names.js';
import type { FirewallRule } from '../../plan.js';
import { ICMP, ICMPV6, PORT_PROTOCOLS } from '../rules.js';
import { protocolName } from './protocols.js';

/** `-m comment` with iptables-save's quoting (quotes when the text has a space). */
export function comment(text: string): string {
  return `-m comment --comment ${/\s/.test(text) ? `"${text}"` : text}`;
}

function range(min: number, max: number | null): string {
  return max === null || max === min ? `${min}` : `${min}:${max}`;
}

function protocolArgs(r: FirewallRule): string[] {
  return r.protocol === null ? [] : [`-p ${protocolName(r.protocol)}`];
}

function matchArgs(r: FirewallRule): string[] {
  if (r.protocol === null || r.portMin === null) return [];
  if (r.protocol === ICMP || r.protocol === ICMPV6) {
    // iptables reads IPv4 type 255 as any type (and drops the code), and prints it so.
    if (r.protocol === ICMP && r.portMin === 255) return ['-m icmp --icmp-type any'];
    const type = r.portMax === null ? `${r.portMin}` : `${r.portMin}/${r.portMax}`;
    return r.protocol === ICMP ? [`-m icmp --icmp-type ${type}`] : [`-m icmp6 --icmpv6-type ${type}`];
  }
  if (!PORT_PROTOCOLS.has(r.protocol)) return [];
  // UDP-Lite has no port match of its own; multiport knows it.
  if (r.protocol === 136) return [`-m multiport --dports ${range(r.portMin, r.portMax)}`];
  return [`-m ${protocolName(r.protocol)} --dport ${range(r.portMin, r.portMax)}`];
}

/** The rule's arguments before `-j`, e.g. `-s 10.0.0.0/24 -p tcp -m tcp --dport 22`. */
export function ruleArgs(r: FirewallRule): string {
  const ingress = r.direction === 'ingress';
  const parts: string[] = [];
  if (r.remotePrefix !== null) parts.push(`${ingress ? '-s' : '-d'} ${r.remotePrefix}`);
  parts.push(...protocolArgs(r));
  if (r.remoteGroup !== null) {
    parts.push(
      `-m set --match-set ${remoteGroupSet(r.family === 4 ? 'IPv4' : 'IPv6', r.remoteGroup)} ${ingress ? 'src' : 'dst'}`,
    );
  }
  if (r.remoteAddressGroup) {
    parts.push(
      `-m set --match-set ${addressGroupSet(r.family === 4 ? 'IPv4' : 'IPv6', r.remoteAddressGroup)} ${ingress ? 'src' : 'dst'}`,
    );
  }
  parts.push(...matchArgs(r));
  return parts.join(' ');
}

/** The whole rule as it sits in a group chain. */
export function ruleLine(r: FirewallRule): string {
  return [ruleArgs(r), comment(`rule ${r.ruleId}`), '-j RETURN'].filter((s) => s !== '').join(' ');
}
