/**
 * Whose device a port may name. A port's `device_owner` says what kind of device holds it and
 * its `device_id` which one; the L3 and DHCP agents act on every port that names their router
 * or their DHCP service, whoever created it. So a non-admin may not name another project's
 * router or floating IP, nor a DHCP agent, as a port's device: 409 DeviceIDNotOwnedByTenant.
 *
 * Neutron makes this check for the router interface owners only
 * (neutron/db/db_base_plugin_v2.py `_enforce_device_owner_not_router_intf_or_device_id`, lines
 * 1633-1666 in Neutron 21; `ROUTER_INTERFACE_OWNERS` in neutron_lib/constants.py) and leaves
 * the other `network:*` owners to policy (`create_port:device_owner`: admin or the network's
 * owner). Quark checks every owner that names a router, a floating IP or a DHCP agent, because
 * a network's owner is not the owner of the router or agent its port would name.
 */
import { QuarkError } from '../../model/errors.js';
import type { ReadView } from '../../store/view.js';
import type { Caller } from '../caller.js';

/** Device owners whose device_id is a router id (neutron_lib's ROUTER_PORT_OWNERS and the HA interface). */
export const ROUTER_DEVICE_OWNERS: ReadonlySet<string> = new Set([
  'network:router_interface',
  'network:ha_router_replicated_interface',
  'network:router_interface_distributed',
  'network:router_centralized_snat',
  'network:router_gateway',
  'network:router_ha_interface',
]);

export const FLOATING_IP_DEVICE_OWNER = 'network:floatingip';

/**
 * A DHCP agent's device id for a network: `dhcp<uuid of the agent's host>-<network id>`
 * (model/names.ts `dhcpPortDeviceId`). The agent looks its port up by this id and adopts what it
 * finds, so only the agent (an admin) may give a port that id, whatever the port's owner.
 */
const DHCP_AGENT_DEVICE = /^dhcp[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-(.+)$/i;

export interface PortDevice {
  readonly projectId: string;
  readonly networkId: string;
  readonly deviceOwner: string;
  readonly deviceId: string;
}

const notOwned = (deviceId: string) =>
  new QuarkError(
    'DeviceIDNotOwnedByTenant',
    `The following device_id ${deviceId} is not owned by your tenant or matches another tenants router.`,
  );

/** Throws DeviceIDNotOwnedByTenant when a non-admin's port would name a device it does not own. */
export function enforceDeviceOwnership(view: ReadView, caller: Caller, port: PortDevice): void {
  if (caller.isAdmin || port.deviceId === '') return;
  const { deviceOwner, deviceId, projectId } = port;
  if (DHCP_AGENT_DEVICE.exec(deviceId)?.[1] === port.networkId) throw notOwned(deviceId);
  if (ROUTER_DEVICE_OWNERS.has(deviceOwner)) {
    const router = view.get('router', deviceId);
    if (router && router.project_id !== projectId) throw notOwned(deviceId);
  }
  if (deviceOwner === FLOATING_IP_DEVICE_OWNER) {
    const fip = view.get('floatingip', deviceId);
    if (fip && fip.project_id !== projectId) throw notOwned(deviceId);
  }
}
