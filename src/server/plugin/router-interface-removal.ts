/**
 * `PUT /v2.0/routers/{id}/remove_router_interface`, as Neutron's l3_db: by port (the port is
 * deleted) or by subnet (the subnet's address leaves the router port, and the port goes with its
 * last subnet), refused while a floating IP behind the router or an extra route still needs it.
 */
import { QuarkError } from '../../model/errors.js';
import { parseIp } from '../../model/ip/address.js';
import { cidrContains } from '../../model/ip/cidr.js';
import { mustParseCidr } from '../../model/ipam.js';
import type { Router, Subnet } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { PluginContext } from './context.js';
import { type InterfaceInfo, type InterfaceRequest, info, visibleSubnet } from './router-interfaces.js';
import { interfacePorts, subnetsOfPort } from './router-ports.js';
import { revise } from './revisions.js';

/** An interface stays while a floating IP behind the router or an extra route needs it. */
function confirmNotInUse(tx: WriteTx, router: Router, subnet: Subnet): void {
  const cidr = mustParseCidr(subnet.cidr);
  const onSubnet = new Set(tx.by('port', 'subnet', subnet.id).map((p) => p.id));
  for (const fip of tx.by('floatingip', 'router', router.id)) {
    const fixed = fip.fixed_ip_address === null ? null : parseIp(fip.fixed_ip_address);
    if (fixed && cidrContains(cidr, fixed) && fip.port_id !== null && onSubnet.has(fip.port_id)) {
      throw new QuarkError(
        'RouterInterfaceInUseByFloatingIP',
        `Router interface for subnet ${subnet.id} on router ${router.id} cannot be deleted, as it is required by one or more floating IPs.`,
      );
    }
  }
  // Port forwardings to addresses of the subnet need it too (Neutron's _check_router_interface_not_in_use).
  for (const fip of tx.by('floatingip', 'router', router.id)) {
    for (const pf of tx.by('port_forwarding', 'floatingip', fip.id)) {
      const internal = parseIp(pf.internal_ip_address);
      if (internal && cidrContains(cidr, internal) && onSubnet.has(pf.internal_port_id)) {
        throw new QuarkError(
          'RouterInterfaceInUseByFloatingIP',
          `Router interface for subnet ${subnet.id} on router ${router.id} cannot be deleted, as it is required by one or more floating IPs.`,
        );
      }
    }
  }
  for (const route of router.routes) {
    const hop = parseIp(route.nexthop);
    if (hop && cidrContains(cidr, hop)) {
      throw new QuarkError(
        'RouterInterfaceInUseByRoute',
        `Router interface for subnet ${subnet.id} on router ${router.id} cannot be deleted, as it is required by one or more routes.`,
      );
    }
  }
}

function removeByPort(tx: WriteTx, router: Router, portId: string, subnetId: string | undefined): InterfaceInfo {
  const port = interfacePorts(tx, router.id).find((p) => p.id === portId);
  if (!port) {
    throw new QuarkError('RouterInterfaceNotFound', `Router ${router.id} does not have an interface with id ${portId}`);
  }
  const subnets = subnetsOfPort(tx, port);
  if (subnetId !== undefined && !subnets.some((s) => s.id === subnetId)) {
    throw new QuarkError('SubnetMismatchForPort', `Subnet on port ${portId} does not match the requested subnet ${subnetId}`);
  }
  for (const s of subnets) confirmNotInUse(tx, router, s);
  tx.delete('port', port.id);
  return info(router, port, subnets, subnets[0]?.id ?? '');
}

function removeBySubnet(tx: WriteTx, ctx: PluginContext, router: Router, subnetId: string): InterfaceInfo {
  const subnet = visibleSubnet(tx, ctx.caller, subnetId);
  const ports = interfacePorts(tx, router.id).filter((p) => p.network_id === subnet.network_id);
  if (ports.length > 0) confirmNotInUse(tx, router, subnet);
  for (const p of ports) {
    if (!p.fixed_ips.some((f) => f.subnet_id === subnet.id)) continue;
    if (subnetsOfPort(tx, p).length > 1) {
      tx.put('port', { ...p, fixed_ips: p.fixed_ips.filter((f) => f.subnet_id !== subnet.id) });
    } else {
      tx.delete('port', p.id);
    }
    return info(router, p, [subnet], subnet.id);
  }
  throw new QuarkError('RouterInterfaceNotFoundForSubnet', `Router ${router.id} has no interface on subnet ${subnet.id}`);
}

export function removeRouterInterface(tx: WriteTx, ctx: PluginContext, router: Router, req: InterfaceRequest): InterfaceInfo {
  const removed =
    req.port_id !== undefined
      ? removeByPort(tx, router, req.port_id, req.subnet_id)
      : removeBySubnet(tx, ctx, router, req.subnet_id!);
  revise(tx, 'router', router.id);
  return removed;
}
