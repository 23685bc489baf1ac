/**
 * Name-based UUIDs (RFC 4122 version 5, SHA-1), as Python's `uuid.uuid5`. Neutron derives a
 * DHCP port's device_id from `uuid5(NAMESPACE_DNS, hostname)`, so Quark must compute the same
 * value for the same host name to find the ports it owns.
 */
import { createHash } from 'node:crypto';

/** RFC 4122 Appendix C: the namespace for fully qualified domain names. */
export const NAMESPACE_DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

export function uuid5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
