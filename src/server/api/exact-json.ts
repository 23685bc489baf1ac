/**
 * JSON with exact big integers. Neutron's Python integers have no size limit, so an IPv6 pool's
 * total_ips (2^64 - 1 for a /64) reaches clients digit for digit; a JavaScript number would round
 * it to 18446744073709552000. BigInt values are written as plain JSON numbers.
 */

// Node 21+ has JSON.rawJSON (ES2025); TypeScript's lib does not declare it yet.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

export function exactJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? rawJSON(v.toString()) : v));
}
