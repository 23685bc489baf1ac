/**
 * The quotas API (`quotas` and `quota_details`): show, set and reset a project's limits, list
 * the projects with overrides, show defaults and usage. What `openstack quota show|set --network`
 * calls.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import { int } from '../../model/api/validators.js';
import { QUOTA_RESOURCES, type QuotaResource } from '../../model/quota.js';
import type { Caller } from '../caller.js';
import { enforce } from '../policy.js';
import {
  type QuotaSet,
  defaultQuotaSet,
  projectsWithQuotas,
  quotaDetailsOf,
  quotaSetOf,
  resetQuota,
  setQuota,
} from '../plugin/quotas.js';
import type { RouteDeps } from './collection-routes.js';

type IdParams = { id: string };

const badRequest = (message: string) => new QuarkError('HTTPBadRequest', message);

/**
 * `{"quota": {"network": 10, …}}`: known resources only, each an integer from -1 (unlimited) to
 * 2^31 - 1, Neutron's DB_INTEGER_MAX_VALUE.
 */
export function parseQuotaBody(body: unknown): Partial<QuotaSet> {
  const quota = (body as { quota?: unknown } | null)?.quota;
  if (typeof quota !== 'object' || quota === null || Array.isArray(quota)) {
    throw badRequest("Unable to find 'quota' in request body");
  }
  const unknown = Object.keys(quota).filter((k) => !(QUOTA_RESOURCES as readonly string[]).includes(k));
  if (unknown.length > 0) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  const out: Partial<QuotaSet> = {};
  for (const [key, value] of Object.entries(quota)) out[key as QuotaResource] = int(-1, 2 ** 31 - 1)(value, key);
  return out;
}

/** A project's own quota is always readable; another project's needs get_quota (admins). */
function enforceRead(caller: Caller, projectId: string): void {
  if (projectId !== caller.projectId) enforce('get_quota', caller, { projectId });
}

export function registerQuotaRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { store, services } = deps;
  const caller = (r: FastifyRequest) => deps.callerOf(r);

  app.get('/v2.0/quotas', async (request) => {
    enforce('get_quota', caller(request), { projectId: '' });
    return {
      quotas: projectsWithQuotas(store.view).map((p) => ({
        ...quotaSetOf(store.view, services.config, p),
        project_id: p,
        tenant_id: p,
      })),
    };
  });
  app.get('/v2.0/quotas/tenant', async (request) => ({ tenant: { tenant_id: caller(request).projectId } }));
  app.get('/v2.0/quotas/project', async (request) => ({ project: { project_id: caller(request).projectId } }));

  app.get<{ Params: IdParams }>('/v2.0/quotas/:id', async (request) => {
    enforceRead(caller(request), request.params.id);
    return { quota: quotaSetOf(store.view, services.config, request.params.id) };
  });
  app.get<{ Params: IdParams }>('/v2.0/quotas/:id/default', async (request) => {
    enforceRead(caller(request), request.params.id);
    return { quota: defaultQuotaSet(services.config) };
  });
  app.get<{ Params: IdParams }>('/v2.0/quotas/:id/details', async (request) => {
    enforceRead(caller(request), request.params.id);
    return { quota: quotaDetailsOf(store.view, services.config, request.params.id) };
  });
  app.put<{ Params: IdParams }>('/v2.0/quotas/:id', async (request) => {
    const projectId = request.params.id;
    enforce('update_quota', caller(request), { projectId });
    const limits = parseQuotaBody(request.body);
    await store.write((tx) => setQuota(tx, projectId, limits));
    return { quota: quotaSetOf(store.view, services.config, projectId) };
  });
  app.delete<{ Params: IdParams }>('/v2.0/quotas/:id', async (request, reply) => {
    enforce('delete_quota', caller(request), { projectId: request.params.id });
    await store.write((tx) => resetQuota(tx, request.params.id));
    reply.code(204).send();
  });
}
