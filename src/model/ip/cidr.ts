/**
 * Subnets (CIDRs) and address ranges. A Cidr is always normalised: host bits are zero, so
 * "10.0.0.7/24" and "10.0.0.0/24" are the same value once parsed.
 */
import { ADDRESS_BITS, type IpAddress, type IpVersion, formatIp, parseIp } from './address.js';

export interface Cidr {
  readonly version: IpVersion;
  /** Network address (host bits zero). */
  readonly network: bigint;
  readonly prefixLength: number;
}

export interface IpRange {
  readonly version: IpVersion;
  readonly first: bigint;
  readonly last: bigint;
}

function hostMask(version: IpVersion, prefixLength: number): bigint {
  return (1n << BigInt(ADDRESS_BITS[version] - prefixLength)) - 1n;
}

/**
 * Parses "a.b.c.d/n" or "x::/n". A plain address is taken as a host route (/32, /128).
 * `strict` refuses host bits, as Neutron does for subnet cidrs ("10.0.0.1/24" is not a subnet).
 */
export function parseCidr(text: string, options: { strict?: boolean } = {}): Cidr | null {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addressText);
  if (!ip) return null;
  const bits = ADDRESS_BITS[ip.version];
  let prefixLength = bits;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefixLength = Number(p);
    if (prefixLength > bits) return null;
  }
  const mask = hostMask(ip.version, prefixLength);
  if (options.strict && (ip.value & mask) !== 0n) return null;
  return { version: ip.version, network: ip.value & ~mask, prefixLength };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp({ version: c.version, value: c.network })}/${c.prefixLength}`;
}

export function cidrRange(c: Cidr): IpRange {
  return { version: c.version, first: c.network, last: c.network | hostMask(c.version, c.prefixLength) };
}

export function cidrSize(c: Cidr): bigint {
  return hostMask(c.version, c.prefixLength) + 1n;
}

export function cidrContains(c: Cidr, ip: IpAddress): boolean {
  if (ip.version !== c.version) return false;
  const r = cidrRange(c);
  return ip.value >= r.first && ip.value <= r.last;
}

export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.version === b.version && a.first <= b.last && b.first <= a.last;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return rangesOverlap(cidrRange(a), cidrRange(b));
}

/** The subnet's broadcast address (IPv4 only; IPv6 has none). */
export function broadcastOf(c: Cidr): bigint | null {
  if (c.version !== 4 || c.prefixLength >= 31) return null;
  return cidrRange(c).last;
}

export function netmaskOf(c: Cidr): string {
  const bits = ADDRESS_BITS[c.version];
  const mask = ((1n << BigInt(bits)) - 1n) ^ hostMask(c.version, c.prefixLength);
  return formatIp({ version: c.version, value: mask });
}
