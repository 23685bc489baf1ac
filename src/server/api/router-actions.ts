/**
 * The router actions `PUT /v2.0/routers/{id}/add_router_interface` and
 * `remove_router_interface`: 200 with Neutron's interface info, each one store transaction.
 */
import type { FastifyInstance } from 'fastify';
import type { Router } from '../../model/resources.js';
import { enforce } from '../policy.js';
import { removeRouterInterface } from '../plugin/router-interface-removal.js';
import { type InterfaceInfo, addRouterInterface, parseInterfaceRequest } from '../plugin/router-interfaces.js';
import { findVisible } from './collection.js';
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
}
