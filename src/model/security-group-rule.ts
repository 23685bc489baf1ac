/**
 * Security group rules as Neutron normalises and checks them (neutron/db/securitygroups_db.py):
 * protocol names and numbers, port ranges (ICMP type and code for ICMP), the prefix's family
 * against the ethertype, and the key under which two rules count as the same rule.
 */
import { QuarkError } from './errors.js';
import { ADDRESS_BITS, normalizeIp } from './ip/address.js';
import type { Direction, Ethertype, SecurityGroupRule } from './resources.js';

/** IANA protocol numbers of the names Neutron accepts (neutron_lib.constants.IP_PROTOCOL_MAP). */
export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ipip: 4,
  'ipv6-encap': 41,
  'ipv6-frag': 44,
  'ipv6-icmp': 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  'ipv6-route': 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};

/** The legacy name Neutron still accepts for ipv6-icmp. */
const ALIASES: Readonly<Record<string, string>> = { icmpv6: 'ipv6-icmp' };

/** Protocols whose rules take a port range (the others take none, ICMP takes type and code). */
const PORT_PROTOCOLS = [6, 17, 33, 132, 136];
const PORT_PROTOCOL_NAMES = 'TCP, UDP, DCCP, SCTP, UDPLITE';
const ICMP_PROTOCOLS = [1, 58];
/** Protocols that only exist over IPv6: an IPv4 rule may not name them. */
const IPV6_ONLY = ['ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', 'ipv6-nonxt', 'ipv6-opts', 'ipv6-route'];
const IPV6_ONLY_NUMBERS = ['41', '43', '44', '58', '59', '60'];

const supported = () => `[None, ${Object.keys(PROTOCOL_NUMBERS).join(', ')}, icmpv6]`;

/**
 * A rule's protocol: a name in lower case, a number 1–255 as text, or null for any (also
 * spelled 'any' or 0), as Neutron's convert_protocol.
 */
export function normalizeProtocol(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const invalid = () =>
    new QuarkError(
      'SecurityGroupRuleInvalidProtocol',
      `Security group rule protocol ${String(value)} not supported. Only protocol values ${supported()} and integer representations [0 to 255] are supported.`,
    );
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 255) throw invalid();
    // 0 is Neutron's number for "any protocol" (PROTO_NUM_ANY).
    return n === 0 ? null : String(n);
  }
  if (typeof value !== 'string') throw invalid();
  const name = value.toLowerCase();
  if (name === 'any') return null;
  if (name in PROTOCOL_NUMBERS || name in ALIASES) return name;
  throw invalid();
}

/** The protocol's number, or null for any. */
export function protocolNumber(protocol: string | null): number | null {
  if (protocol === null) return null;
  if (/^\d+$/.test(protocol)) return Number(protocol);
  return PROTOCOL_NUMBERS[ALIASES[protocol] ?? protocol] ?? null;
}

/** IPv6 rules spell ICMP as ipv6-icmp (58); Neutron rewrites the legacy spellings. */
export function canonicalProtocol(ethertype: Ethertype, protocol: string | null): string | null {
  if (ethertype !== 'IPv6') return protocol;
  if (protocol === 'icmp' || protocol === 'icmpv6') return 'ipv6-icmp';
  if (protocol === '1') return '58';
  return protocol;
}

/**
 * A remote prefix as Neutron keeps it: the address as given (host bits kept) with its prefix
 * length, which a bare address gets as /32 or /128.
 */
export function normalizeIpPrefix(value: string): string | null {
  const slash = value.indexOf('/');
  const ip = normalizeIp(slash < 0 ? value : value.slice(0, slash));
  if (!ip) return null;
  const bits = ADDRESS_BITS[ip.includes(':') ? 6 : 4];
  const lengthText = slash < 0 ? String(bits) : value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > bits) return null;
  return `${ip}/${Number(lengthText)}`;
}

export interface RuleRequest {
  readonly direction: Direction;
  readonly ethertype: Ethertype;
  readonly protocol: string | null;
  readonly port_range_min: number | null;
  readonly port_range_max: number | null;
  readonly remote_ip_prefix: string | null;
  readonly remote_group_id: string | null;
  readonly remote_address_group_id?: string | null;
}

function checkPortRange(rule: RuleRequest): void {
  const { port_range_min: min, port_range_max: max } = rule;
  if (min === null && max === null) return;
  if (rule.protocol === null) {
    throw new QuarkError('SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
  }
  const number = protocolNumber(rule.protocol);
  if (number !== null && PORT_PROTOCOLS.includes(number)) {
    if (min === 0 || max === 0) throw new QuarkError('SecurityGroupInvalidPortValue', 'Invalid value for port 0.');
    if (min !== null && max !== null && min <= max) return;
    throw new QuarkError('SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
  }
  if (number !== null && ICMP_PROTOCOLS.includes(number)) {
    for (const [value, field, attr] of [
      [min, 'type', 'port_range_min'],
      [max, 'code', 'port_range_max'],
    ] as const) {
      if (value !== null && (value < 0 || value > 255)) {
        throw new QuarkError(
          'SecurityGroupInvalidIcmpValue',
          `Invalid value for ICMP ${field} (${attr}) ${value}. It must be 0 to 255.`,
        );
      }
    }
    if (min === null && max !== null) {
      throw new QuarkError(
        'SecurityGroupMissingIcmpType',
        `ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`,
      );
    }
    return;
  }
  throw new QuarkError(
    'SecurityGroupInvalidProtocolForPort',
    `Invalid protocol ${number ?? rule.protocol} for port range, only supported for ${PORT_PROTOCOL_NAMES} protocols.`,
  );
}

/** Every check Neutron makes on a rule that does not need the store. */
export function checkRule(rule: RuleRequest): void {
  checkPortRange(rule);
  if (rule.remote_ip_prefix !== null) {
    const family = rule.remote_ip_prefix.includes(':') ? 'IPv6' : 'IPv4';
    if (family !== rule.ethertype) {
      throw new QuarkError(
        'SecurityGroupRuleParameterConflict',
        `Conflicting value ethertype ${rule.ethertype} for CIDR ${rule.remote_ip_prefix}`,
      );
    }
  }
  const ipv6Only = rule.protocol !== null && (IPV6_ONLY.includes(rule.protocol) || IPV6_ONLY_NUMBERS.includes(rule.protocol));
  if (ipv6Only && rule.ethertype === 'IPv4') {
    throw new QuarkError(
      'SecurityGroupEthertypeConflictWithProtocol',
      `Invalid ethertype ${rule.ethertype} for protocol ${rule.protocol}.`,
    );
  }
  // Neutron 21 (securitygroups_db.py _validate_security_group_rule) names all three remotes.
  const remotes = [rule.remote_ip_prefix, rule.remote_group_id, rule.remote_address_group_id ?? null];
  if (remotes.filter((r) => r !== null).length > 1) {
    throw new QuarkError(
      'SecurityGroupMultipleRemoteEntites',
      'Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.',
    );
  }
}

/**
 * Two rules with the same key are the same rule (Neutron's _rule_to_key): protocol names and
 * numbers compare equal, and a prefix covering everything equals no prefix.
 */
export function ruleKey(rule: RuleRequest & Pick<SecurityGroupRule, 'security_group_id'>): string {
  const everything = ['0.0.0.0/0', '::/0'];
  const prefix = rule.remote_ip_prefix === null || everything.includes(rule.remote_ip_prefix) ? '+' : rule.remote_ip_prefix;
  const protocol = canonicalProtocol(rule.ethertype, rule.protocol);
  return [
    rule.direction,
    rule.ethertype,
    rule.port_range_max ?? '+',
    rule.port_range_min ?? '+',
    protocol === null ? '+' : String(protocolNumber(protocol)),
    rule.remote_group_id ?? '+',
    rule.remote_address_group_id ?? '+',
    prefix,
    rule.security_group_id,
  ].join('_');
}

/**
 * The rules a new group starts with: egress to anywhere for both families and, for the
 * project's default group, ingress from members of the same group (Neutron's defaults).
 */
export function initialRules(groupId: string, isDefault: boolean): RuleRequest[] {
  const out: RuleRequest[] = [];
  for (const ethertype of ['IPv4', 'IPv6'] as const) {
    const any = { ethertype, protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null };
    if (isDefault) out.push({ ...any, direction: 'ingress', remote_group_id: groupId });
    out.push({ ...any, direction: 'egress', remote_group_id: null });
  }
  return out;
}
