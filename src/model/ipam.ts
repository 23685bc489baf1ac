/**
 * Address management rules as pure functions: default gateways and allocation pools, pool
 * validation, which addresses a port may hold, and EUI-64 addresses for SLAAC subnets.
 * These follow Neutron's ipam/utils.py and ipam_backend_mixin.py.
 */
import { QuarkError } from './errors.js';
import { type IpAddress, type IpVersion, compareIp, formatIp, parseIp } from './ip/address.js';
import { type Cidr, type IpRange, cidrContains, cidrRange, parseCidr } from './ip/cidr.js';
import { type AllocationPool, isRouterOwner } from './resources.js';

export function mustParseCidr(text: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new QuarkError('InternalError', `stored cidr ${text} does not parse`);
  return c;
}

export function mustParseIp(text: string): IpAddress {
  const ip = parseIp(text);
  if (!ip) throw new QuarkError('InternalError', `stored address ${text} does not parse`);
  return ip;
}

/**
 * Neutron's default gateway: IPv4, the first address after the network address; IPv6, the
 * subnet-router anycast address (the network address itself, RFC 4291 2.6.1). Measured on
 * Neutron 21: a /64 without gateway_ip gets `2001:db8:77::` and the pool `2001:db8:77::1` to the
 * last address.
 */
export function defaultGateway(cidr: Cidr): string {
  return formatIp({ version: cidr.version, value: cidr.version === 6 ? cidr.network : cidr.network + 1n });
}

/** Ranges an address may come from by default: all host addresses, minus the gateway. */
export function defaultPools(cidr: Cidr, gateway: string | null): AllocationPool[] {
  const { first, last } = cidrRange(cidr);
  let lo = first;
  let hi = last;
  if (first !== last) {
    if (cidr.version === 4 && cidr.prefixLength <= 30) {
      lo = first + 1n;
      hi = last - 1n;
    } else if (cidr.version === 6) {
      lo = first + 1n;
    }
  }
  const ranges: IpRange[] = [{ version: cidr.version, first: lo, last: hi }];
  const gw = gateway ? parseIp(gateway) : null;
  const out = gw ? ranges.flatMap((r) => removeAddress(r, gw.value)) : ranges;
  return out.map((r) => poolOf(r));
}

function removeAddress(r: IpRange, value: bigint): IpRange[] {
  if (value < r.first || value > r.last) return [r];
  const out: IpRange[] = [];
  if (value > r.first) out.push({ ...r, last: value - 1n });
  if (value < r.last) out.push({ ...r, first: value + 1n });
  return out;
}

function poolOf(r: IpRange): AllocationPool {
  return { start: formatIp({ version: r.version, value: r.first }), end: formatIp({ version: r.version, value: r.last }) };
}

export function poolRange(pool: AllocationPool): IpRange {
  const start = mustParseIp(pool.start);
  const end = mustParseIp(pool.end);
  return { version: start.version, first: start.value, last: end.value };
}

const showPool = (p: AllocationPool): string => `${p.start}-${p.end}`;

/**
 * Checks user-given pools: valid ranges of the subnet's family, inside the subnet's host range,
 * not overlapping each other. Returns them sorted.
 */
export function validatePools(cidrText: string, pools: readonly AllocationPool[]): AllocationPool[] {
  const cidr = mustParseCidr(cidrText);
  const { first, last } = cidrRange(cidr);
  const lowest = first + 1n;
  const highest = cidr.version === 4 ? last - 1n : last;
  const ranges = pools.map((pool) => {
    const start = parseIp(pool.start);
    const end = parseIp(pool.end);
    if (!start || !end || start.version !== cidr.version || end.version !== cidr.version || end.value < start.value) {
      throw new QuarkError('InvalidAllocationPool', `The allocation pool ${showPool(pool)} is not valid.`);
    }
    if (start.value < lowest || end.value > highest) {
      throw new QuarkError(
        'OutOfBoundsAllocationPool',
        `The allocation pool ${showPool(pool)} spans beyond the subnet cidr ${cidrText}.`,
      );
    }
    return { pool, first: start.value, last: end.value };
  });
  ranges.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!;
    const cur = ranges[i]!;
    if (cur.first <= prev.last) {
      throw new QuarkError(
        'OverlappingAllocationPools',
        `Found overlapping allocation pools: ${showPool(prev.pool)} and ${showPool(cur.pool)} for subnet ${cidrText}.`,
      );
    }
  }
  return ranges.map((r) => poolOf({ version: cidr.version, first: r.first, last: r.last }));
}

export function poolsContain(pools: readonly AllocationPool[], ip: IpAddress): AllocationPool | null {
  for (const p of pools) {
    const r = poolRange(p);
    if (r.version === ip.version && ip.value >= r.first && ip.value <= r.last) return p;
  }
  return null;
}

export function ensureGatewayOutsidePools(gateway: string, pools: readonly AllocationPool[]): void {
  const pool = poolsContain(pools, mustParseIp(gateway));
  if (pool) {
    throw new QuarkError(
      'GatewayConflictWithAllocationPools',
      `Gateway ip ${gateway} conflicts with allocation pool ${showPool(pool)}`,
    );
  }
}

/** Neutron refuses a gateway equal to the network address or, for IPv4, the broadcast address. */
export function gatewayInvalidInCidr(cidr: Cidr, gateway: IpAddress): boolean {
  if (!cidrContains(cidr, gateway)) return false;
  const { first, last } = cidrRange(cidr);
  return cidr.version === 4 && (gateway.value === first || gateway.value === last);
}

/**
 * May a port hold this address on this subnet? IPv4: inside, not the network nor broadcast
 * address. IPv6: inside, and not the subnet-router anycast address unless a router owns it.
 */
export function validForSubnet(cidr: Cidr, ip: IpAddress, deviceOwner: string): boolean {
  if (!cidrContains(cidr, ip)) return false;
  const { first, last } = cidrRange(cidr);
  if (cidr.version === 4) {
    if (cidr.prefixLength >= 31) return true;
    return ip.value !== first && ip.value !== last;
  }
  const routerOwned = deviceOwner === '' || isRouterOwner(deviceOwner);
  return routerOwned || ip.value !== first;
}

/** The modified EUI-64 address a SLAAC client derives from its MAC (RFC 4291 appendix A). */
export function eui64Address(cidr: Cidr, mac: string): string {
  const bytes = mac.split(':').map((h) => Number.parseInt(h, 16));
  const iid = [bytes[0]! ^ 2, bytes[1]!, bytes[2]!, 0xff, 0xfe, bytes[3]!, bytes[4]!, bytes[5]!];
  let value = 0n;
  for (const b of iid) value = (value << 8n) | BigInt(b);
  return formatIp({ version: 6, value: cidr.network | value });
}

/** True for IPv6 subnets whose addresses the hosts derive themselves (no IPAM choice). */
export function isAutoAddressSubnet(subnet: { ip_version: IpVersion; ipv6_address_mode: string | null }): boolean {
  return subnet.ip_version === 6 && (subnet.ipv6_address_mode === 'slaac' || subnet.ipv6_address_mode === 'dhcpv6-stateless');
}

/**
 * Finds a free address in `pools`, starting at `hint` (the address after the last one handed
 * out) and wrapping around once. `taken` answers whether an address value is in use.
 */
export function nextFreeAddress(
  pools: readonly AllocationPool[],
  taken: (ip: IpAddress) => boolean,
  hint: bigint | null,
): IpAddress | null {
  const ranges = pools.map(poolRange).sort((a, b) => (a.first < b.first ? -1 : 1));
  const search = (from: bigint | null, to: bigint | null): IpAddress | null => {
    for (const r of ranges) {
      const lo = from !== null && from > r.first ? from : r.first;
      const hi = to !== null && to < r.last ? to : r.last;
      for (let v = lo; v <= hi; v++) {
        const ip = { version: r.version, value: v };
        if (!taken(ip)) return ip;
      }
    }
    return null;
  };
  if (hint === null) return search(null, null);
  return search(hint, null) ?? search(null, hint - 1n);
}

export function sortIps(ips: string[]): string[] {
  return ips.sort((a, b) => compareIp(mustParseIp(a), mustParseIp(b)));
}
