/**
 * IP addresses as (version, bigint) pairs, so that subnet math is plain integer math for both
 * families. Parsing is strict in the way Neutron's validators are: IPv4 only in canonical dotted
 * quad form (no "10.1", no leading zeros), IPv6 in any RFC 4291 form without a zone.
 */
import ipaddr from 'ipaddr.js';

export type IpVersion = 4 | 6;

export interface IpAddress {
  readonly version: IpVersion;
  readonly value: bigint;
}

export const ADDRESS_BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Returns the address, or null when `text` is not an address Neutron would accept. */
export function parseIp(text: string): IpAddress | null {
  const v4 = IPV4.exec(text);
  if (v4) {
    let value = 0n;
    for (const part of v4.slice(1)) {
      if (part.length > 1 && part.startsWith('0')) return null;
      const n = Number(part);
      if (n > 255) return null;
      value = (value << 8n) | BigInt(n);
    }
    return { version: 4, value };
  }
  if (!text.includes(':') || text.includes('%')) return null;
  if (!ipaddr.IPv6.isValid(text)) return null;
  const bytes = ipaddr.IPv6.parse(text).toByteArray();
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return { version: 6, value };
}

export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((s) => ((v >> s) & 255n).toString()).join('.');
  }
  const bytes: number[] = [];
  for (let s = 120n; s >= 0n; s -= 8n) bytes.push(Number((ip.value >> s) & 255n));
  return ipaddr.fromByteArray(bytes).toString();
}

/** The canonical text of an address (IPv6 compressed, lower case), or null if invalid. */
export function normalizeIp(text: string): string | null {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : null;
}

export function ipVersionOf(text: string): IpVersion | null {
  return parseIp(text)?.version ?? null;
}

export function compareIp(a: IpAddress, b: IpAddress): number {
  if (a.version !== b.version) return a.version - b.version;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

export function addressAt(version: IpVersion, value: bigint): IpAddress {
  return { version, value };
}
