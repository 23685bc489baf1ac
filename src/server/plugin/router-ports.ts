/**
 * The ports a router stands on and the subnets they connect: what the interface and gateway
 * rules check against, and Neutron's rule that a router never connects overlapping subnets
 * (its routing table could not tell them apart).
 */
import { badRequest } from '../../model/errors.js';
import { cidrsOverlap } from '../../model/ip/cidr.js';
import { mustParseCidr } from '../../model/ipam.js';
import { DeviceOwner, type Port, type Router, type Subnet, isRouterInterface } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';

/** The router's interfaces and its gateway port. */
export function routerPorts(view: ReadView, routerId: string): Port[] {
  return view.by('port', 'device', routerId).filter((p) => isRouterInterface(p) || p.device_owner === DeviceOwner.routerGateway);
}

export function interfacePorts(view: ReadView, routerId: string): Port[] {
  return view.by('port', 'device', routerId).filter(isRouterInterface);
}

/** The owner of the router's interfaces: Neutron's replicated interface on an HA router. */
export function interfaceOwner(router: Pick<Router, 'ha'>): string {
  return router.ha === true ? DeviceOwner.haRouterInterface : DeviceOwner.routerInterface;
}

/** The distinct subnets of a port's fixed IPs, in the port's order. */
export function subnetsOfPort(view: ReadView, port: Port): Subnet[] {
  const ids = [...new Set(port.fixed_ips.map((f) => f.subnet_id))];
  return ids.map((id) => view.get('subnet', id)).filter((s): s is Subnet => s !== undefined);
}

/**
 * Refuses to connect `added` to the router when it already has a port on one of them, or when
 * one overlaps a subnet the router reaches (its interfaces' subnets and every subnet of its
 * gateway network), as Neutron's _check_for_dup_router_subnets.
 */
export function checkRouterSubnets(view: ReadView, router: Router, added: readonly Subnet[]): void {
  const addedIds = new Set(added.map((s) => s.id));
  const reached = new Set<string>();
  for (const p of routerPorts(view, router.id)) {
    for (const f of p.fixed_ips) {
      if (addedIds.has(f.subnet_id)) throw badRequest('router', `Router already has a port on subnet ${f.subnet_id}`);
      if (p.device_owner !== DeviceOwner.routerGateway) reached.add(f.subnet_id);
    }
    if (p.device_owner === DeviceOwner.routerGateway) {
      for (const s of view.by('subnet', 'network', p.network_id)) reached.add(s.id);
    }
  }
  for (const id of reached) {
    const existing = view.get('subnet', id);
    if (!existing) continue;
    for (const s of added) {
      if (cidrsOverlap(mustParseCidr(existing.cidr), mustParseCidr(s.cidr))) {
        throw badRequest(
          'router',
          `Cidr ${s.cidr} of subnet ${s.id} overlaps with cidr ${existing.cidr} of subnet ${existing.id}`,
        );
      }
    }
  }
}

/** IPv6 subnets whose hosts take router advertisements from an outside router cannot join a router. */
export function checkAddressMode(subnet: Subnet): void {
  if (subnet.ip_version === 6 && subnet.ipv6_ra_mode === null && subnet.ipv6_address_mode !== null) {
    throw badRequest(
      'router',
      `IPv6 subnet ${subnet.id} configured to receive RAs from an external router cannot be added to Neutron Router.`,
    );
  }
}
