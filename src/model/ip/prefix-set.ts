/**
 * Sets of addresses of one family, as netaddr's IPSet does for Neutron's subnet pools: made
 * from prefixes, combined (union, difference, overlap, subset) and written back as the fewest
 * prefixes in address order ("compacted", so 10.0.0.0/25 and 10.0.0.128/25 become 10.0.0.0/24).
 */
import { ADDRESS_BITS, type IpVersion } from './address.js';
import { type Cidr, type IpRange, cidrRange } from './cidr.js';

/** Disjoint, non-adjacent ranges in address order. */
export interface PrefixSet {
  readonly version: IpVersion;
  readonly ranges: readonly IpRange[];
}

function normalise(version: IpVersion, ranges: readonly IpRange[]): PrefixSet {
  const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: IpRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.first <= last.last + 1n) {
      if (r.last > last.last) out[out.length - 1] = { ...last, last: r.last };
    } else {
      out.push({ version, first: r.first, last: r.last });
    }
  }
  return { version, ranges: out };
}

export function prefixSet(version: IpVersion, cidrs: readonly Cidr[]): PrefixSet {
  return normalise(
    version,
    cidrs.filter((c) => c.version === version).map((c) => cidrRange(c)),
  );
}

export function union(a: PrefixSet, b: PrefixSet): PrefixSet {
  return normalise(a.version, [...a.ranges, ...b.ranges]);
}

/** The addresses of `a` that are not in `b`. */
export function difference(a: PrefixSet, b: PrefixSet): PrefixSet {
  let rest: IpRange[] = [...a.ranges];
  for (const cut of b.ranges) {
    const next: IpRange[] = [];
    for (const r of rest) {
      if (cut.last < r.first || cut.first > r.last) {
        next.push(r);
        continue;
      }
      if (cut.first > r.first) next.push({ ...r, last: cut.first - 1n });
      if (cut.last < r.last) next.push({ ...r, first: cut.last + 1n });
    }
    rest = next;
  }
  return { version: a.version, ranges: rest };
}

export function overlaps(a: PrefixSet, b: PrefixSet): boolean {
  return a.ranges.some((r) => b.ranges.some((s) => r.first <= s.last && s.first <= r.last));
}

export function isSubset(a: PrefixSet, b: PrefixSet): boolean {
  return difference(a, b).ranges.length === 0;
}

export function isEmpty(s: PrefixSet): boolean {
  return s.ranges.length === 0;
}

/** The fewest prefixes that cover exactly the set, in address order (netaddr's iter_cidrs). */
export function toCidrs(s: PrefixSet): Cidr[] {
  const bits = ADDRESS_BITS[s.version];
  const out: Cidr[] = [];
  for (const r of s.ranges) {
    let first = r.first;
    while (first <= r.last) {
      // The largest block that starts at `first` (aligned) and ends inside the range.
      let size = 0;
      while (size < bits && first % (1n << BigInt(size + 1)) === 0n && first + (1n << BigInt(size + 1)) - 1n <= r.last) {
        size++;
      }
      out.push({ version: s.version, network: first, prefixLength: bits - size });
      first += 1n << BigInt(size);
    }
  }
  return out;
}
