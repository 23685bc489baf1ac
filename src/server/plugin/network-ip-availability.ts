/**
 * `network-ip-availability`: per network and subnet, how many addresses the allocation pools
 * hold (total_ips) and how many ports hold (used_ips), as Neutron counts them. IPv6 pools
 * exceed 2^53 addresses, so totals are BigInts, written as exact JSON numbers (exact-json.ts).
 */
import { poolRange } from '../../model/ipam.js';
import type { Network, Subnet } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';

export interface SubnetAvailability {
  readonly subnet_id: string;
  readonly subnet_name: string;
  readonly cidr: string;
  readonly ip_version: 4 | 6;
  readonly total_ips: bigint;
  readonly used_ips: number;
}

export interface NetworkAvailability {
  readonly network_id: string;
  readonly network_name: string;
  readonly tenant_id: string;
  readonly project_id: string;
  readonly total_ips: bigint;
  readonly used_ips: number;
  readonly subnet_ip_availability: SubnetAvailability[];
}

function subnetAvailability(view: ReadView, s: Subnet): SubnetAvailability {
  const total = s.allocation_pools.reduce((n, p) => {
    const r = poolRange(p);
    return n + (r.last - r.first + 1n);
  }, 0n);
  let used = 0;
  for (const port of view.by('port', 'subnet', s.id)) used += port.fixed_ips.filter((f) => f.subnet_id === s.id).length;
  return {
    subnet_id: s.id,
    subnet_name: s.name,
    cidr: s.cidr,
    ip_version: s.ip_version,
    total_ips: total,
    used_ips: used,
  };
}

/** One network's availability; with `ipVersions`, over its subnets of those versions only. */
export function networkAvailability(
  view: ReadView,
  net: Network,
  ipVersions: readonly number[] | null = null,
): NetworkAvailability {
  const subnets = view
    .by('subnet', 'network', net.id)
    .filter((s) => ipVersions === null || ipVersions.includes(s.ip_version))
    .map((s) => subnetAvailability(view, s));
  return {
    network_id: net.id,
    network_name: net.name,
    tenant_id: net.project_id,
    project_id: net.project_id,
    total_ips: subnets.reduce((n, s) => n + s.total_ips, 0n),
    used_ips: subnets.reduce((n, s) => n + s.used_ips, 0),
    subnet_ip_availability: subnets,
  };
}
