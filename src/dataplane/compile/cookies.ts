/**
 * Flow cookies say where a flow came from: a fixed Quark signature, the kind of API object and
 * 40 bits of its id. `ovs-ofctl dump-flows` and `ofproto/trace` print cookies, so explain and
 * trace map any flow back to its port, network or router. The signature also marks flows as
 * ours: anything else on our bridges is foreign.
 */
import type { Origin } from './plan.js';

const SIGNATURE = 0x5155n; // "QU"
const KIND_CODES: Readonly<Record<Origin['kind'], bigint>> = {
  host: 0n,
  network: 1n,
  port: 2n,
  router: 3n,
  floatingip: 4n,
  security_group: 5n,
  subnet: 6n,
  address_group: 7n,
  port_forwarding: 8n,
  conntrack_helper: 9n,
  metering_label: 10n,
  local_ip: 11n,
  trunk: 12n,
};
const KIND_BY_CODE = new Map([...Object.entries(KIND_CODES)].map(([k, v]) => [v, k as Origin['kind']]));

/** The first 10 hex digits of an id (dashes removed), or of a hash of a non-hex name. */
function idBits(id: string): bigint {
  const hex = id.replaceAll('-', '').toLowerCase();
  if (/^[0-9a-f]{10}/.test(hex)) return BigInt(`0x${hex.slice(0, 10)}`);
  let h = 0xcbf29ce484222325n;
  for (const ch of id) h = ((h ^ BigInt(ch.charCodeAt(0))) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h & 0xffffffffffn;
}

export function cookieOf(origin: Origin): bigint {
  return (SIGNATURE << 48n) | (KIND_CODES[origin.kind] << 40n) | idBits(origin.id);
}

export interface DecodedCookie {
  readonly kind: Origin['kind'];
  /** The first 10 hex digits of the object's id (without dashes), to match against ids. */
  readonly idPrefix: string;
}

/** The origin a cookie encodes, or null for a cookie that is not Quark's. */
export function decodeCookie(cookie: bigint): DecodedCookie | null {
  if (cookie >> 48n !== SIGNATURE) return null;
  const kind = KIND_BY_CODE.get((cookie >> 40n) & 0xffn);
  if (!kind) return null;
  return { kind, idPrefix: (cookie & 0xffffffffffn).toString(16).padStart(10, '0') };
}

export function formatCookie(cookie: bigint): string {
  return `0x${cookie.toString(16)}`;
}
