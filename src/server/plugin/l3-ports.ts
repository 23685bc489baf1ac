/**
 * How the port API treats the ports that routers and floating IPs stand on (Neutron's l3_db
 * callbacks on port delete and update): such ports are deleted only through their router or
 * floating IP, a port's addresses behind a floating IP stay put, and a deleted port takes its
 * floating IP associations with it.
 */
import { QuarkError, badRequest } from '../../model/errors.js';
import { DeviceOwner, type FixedIp, type Port } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';

/** Neutron's router_device_owners (neutron/db/l3_db.py): an HA port may be deleted directly. */
const ROUTER_OWNERS: readonly string[] = [DeviceOwner.routerInterface, DeviceOwner.haRouterInterface, DeviceOwner.routerGateway];

/** Refuses to delete a router or floating IP port through the port API while its owner exists. */
export function preventL3PortDeletion(tx: WriteTx, port: Port): void {
  const owned =
    (port.device_owner === DeviceOwner.floatingIp && tx.get('floatingip', port.device_id) !== undefined) ||
    (ROUTER_OWNERS.includes(port.device_owner) && tx.get('router', port.device_id) !== undefined);
  if (owned) {
    throw new QuarkError(
      'L3PortInUse',
      `Port ${port.id} has owner ${port.device_owner} and therefore cannot be deleted directly via the port API.`,
    );
  }
}

/** A port's fixed IPs may change only if the address a floating IP points at stays. */
export function preventInternalIpChangeForFip(tx: WriteTx, port: Port, next: readonly FixedIp[]): void {
  for (const fip of tx.by('floatingip', 'port', port.id)) {
    if (fip.fixed_ip_address !== null && !next.some((f) => f.ip_address === fip.fixed_ip_address)) {
      throw badRequest(
        'port',
        `Cannot update the fixed_ips of the port ${port.id}, because its original fixed_ip has been associated to a floating ip`,
      );
    }
  }
}

/** Unhooks every floating IP from a port that goes away; they stay allocated to their project. */
export function disassociateFloatingIps(tx: WriteTx, portId: string): void {
  for (const fip of tx.by('floatingip', 'port', portId)) {
    tx.put('floatingip', { ...fip, port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN' });
  }
}

/** Keeps a router's external_gateway_info in step when its gateway port's addresses change. */
export function syncGatewayAddresses(tx: WriteTx, port: Port): void {
  if (port.device_owner !== DeviceOwner.routerGateway) return;
  const router = tx.get('router', port.device_id);
  if (!router?.external_gateway_info || router.gw_port_id !== port.id) return;
  const external_fixed_ips = port.fixed_ips.map((f) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address }));
  tx.put('router', { ...router, external_gateway_info: { ...router.external_gateway_info, external_fixed_ips } });
}
