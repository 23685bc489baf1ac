/**
 * The router actions `PUT /v2.0/routers/{id}/add_router_interface` and
 * `remove_router_interface`: 200 with Neutron's interface info, each one store transaction.
 */
import type { FastifyInstance } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import type { HostRoute, Router } from '../../model/resources.js';
import { enforce } from '../policy.js';
import { removeRouterInterface } from '../plugin/router-interface-removal.js';
import { type InterfaceInfo, addRouterInterface, parseInterfaceRequest } from '../plugin/router-interfaces.js';
import { updateRouter } from '../plugin/routers.js';
import { findVisible, render } from './collection.js';
import type { RouteDeps } from './collection-routes.js';
import type { AnyResourceHandler } from './resource.js';

type IdParams = { id: string };

export function registerRouterActions(app: FastifyInstance, routers: AnyResourceHandler, deps: RouteDeps): void {
  const action = (name: 'add_router_interface' | 'remove_router_interface') =>
    app.put<{ Params: IdParams }>(`/v2.0/routers/:id/${name}`, async (request): Promise<InterfaceInfo> => {
      const caller = deps.callerOf(request);
      const req = parseInterfaceRequest(request.body, name === 'remove_router_interface');
      const ctx = { ...deps.services, caller };
      return deps.store.write((tx) => {
        const router = findVisible(routers, tx, caller, request.params.id) as unknown as Router;
        enforce(name, caller, { projectId: router.project_id });
        return name === 'add_router_interface'
          ? addRouterInterface(tx, ctx, router, req)
          : removeRouterInterface(tx, ctx, router, req);
      });
    });
  action('add_router_interface');
  action('remove_router_interface');

  // extraroute-atomic: routes added to or removed from the current set in one transaction, as
  // Neutron's _add_extra_routes/_remove_extra_routes, then checked as an update of `routes`.
  const routesAction = (name: 'add_extraroutes' | 'remove_extraroutes') =>
    app.put<{ Params: IdParams }>(`/v2.0/routers/:id/${name}`, async (request) => {
      const caller = deps.callerOf(request);
      const body = (request.body as { router?: { routes?: unknown } } | null)?.router;
      if (typeof body !== 'object' || body === null || !('routes' in body)) {
        throw new QuarkError('HTTPBadRequest', "Unable to find 'router' in request body");
      }
      const asked = routers.declaration.attributes.routes!.convert!(body.routes, 'routes') as HostRoute[];
      const ctx = { ...deps.services, caller };
      const id = await deps.store.write((tx) => {
        const router = findVisible(routers, tx, caller, request.params.id) as unknown as Router;
        enforce(name, caller, { projectId: router.project_id });
        const routes = name === 'add_extraroutes' ? addRoutes(router.routes, asked) : removeRoutes(router.routes, asked);
        return updateRouter(tx, ctx, router, { routes }).id;
      });
      const view = deps.store.view;
      return { router: render(routers, deps.services, view, caller, view.get('router', id)!) };
    });
  routesAction('add_extraroutes');
  routesAction('remove_extraroutes');
}

const sameRoute = (a: HostRoute, b: HostRoute) => a.destination === b.destination && a.nexthop === b.nexthop;

/** The union, each (destination, next hop) once; several next hops per destination stay. */
function addRoutes(old: readonly HostRoute[], add: readonly HostRoute[]): HostRoute[] {
  const out: HostRoute[] = [];
  for (const r of [...old, ...add]) if (!out.some((o) => sameRoute(o, r))) out.push(r);
  return out;
}

/** The current routes without the given ones; a route already missing is fine. */
function removeRoutes(old: readonly HostRoute[], remove: readonly HostRoute[]): HostRoute[] {
  return old.filter((r) => !remove.some((x) => sameRoute(x, r)));
}
