/**
 * Ports that Neutron's services create for themselves: a router's gateway and interfaces, a
 * floating IP's address holder. They skip the port API (no policy, no quota, no security
 * groups: `network:*` owners are trusted), but take their MAC and addresses by the same rules.
 */
import type { Network, Port, PortStatus } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { PluginContext } from './context.js';
import { type FixedIpRequest, resolveFixedIps } from './fixed-ips.js';
import { generateMac } from './macs.js';
import { newStandardAttributes } from './standard-attributes.js';

export interface ServicePortRequest {
  readonly network: Network;
  /** '' for ports no project owns (gateway and floating IP ports), as Neutron does. */
  readonly projectId: string;
  readonly owner: string;
  readonly deviceId: string;
  readonly status: PortStatus;
  /** Specific subnets or addresses; undefined takes Neutron's default choice. */
  readonly fixedIps?: readonly FixedIpRequest[];
}

export function createServicePort(tx: WriteTx, ctx: PluginContext, req: ServicePortRequest): Port {
  const mac = generateMac(tx, ctx, req.network.id);
  const fixedIps = resolveFixedIps(tx, ctx, req.network, { owner: req.owner, mac, current: null }, req.fixedIps);
  return tx.put('port', {
    ...newStandardAttributes(ctx.newId(), req.projectId),
    network_id: req.network.id,
    admin_state_up: true,
    mac_address: mac,
    fixed_ips: fixedIps,
    device_id: req.deviceId,
    device_owner: req.owner,
    status: req.status,
    security_groups: [],
    allowed_address_pairs: [],
    port_security_enabled: req.network.port_security_enabled,
    'binding:host_id': '',
    'binding:vif_type': 'unbound',
    'binding:vif_details': {},
    'binding:vnic_type': 'normal',
    'binding:profile': {},
  });
}
