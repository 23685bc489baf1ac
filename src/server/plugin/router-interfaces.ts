/**
 * `PUT /v2.0/routers/{id}/add_router_interface`, as Neutron's l3_db: by subnet (a new port
 * takes the subnet's gateway address) or by an existing port (which becomes the router's),
 * refusing what Neutron refuses. Removal is in router-interface-removal.ts.
 */
import { QuarkError, badRequest } from '../../model/errors.js';
import { parseIp } from '../../model/ip/address.js';
import { poolsContain } from '../../model/ipam.js';
import { isUuid } from '../../model/api/validators.js';
import type { Port, Router, Subnet } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { Caller } from '../caller.js';
import { allowed } from '../policy.js';
import type { PluginContext } from './context.js';
import { resolveFixedIps } from './fixed-ips.js';
import { portNotFound, subnetNotFound } from './not-found.js';
import { checkAddressMode, checkRouterSubnets, interfaceOwner, interfacePorts, subnetsOfPort } from './router-ports.js';
import { enforceDeviceOwnership } from './port-device.js';
import { createServicePort } from './service-ports.js';
import { revise } from './revisions.js';
import { networkAccess } from './rbac-access.js';

export interface InterfaceRequest {
  readonly port_id?: string;
  readonly subnet_id?: string;
}

/** Neutron's answer to both actions. `subnet_id` is kept for clients older than multi-prefix ports. */
export interface InterfaceInfo {
  readonly id: string;
  readonly tenant_id: string;
  readonly project_id: string;
  readonly port_id: string;
  readonly network_id: string;
  readonly subnet_id: string;
  readonly subnet_ids: string[];
}

export function info(router: Router, port: Port, subnets: readonly Subnet[], subnetId: string): InterfaceInfo {
  return {
    id: router.id,
    tenant_id: port.project_id,
    project_id: port.project_id,
    port_id: port.id,
    network_id: port.network_id,
    subnet_id: subnetId,
    subnet_ids: subnets.map((s) => s.id),
  };
}

/** The body of either action: port_id or subnet_id (both only for removal), each a UUID. */
export function parseInterfaceRequest(body: unknown, forRemoval: boolean): InterfaceRequest {
  const b = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const hasPort = 'port_id' in b;
  const hasSubnet = 'subnet_id' in b;
  if (!hasPort && !hasSubnet) throw badRequest('router', 'Either subnet_id or port_id must be specified');
  for (const key of ['port_id', 'subnet_id'] as const) {
    if (key in b && !isUuid(b[key])) throw badRequest('router', `'${String(b[key])}' is not a valid UUID`);
  }
  if (!forRemoval && hasPort && hasSubnet) throw badRequest('router', 'Cannot specify both subnet-id and port-id');
  return {
    ...(hasPort ? { port_id: (b.port_id as string).toLowerCase() } : {}),
    ...(hasSubnet ? { subnet_id: (b.subnet_id as string).toLowerCase() } : {}),
  };
}

export function visibleSubnet(view: ReadView, caller: Caller, id: string): Subnet {
  const s = view.get('subnet', id);
  const net = s && view.get('network', s.network_id);
  const target = {
    projectId: s?.project_id ?? '',
    networkProjectId: net?.project_id ?? '',
    shared: net?.shared ?? false,
    sharedWith: net ? networkAccess(view, net).sharedWith : undefined,
  };
  if (!s || !allowed('get_subnet', caller, target)) throw subnetNotFound(id);
  return s;
}

function visiblePort(view: ReadView, caller: Caller, id: string): Port {
  const p = view.get('port', id);
  const target = {
    projectId: p?.project_id ?? '',
    networkProjectId: p ? (view.get('network', p.network_id)?.project_id ?? '') : '',
  };
  if (!p || !allowed('get_port', caller, target)) throw portNotFound(id);
  return p;
}

const hasIpv6 = (p: Port) => p.fixed_ips.some((f) => f.ip_address.includes(':'));

function addBySubnet(tx: WriteTx, ctx: PluginContext, router: Router, subnetId: string): InterfaceInfo {
  const subnet = visibleSubnet(tx, ctx.caller, subnetId);
  if (!subnet.gateway_ip) throw badRequest('router', 'Subnet for router interface must have a gateway IP');
  if (subnet.project_id !== ctx.caller.projectId && !ctx.caller.isAdmin) {
    throw badRequest(
      'router',
      `Cannot add interface to router because subnet ${subnet.id} is not owned by project making the request`,
    );
  }
  checkAddressMode(subnet);
  checkRouterSubnets(tx, router, [subnet]);
  const net = tx.get('network', subnet.network_id)!;
  const gateway = { subnet_id: subnet.id, ip_address: subnet.gateway_ip };
  if (subnet.ip_version === 6) {
    // One router port per network carries every IPv6 prefix of that network (Neutron's multi-prefix port).
    const existing = interfacePorts(tx, router.id).find((p) => p.network_id === net.id && hasIpv6(p));
    if (existing) {
      const fixedIps = resolveFixedIps(
        tx,
        ctx,
        net,
        { owner: existing.device_owner, mac: existing.mac_address, current: existing },
        [...existing.fixed_ips, gateway],
      );
      const port = tx.put('port', { ...existing, fixed_ips: fixedIps });
      return info(router, port, [subnet], subnet.id);
    }
  }
  const port = createServicePort(tx, ctx, {
    network: net,
    projectId: router.project_id,
    owner: interfaceOwner(router),
    deviceId: router.id,
    status: 'DOWN',
    fixedIps: [gateway],
  });
  return info(router, port, [subnet], subnet.id);
}

function addByPort(tx: WriteTx, ctx: PluginContext, router: Router, portId: string): InterfaceInfo {
  const port = visiblePort(tx, ctx.caller, portId);
  // The port becomes an interface of the router: as Neutron's update_port in
  // _add_interface_by_port, refused when the router is not the port's project's (a shared
  // network's owner sees other projects' ports on it, but may not make them its router's).
  enforceDeviceOwnership(tx, ctx.caller, {
    projectId: port.project_id,
    networkId: port.network_id,
    deviceOwner: interfaceOwner(router),
    deviceId: router.id,
  });
  if (port.device_id !== '') {
    throw new QuarkError(
      'PortInUse',
      `Unable to complete operation on port ${port.id} for network ${port.network_id}. Port already has an attached device ${port.device_id}.`,
    );
  }
  if (port.fixed_ips.length === 0) throw badRequest('router', 'Router port must have at least one fixed IP');
  const subnets = subnetsOfPort(tx, port);
  subnets.forEach(checkAddressMode);
  if (hasIpv6(port)) {
    const other = interfacePorts(tx, router.id).find((p) => p.network_id === port.network_id && hasIpv6(p));
    if (other) {
      throw badRequest(
        'router',
        `Router already contains IPv6 port ${other.id} belonging to network id ${other.network_id}. Only one IPv6 port from the same network subnet can be connected to a router.`,
      );
    }
  }
  checkRouterSubnets(tx, router, subnets);
  if (subnets.filter((s) => s.ip_version === 4).length > 1)
    throw badRequest('router', 'Cannot have multiple IPv4 subnets on router port');
  if (!ctx.caller.isAdmin) {
    for (const f of port.fixed_ips) {
      const s = subnets.find((x) => x.id === f.subnet_id)!;
      if (!poolsContain(s.allocation_pools, parseIp(f.ip_address)!) && s.project_id !== ctx.caller.projectId) {
        throw badRequest(
          'router',
          `Cannot add interface to router because specified port ${port.id} has an IP address out of the allocation pool of subnet ${s.id}, which is not owned by the project making the request`,
        );
      }
    }
  }
  // The port becomes the router's: a network:* port is trusted and has no security groups.
  const attached = tx.put('port', {
    ...port,
    device_id: router.id,
    device_owner: interfaceOwner(router),
    security_groups: [],
  });
  return info(router, attached, subnets, subnets[subnets.length - 1]!.id);
}

export function addRouterInterface(tx: WriteTx, ctx: PluginContext, router: Router, req: InterfaceRequest): InterfaceInfo {
  const added =
    req.port_id !== undefined ? addByPort(tx, ctx, router, req.port_id) : addBySubnet(tx, ctx, router, req.subnet_id!);
  // A router's ports are part of it (Neutron's RouterPort revises_on_change).
  revise(tx, 'router', router.id);
  return added;
}
