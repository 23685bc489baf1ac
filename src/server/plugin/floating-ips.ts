/**
 * Rules of the `floatingip` resource, as Neutron's l3_db: an address on a `router:external`
 * network held by a port (device_owner network:floatingip) that no project owns; associated
 * with one fixed IPv4 address of a port behind a router that has its gateway on that external
 * network. The router is derived, never given. Status stays DOWN until the L3 agent reports.
 */
import type { FloatingIpCreate, FloatingIpUpdate } from '../../model/api/values.js';
import { QuarkError, badRequest } from '../../model/errors.js';
import {
  DeviceOwner,
  type FixedIp,
  type FloatingIp,
  type Port,
  type Subnet,
  isNetworkOwned,
  isRouterInterface,
} from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import { allowed } from '../policy.js';
import type { PluginContext } from './context.js';
import type { FixedIpRequest } from './fixed-ips.js';
import { floatingIpNotFound, networkNotFound, portNotFound } from './not-found.js';
import { checkFloatingIpFree } from './port-forwardings.js';
import { createServicePort } from './service-ports.js';
import { canSeeNetwork } from './rbac-access.js';

type Association = Pick<FloatingIp, 'port_id' | 'fixed_ip_address' | 'router_id'>;

interface AssociationRequest {
  /** undefined: not in the request (keep); null: disassociate. */
  readonly port_id?: string | null;
  readonly fixed_ip_address?: string | null;
}

const NONE: Association = { port_id: null, fixed_ip_address: null, router_id: null };
const isV4 = (f: FixedIp) => !f.ip_address.includes(':');

/**
 * The router that connects the port's subnet to the external network: one with an interface on
 * the subnet and its gateway on the network, preferring the one holding the subnet's gateway
 * address (Neutron's get_router_for_floatingip).
 */
export function routerFor(view: ReadView, port: Port, subnet: Subnet, externalNetworkId: string): string {
  let first: string | null = null;
  for (const p of view.by('port', 'subnet', subnet.id)) {
    if (!isRouterInterface(p) || p.network_id !== port.network_id) continue;
    const router = view.get('router', p.device_id);
    if (router?.external_gateway_info?.network_id !== externalNetworkId) continue;
    if (p.fixed_ips.some((f) => f.subnet_id === subnet.id && f.ip_address === subnet.gateway_ip)) return router.id;
    first ??= router.id;
  }
  if (first !== null) return first;
  throw new QuarkError(
    'ExternalGatewayForFloatingIPNotFound',
    `External network ${externalNetworkId} is not reachable from subnet ${subnet.id}.  Therefore, cannot associate Port ${port.id} with a Floating IP.`,
  );
}

/** Which of the port's addresses the floating IP points at. */
function internalAddress(port: Port, requested: string | null): FixedIp {
  if (requested !== null) {
    if (requested.includes(':')) {
      throw badRequest(
        'floatingip',
        `Cannot process floating IP association with ${requested}, since that is not an IPv4 address`,
      );
    }
    const match = port.fixed_ips.find((f) => f.ip_address === requested);
    if (!match) throw badRequest('floatingip', `Port ${port.id} does not have fixed ip ${requested}`);
    return match;
  }
  const v4 = port.fixed_ips.filter(isV4);
  if (v4.length === 0)
    throw badRequest('floatingip', `Cannot add floating IP to port ${port.id} that has no fixed IPv4 addresses`);
  if (v4.length > 1) {
    throw badRequest(
      'floatingip',
      `Port ${port.id} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP`,
    );
  }
  return v4[0]!;
}

function associate(tx: WriteTx, ctx: PluginContext, fip: FloatingIp, req: AssociationRequest): Association {
  if (req.fixed_ip_address && !req.port_id) {
    throw badRequest('floatingip', 'fixed_ip_address cannot be specified without a port_id');
  }
  const portId = req.port_id === undefined ? fip.port_id : req.port_id;
  if (!portId) return NONE;
  const port = tx.get('port', portId);
  const network = port && tx.get('network', port.network_id);
  if (!port || !allowed('get_port', ctx.caller, { projectId: port.project_id, networkProjectId: network?.project_id ?? '' })) {
    throw portNotFound(portId);
  }
  if (port.project_id !== fip.project_id && !ctx.caller.isAdmin) {
    throw badRequest(
      'floatingip',
      `Cannot process floating IP association with Port ${port.id}, since that port is owned by a different tenant`,
    );
  }
  // Neutron refuses only DHCP ports; a router's or floating IP's own port cannot carry one either.
  if (isNetworkOwned(port)) throw badRequest('floatingip', `Port ${port.id} is unable to be assigned a floating IP`);
  const keep = req.port_id === undefined || req.port_id === fip.port_id;
  const fixed = internalAddress(port, req.fixed_ip_address ?? (keep ? fip.fixed_ip_address : null));
  const routerId = routerFor(tx, port, tx.get('subnet', fixed.subnet_id)!, fip.floating_network_id);
  const taken = tx
    .by('floatingip', 'port', port.id)
    .find((f) => f.id !== fip.id && f.floating_network_id === fip.floating_network_id && f.fixed_ip_address === fixed.ip_address);
  if (taken) {
    throw new QuarkError(
      'FloatingIPPortAlreadyAssociated',
      `Cannot associate floating IP ${fip.floating_ip_address} (${fip.id}) with port ${port.id} using fixed IP ${fixed.ip_address}, as that fixed IP already has a floating IP on external network ${fip.floating_network_id}.`,
    );
  }
  return { port_id: port.id, fixed_ip_address: fixed.ip_address, router_id: routerId };
}

export function createFloatingIp(tx: WriteTx, ctx: PluginContext, v: FloatingIpCreate, projectId: string): FloatingIp {
  const networkId = v.floating_network_id;
  const net = tx.get('network', networkId);
  const { caller } = ctx;
  if (!net || !canSeeNetwork(tx, net, caller)) {
    throw networkNotFound(networkId);
  }
  if (!net['router:external']) throw badRequest('floatingip', `Network ${networkId} is not a valid external network`);
  if (!tx.by('subnet', 'network', net.id).some((s) => s.ip_version === 4)) {
    throw badRequest('floatingip', `Network ${networkId} does not contain any IPv4 subnet`);
  }
  const wanted: FixedIpRequest = {
    ...(v.subnet_id ? { subnet_id: v.subnet_id } : {}),
    ...(v.floating_ip_address ? { ip_address: v.floating_ip_address } : {}),
  };
  const id = ctx.newId();
  const port = createServicePort(tx, ctx, {
    network: net,
    projectId: '',
    owner: DeviceOwner.floatingIp,
    deviceId: id,
    status: 'N/A',
    fixedIps: Object.keys(wanted).length > 0 ? [wanted] : undefined,
  });
  const address = port.fixed_ips.find(isV4);
  if (!address) {
    throw new QuarkError('ExternalIpAddressExhausted', `Unable to find any IP address on external network ${networkId}.`);
  }
  const fip: FloatingIp = {
    id,
    project_id: projectId,
    description: v.description,
    tags: [],
    created_at: '',
    updated_at: '',
    revision_number: 0,
    floating_network_id: net.id,
    floating_ip_address: address.ip_address,
    subnet_id: address.subnet_id,
    floating_port_id: port.id,
    status: 'DOWN',
    ...NONE,
  };
  const association = associate(tx, ctx, fip, {
    port_id: v.port_id,
    fixed_ip_address: v.fixed_ip_address,
  });
  return tx.put('floatingip', { ...fip, ...association });
}

export function updateFloatingIp(tx: WriteTx, ctx: PluginContext, fip: FloatingIp, v: FloatingIpUpdate): FloatingIp {
  if (v.port_id) checkFloatingIpFree(tx, fip);
  // An empty update disassociates; any other update without port_id keeps the association
  // (neutron/db/l3_db.py _check_and_get_fip_assoc: `if fip and 'port_id' not in fip`).
  const request: AssociationRequest = Object.keys(v).length === 0 ? { port_id: null } : (v as AssociationRequest);
  const association = associate(tx, ctx, fip, request);
  const unhooked = association.port_id === null && fip.port_id !== null;
  // A floating IP of port forwardings keeps their router while it has no port.
  const forwarded = association.port_id === null && tx.count('port_forwarding', 'floatingip', fip.id) > 0;
  return tx.put('floatingip', {
    ...fip,
    ...association,
    ...(forwarded ? { router_id: fip.router_id } : {}),
    description: v.description ?? fip.description,
    status: unhooked ? 'DOWN' : fip.status,
  });
}

export function deleteFloatingIp(tx: WriteTx, _ctx: PluginContext, fip: FloatingIp): void {
  checkFloatingIpFree(tx, fip);
  tx.delete('floatingip', fip.id);
  tx.delete('port', fip.floating_port_id);
}

export const floatingIpHandler: HandlerSpec<'floatingip', FloatingIpCreate, FloatingIpUpdate> = {
  kind: 'floatingip',
  path: 'floatingips',
  quota: 'floatingip',
  notFound: floatingIpNotFound,
  target: (_view, f) => ({ projectId: f.project_id }),
  visibleTo: (view, projectId) => view.by('floatingip', 'project', projectId),
  // fip-port-details: the associated port, as Neutron's _make_floatingip_dict shows it.
  derived: (view, f) => {
    const port = f.port_id ? view.get('port', f.port_id) : undefined;
    return {
      port_details: port
        ? {
            name: port.name,
            network_id: port.network_id,
            mac_address: port.mac_address,
            admin_state_up: port.admin_state_up,
            status: port.status,
            device_id: port.device_id,
            device_owner: port.device_owner,
          }
        : null,
    };
  },
  create: createFloatingIp,
  update: updateFloatingIp,
  delete: deleteFloatingIp,
};
