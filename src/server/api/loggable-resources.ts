/**
 * `GET /v2.0/log/loggable-resources`: the types a network log may have (`security_group`),
 * as `{"loggable_resources": [{"type": …}]}`. Neutron's policy (get_loggable_resource) is
 * admin only and its list drops what the caller may not read, so others get an empty list.
 */
import type { FastifyInstance } from 'fastify';
import { LOGGABLE_TYPES } from '../../model/api/extensions/logging.js';
import { allowed } from '../policy.js';
import type { RouteDeps } from './collection-routes.js';

export function registerLoggableResources(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/v2.0/log/loggable-resources', async (request) => {
    const caller = deps.callerOf(request);
    const types = allowed('get_loggable_resource', caller, { projectId: caller.projectId ?? '' }) ? LOGGABLE_TYPES : [];
    return { loggable_resources: types.map((type) => ({ type })) };
  });
}
