/**
 * A router's external gateway (`external_gateway_info`): a port with device_owner
 * network:router_gateway on a `router:external` network, owned by no project, whose addresses
 * are the router's external_fixed_ips; `enable_snat` (ext-gw-mode) defaults to true. Moving or
 * removing the gateway is refused while floating IPs go through the router.
 */
import { QuarkError, badRequest } from '../../model/errors.js';
import type { GatewayInfoRequest } from '../../model/api/extensions/l3.js';
import { DeviceOwner, type ExternalFixedIp, type Network, type Port, type Router } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { Caller } from '../caller.js';
import type { PluginContext } from './context.js';
import { type FixedIpRequest, resolveFixedIps } from './fixed-ips.js';
import { networkNotFound } from './not-found.js';
import { checkRouterSubnets } from './router-ports.js';
import { createServicePort } from './service-ports.js';
import { canSeeNetwork } from './rbac-access.js';

function externalNetwork(view: ReadView, caller: Caller, id: string): Network {
  const net = view.get('network', id);
  if (!net || !canSeeNetwork(view, net, caller)) throw networkNotFound(id);
  if (!net['router:external']) throw badRequest('router', `Network ${id} is not an external network`);
  return net;
}

const addressesOf = (port: Port): ExternalFixedIp[] =>
  port.fixed_ips.map((f) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address }));

/** Neutron's _check_for_external_ip_change: only named subnets or addresses that differ count. */
function addressesChange(port: Port, requested: readonly FixedIpRequest[]): boolean {
  if (requested.length === 0) return false;
  const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
  const subnets = new Set(requested.flatMap((r) => (r.subnet_id ? [r.subnet_id] : [])));
  const addresses = new Set(requested.flatMap((r) => (r.ip_address ? [r.ip_address] : [])));
  return (
    !same(subnets, new Set(port.fixed_ips.map((f) => f.subnet_id))) ||
    !same(addresses, new Set(port.fixed_ips.map((f) => f.ip_address)))
  );
}

function removeGatewayPort(tx: WriteTx, router: Router, port: Port): void {
  if (tx.count('floatingip', 'router', router.id) > 0) {
    throw new QuarkError(
      'RouterExternalGatewayInUseByFloatingIp',
      `Gateway cannot be updated for router ${router.id}, since a gateway to external network ${port.network_id} is required by one or more floating IPs.`,
    );
  }
  tx.delete('port', port.id);
}

/** Sets, changes or (with null) removes the router's gateway; returns the stored router. */
export function updateGateway(tx: WriteTx, ctx: PluginContext, router: Router, request: GatewayInfoRequest | null): Router {
  const current = router.gw_port_id ? tx.get('port', router.gw_port_id) : undefined;
  if (request === null) {
    if (current) removeGatewayPort(tx, router, current);
    return tx.put('router', { ...router, external_gateway_info: null, gw_port_id: null });
  }
  const net = externalNetwork(tx, ctx.caller, request.network_id);
  const requested = request.external_fixed_ips ?? [];
  for (const r of requested) {
    if (r.ip_address && tx.by('subnet', 'network', net.id).some((s) => s.gateway_ip === r.ip_address)) {
      throw badRequest('router', `External IP ${r.ip_address} is the same as the gateway IP`);
    }
  }
  const enable_snat = request.enable_snat ?? true;
  let port: Port;
  if (current && current.network_id === net.id) {
    port = current;
    if (addressesChange(current, requested)) {
      const fixedIps = resolveFixedIps(
        tx,
        ctx,
        net,
        { owner: current.device_owner, mac: current.mac_address, current },
        requested,
      );
      port = tx.put('port', { ...current, fixed_ips: fixedIps });
    }
  } else {
    if (current) removeGatewayPort(tx, router, current);
    checkRouterSubnets(tx, router, tx.by('subnet', 'network', net.id));
    port = createServicePort(tx, ctx, {
      network: net,
      projectId: '',
      owner: DeviceOwner.routerGateway,
      deviceId: router.id,
      status: 'DOWN',
      fixedIps: requested.length > 0 ? requested : undefined,
    });
  }
  return tx.put('router', {
    ...router,
    external_gateway_info: { network_id: net.id, enable_snat, external_fixed_ips: addressesOf(port) },
    gw_port_id: port.id,
  });
}
