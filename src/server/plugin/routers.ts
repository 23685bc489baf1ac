/**
 * Rules of the `router` resource: a router is ACTIVE from creation; its gateway (see
 * router-gateway.ts) and extra routes are set on create or update; it is HA or not (l3-ha.ts);
 * it can only be deleted once it has no interfaces, and its gateway and HA ports go with it.
 */
import { QuarkError, badRequest } from '../../model/errors.js';
import type { GatewayInfoRequest } from '../../model/api/extensions/l3.js';
import type { Router } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { HandlerSpec } from '../api/resource.js';
import type { RouterCreate, RouterUpdate } from '../../model/api/values.js';
import { enforce, hasRule } from '../policy.js';
import type { PluginContext } from './context.js';
import { checkZoneHints, routerZones } from './availability-zones.js';
import { routerFlavor } from './flavors.js';
import { deleteHaPorts, disableHa, dropUnusedHaNetwork, enableHa } from './l3-ha.js';
import { routerNotFound } from './not-found.js';
import { updateGateway } from './router-gateway.js';
import { interfacePorts } from './router-ports.js';
import { checkRoutes } from './router-routes.js';
import { deleteConntrackHelpersOf } from './conntrack-helpers.js';
import { newStandardAttributes } from './standard-attributes.js';

/**
 * Neutron guards some keys inside external_gateway_info (external_fixed_ips, enable_snat) with
 * their own rules, checked whenever the request names the key.
 */
function enforceGatewayPolicy(
  ctx: PluginContext,
  verb: 'create' | 'update',
  request: GatewayInfoRequest | null,
  projectId: string,
) {
  for (const key of Object.keys(request ?? {})) {
    const rule = `${verb}_router:external_gateway_info:${key}`;
    if (hasRule(rule)) enforce(rule, ctx.caller, { projectId });
  }
}

export function createRouter(tx: WriteTx, ctx: PluginContext, v: RouterCreate, projectId: string): Router {
  const gateway = v.external_gateway_info;
  enforceGatewayPolicy(ctx, 'create', gateway, projectId);
  if (v.availability_zone_hints) checkZoneHints(tx, 'router', v.availability_zone_hints);
  const flavorId = v.flavor_id ?? null;
  if (flavorId !== null) routerFlavor(tx, flavorId, { distributed: v.distributed, ha: v.ha });
  const router = tx.put('router', {
    ...newStandardAttributes(ctx.newId(), projectId, v),
    admin_state_up: v.admin_state_up,
    status: 'ACTIVE',
    external_gateway_info: null,
    routes: [],
    gw_port_id: null,
    distributed: v.distributed ?? false,
    // enableHa below makes it HA, with its VRRP id.
    ha: false,
    ha_vr_id: 0,
    availability_zone_hints: v.availability_zone_hints,
    flavor_id: flavorId,
  });
  const ha = v.ha ?? ctx.config.l3Ha;
  const made = ha ? enableHa(tx, ctx, router) : router;
  return gateway ? updateGateway(tx, ctx, made, gateway) : made;
}

/**
 * `distributed` and `ha` change only on a router that is down, as Neutron's
 * _validate_router_migration (l3_dvr_db.py: down before and after) and _validate_migration
 * (l3_hamode_db.py: down after).
 */
function checkMigration(router: Router, v: RouterUpdate): void {
  const adminUp = v.admin_state_up ?? router.admin_state_up;
  const changes = (key: 'distributed' | 'ha') => v[key] !== undefined && v[key] !== null && v[key] !== (router[key] ?? false);
  if (changes('distributed') && (router.admin_state_up || adminUp)) {
    throw badRequest(
      'router',
      "Cannot change the 'distributed' attribute of active routers. Please set router admin_state_up to False prior to upgrade",
    );
  }
  if (changes('ha') && adminUp) {
    throw badRequest(
      'router',
      'Cannot change HA attribute of active routers. Please set router admin_state_up to False prior to upgrade',
    );
  }
}

export function updateRouter(tx: WriteTx, ctx: PluginContext, router: Router, v: RouterUpdate): Router {
  checkMigration(router, v);
  let next = router;
  const ha = v.ha;
  if (ha !== undefined && ha !== null && ha !== (router.ha === true))
    next = ha ? enableHa(tx, ctx, next) : disableHa(tx, ctx, next);
  const gatewayChanged = 'external_gateway_info' in v;
  if (gatewayChanged) {
    const gateway = v.external_gateway_info ?? null;
    enforceGatewayPolicy(ctx, 'update', gateway, router.project_id);
    next = updateGateway(tx, ctx, next, gateway);
  }
  const routes = v.routes ?? next.routes;
  // A gateway change can take away the subnet a route's next hop was on.
  if (v.routes !== undefined || gatewayChanged) checkRoutes(tx, ctx.config.maxRoutes, next, routes);
  return tx.put('router', {
    ...next,
    name: v.name ?? next.name,
    description: v.description ?? next.description,
    admin_state_up: v.admin_state_up ?? next.admin_state_up,
    routes,
    distributed: v.distributed ?? next.distributed ?? false,
  });
}

export function deleteRouter(tx: WriteTx, ctx: PluginContext, router: Router): void {
  const attached = interfacePorts(tx, router.id);
  if (attached.length > 0) {
    throw new QuarkError('RouterInUse', `Router ${router.id} has ports still attached: ${attached.map((p) => p.id).join(', ')}`);
  }
  if (router.gw_port_id) updateGateway(tx, ctx, router, null);
  deleteHaPorts(tx, router.id);
  deleteConntrackHelpersOf(tx, router);
  tx.delete('router', router.id);
  if (router.ha === true) dropUnusedHaNetwork(tx, ctx, router.project_id);
}

export const routerHandler: HandlerSpec<'router', RouterCreate, RouterUpdate> = {
  kind: 'router',
  path: 'routers',
  quota: 'router',
  notFound: routerNotFound,
  target: (_view, r) => ({ projectId: r.project_id }),
  visibleTo: (view, projectId) => view.by('router', 'project', projectId),
  derived: (view, r) => ({
    distributed: r.distributed ?? false,
    // Records made before l3-ha have no `ha`: they are legacy routers.
    ha: r.ha === true,
    availability_zone_hints: r.availability_zone_hints ?? [],
    flavor_id: r.flavor_id ?? null,
    availability_zones: routerZones(view, r.id),
  }),
  create: createRouter,
  update: updateRouter,
  delete: deleteRouter,
};
