/**
 * The trunk actions `PUT /v2.0/trunks/{id}/add_subports` and `remove_subports` with
 * `{"sub_ports": [...]}`, and `GET /v2.0/trunks/{id}/get_subports`. Neutron answers the first two
 * with the whole trunk, not wrapped in `{"trunk": …}`, and the third with `{"sub_ports": [...]}`
 * (measured on Neutron 21); each write is one store transaction. Their policy rules are named
 * after the actions (neutron/conf/policies/trunk.py).
 */
import type { FastifyInstance } from 'fastify';
import type { Trunk } from '../../model/trunk.js';
import { enforce } from '../policy.js';
import { addSubports, removeSubports } from '../plugin/trunks.js';
import { findVisible, render } from './collection.js';
import type { RouteDeps } from './collection-routes.js';
import type { AnyResourceHandler } from './resource.js';

type IdParams = { id: string };

export function registerTrunkActions(app: FastifyInstance, trunks: AnyResourceHandler, deps: RouteDeps): void {
  for (const name of ['add_subports', 'remove_subports'] as const) {
    app.put<{ Params: IdParams }>(`/v2.0/trunks/:id/${name}`, async (request) => {
      const caller = deps.callerOf(request);
      const ctx = { ...deps.services, caller };
      const trunk = await deps.store.write((tx) => {
        const found = findVisible(trunks, tx, caller, request.params.id) as unknown as Trunk;
        enforce(name, caller, { projectId: found.project_id });
        return name === 'add_subports' ? addSubports(tx, ctx, found, request.body) : removeSubports(tx, ctx, found, request.body);
      });
      return render(trunks, deps.services, deps.store.view, caller, trunk);
    });
  }

  app.get<{ Params: IdParams }>('/v2.0/trunks/:id/get_subports', async (request) => {
    const caller = deps.callerOf(request);
    const trunk = findVisible(trunks, deps.store.view, caller, request.params.id) as unknown as Trunk;
    enforce('get_subports', caller, { projectId: trunk.project_id });
    return { sub_ports: trunk.sub_ports };
  });
}
