/**
 * Isolated metadata, as Neutron's DHCP agent decides it (neutron/agent/linux/dhcp.py,
 * get_isolated_subnets and _generate_opts_per_subnet): a subnet is isolated when no router
 * interface holds its gateway address, so its instances have nobody to send 169.254.169.254
 * to. With `enable_isolated_metadata`, a network with such an IPv4 subnet gets a metadata proxy
 * in its qdhcp namespace, the DHCP port holds 169.254.169.254/32, and each isolated subnet's
 * instances get the host route `169.254.169.254/32 via <the DHCP port's address>`; with
 * `force_metadata`, every network and every IPv4 subnet does. (Neutron also sends the route via
 * the gateway for subnets behind a router; Quark leaves that to the default route.)
 */
import { DeviceOwner, type Port, type Subnet } from '../../../model/resources.js';
import type { MetadataSettings } from '../inputs.js';
import type { ServedNetwork } from './served.js';

const ROUTER_INTERFACE_OWNERS = new Set([
  DeviceOwner.routerInterface,
  'network:router_interface_distributed',
  'network:ha_router_replicated_interface',
]);

/** Subnets of the network whose gateway no router interface holds. */
export function isolatedSubnets(subnets: readonly Subnet[], ports: readonly Port[]): Set<string> {
  const served = new Set<string>();
  const byId = new Map(subnets.map((s) => [s.id, s]));
  for (const p of ports) {
    if (!ROUTER_INTERFACE_OWNERS.has(p.device_owner)) continue;
    for (const f of p.fixed_ips) if (byId.get(f.subnet_id)?.gateway_ip === f.ip_address) served.add(f.subnet_id);
  }
  return new Set(subnets.filter((s) => !served.has(s.id)).map((s) => s.id));
}

export interface IsolatedMetadata {
  readonly settings: MetadataSettings;
  /** The next hop of the metadata route, by subnet id: the DHCP port's address on that subnet. */
  readonly routes: ReadonlyMap<string, string>;
}

/** Whether this network's qdhcp namespace serves metadata, and to which subnets; null: it does not. */
export function isolatedMetadataSubnets(
  net: ServedNetwork,
  ports: readonly Port[],
  dhcpAddresses: ReadonlyMap<string, string>,
  settings: MetadataSettings | undefined,
): IsolatedMetadata | null {
  if (!settings || !(settings.forceMetadata || settings.enableIsolatedMetadata)) return null;
  const isolated = isolatedSubnets(net.subnets, ports);
  const routed = net.dhcpSubnets.filter(
    (s) => s.ip_version === 4 && dhcpAddresses.has(s.id) && (settings.forceMetadata || isolated.has(s.id)),
  );
  if (routed.length === 0) return null;
  return { settings, routes: new Map(routed.map((s) => [s.id, dhcpAddresses.get(s.id)!])) };
}
