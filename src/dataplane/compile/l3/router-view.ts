/**
 * One router as its L3 agent sees it, gathered from the replica: the interface ports with
 * their subnets, the gateway port on the external network, and the floating IPs associated
 * through the router. This is what Neutron's `sync_routers` hands its agent (`_interfaces`,
 * `gw_port`, `_floatingips`). Records the replica lacks (a port not yet arrived) are left out;
 * the next pass after they arrive picks them up.
 */
import { parseIp } from '../../../model/ip/address.js';
import { DeviceOwner, type FloatingIp, type Network, type Port, type Router, type Subnet } from '../../../model/resources.js';
import type { ReplicaView } from '../inputs.js';

/** A port of the router with the subnets of its fixed IPs, in the port's order. */
export interface RouterPort {
  readonly port: Port;
  readonly network: Network;
  /** Each fixed IP with its subnet (fixed IPs on subnets the replica lacks are left out). */
  readonly addresses: readonly { readonly ip: string; readonly subnet: Subnet }[];
}

export interface RouterView {
  readonly router: Router;
  readonly interfaces: readonly RouterPort[];
  readonly gateway: RouterPort | null;
  /** Associated floating IPs on the gateway's network, by floating address. */
  readonly floatingIps: readonly FloatingIp[];
}

/** The replica's router ports and floating IPs grouped by router, built once per compile. */
export interface RouterIndex {
  readonly interfaces: ReadonlyMap<string, readonly Port[]>;
  readonly floatingIps: ReadonlyMap<string, readonly FloatingIp[]>;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function indexRouters(replica: ReplicaView): RouterIndex {
  const interfaces = new Map<string, Port[]>();
  const floatingIps = new Map<string, FloatingIp[]>();
  for (const p of replica.ports.values()) {
    if (p.device_owner === DeviceOwner.routerInterface) push(interfaces, p.device_id, p);
  }
  for (const f of replica.floatingips.values()) {
    if (f.router_id && f.port_id && f.fixed_ip_address) push(floatingIps, f.router_id, f);
  }
  return { interfaces, floatingIps };
}

function routerPort(replica: ReplicaView, port: Port): RouterPort | null {
  const network = replica.networks.get(port.network_id);
  if (!network) return null;
  const addresses = port.fixed_ips.flatMap((f) => {
    const subnet = replica.subnets.get(f.subnet_id);
    return subnet ? [{ ip: f.ip_address, subnet }] : [];
  });
  return { port, network, addresses };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function byAddress(a: FloatingIp, b: FloatingIp): number {
  const x = parseIp(a.floating_ip_address)?.value ?? 0n;
  const y = parseIp(b.floating_ip_address)?.value ?? 0n;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function routerView(replica: ReplicaView, index: RouterIndex, router: Router): RouterView {
  const interfaces = [...(index.interfaces.get(router.id) ?? [])]
    .sort(byId)
    .map((p) => routerPort(replica, p))
    .filter((p): p is RouterPort => p !== null);
  const gwPort = router.gw_port_id ? replica.ports.get(router.gw_port_id) : undefined;
  const gateway = gwPort ? routerPort(replica, gwPort) : null;
  const floatingIps = gateway
    ? (index.floatingIps.get(router.id) ?? []).filter((f) => f.floating_network_id === gateway.network.id).sort(byAddress)
    : [];
  return { router, interfaces, gateway, floatingIps };
}

/** The gateway's first IPv4 address: the router's source address for SNAT (as Neutron picks it). */
export function gatewayIpv4(view: RouterView): { ip: string; subnet: Subnet } | null {
  return view.gateway?.addresses.find((a) => a.subnet.ip_version === 4) ?? null;
}
