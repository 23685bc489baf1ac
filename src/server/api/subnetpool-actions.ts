/**
 * `subnetpool-prefix-ops`: `PUT /v2.0/subnetpools/{id}/add_prefixes` and `remove_prefixes` with
 * `{"prefixes": [...]}`, answering `{"prefixes": [...]}` (the pool's prefixes after), each one
 * store transaction. A body without a non-empty list is 400, as Neutron's
 * get_operation_request_body.
 */
import type { FastifyInstance } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import { listOf, subnetCidr } from '../../model/api/validators.js';
import type { SubnetPool } from '../../model/resources.js';
import { enforce } from '../policy.js';
import { addPrefixes, removePrefixes } from '../plugin/subnetpools.js';
import { findVisible } from './collection.js';
import type { RouteDeps } from './collection-routes.js';
import type { AnyResourceHandler } from './resource.js';

type IdParams = { id: string };

function prefixesOf(body: unknown): string[] {
  const prefixes = (body as { prefixes?: unknown } | null)?.prefixes;
  if (!Array.isArray(prefixes) || prefixes.length === 0) {
    throw new QuarkError('HTTPBadRequest', 'Request body contains invalid data');
  }
  return listOf(subnetCidr)(prefixes, 'prefixes');
}

export function registerSubnetPoolActions(app: FastifyInstance, pools: AnyResourceHandler, deps: RouteDeps): void {
  const action = (name: 'add_prefixes' | 'remove_prefixes') =>
    app.put<{ Params: IdParams }>(`/v2.0/subnetpools/:id/${name}`, async (request) => {
      const caller = deps.callerOf(request);
      const prefixes = prefixesOf(request.body);
      const ctx = { ...deps.services, caller };
      return deps.store.write((tx) => {
        const pool = findVisible(pools, tx, caller, request.params.id) as unknown as SubnetPool;
        enforce(name, caller, { projectId: pool.project_id });
        const after = name === 'add_prefixes' ? addPrefixes(tx, ctx, pool, prefixes) : removePrefixes(tx, ctx, pool, prefixes);
        return { prefixes: after };
      });
    });
  action('add_prefixes');
  action('remove_prefixes');
}
