/**
 * Security group rules as the firewall drivers read them: Neutron's spellings (names or
 * numbers, `icmp` for IPv6, prefixes with host bits) folded into one form, so that two drivers
 * and the conntrack cleanup agree on what a rule allows.
 */
import { type Cidr, formatCidr, parseCidr } from '../../../model/ip/cidr.js';
import type { SecurityGroupRule } from '../../../model/resources.js';
import { canonicalProtocol, protocolNumber } from '../../../model/security-group-rule.js';
import type { FirewallRule } from '../plan.js';

/** Protocols whose rules carry a destination port range. */
export const PORT_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);
export const ICMP = 1;
export const ICMPV6 = 58;

/** A prefix in canonical form (host bits cleared); null for "anywhere" or an unusable prefix. */
export function canonicalPrefix(prefix: string | null, family: 4 | 6): string | null {
  if (prefix === null) return null;
  const c = parseCidr(prefix);
  if (!c || c.version !== family || c.prefixLength === 0) return null;
  return formatCidr(c);
}

export function firewallRule(r: SecurityGroupRule): FirewallRule {
  const family = r.ethertype === 'IPv6' ? 6 : 4;
  return {
    ruleId: r.id,
    direction: r.direction,
    family,
    protocol: protocolNumber(canonicalProtocol(r.ethertype, r.protocol)),
    portMin: r.port_range_min,
    portMax: r.port_range_max,
    remotePrefix: canonicalPrefix(r.remote_ip_prefix, family),
    remoteGroup: r.remote_group_id,
    remoteAddressGroup: r.remote_address_group_id ?? null,
  };
}

/** Parses CIDRs of one family, dropping anything else. */
export function cidrsOf(texts: readonly string[], family: 4 | 6): Cidr[] {
  return texts.map((t) => parseCidr(t)).filter((c): c is Cidr => c !== null && c.version === family);
}
