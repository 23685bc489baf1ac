/** The catalog's read API: `/v3/services`, `/v3/endpoints`, `/v3/regions` (derived, see catalog.ts). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import { type CatalogEndpoint, type CatalogService, catalog } from './catalog.js';
import { type IdentityDeps, apiBase, callerOf, enforceIdentity, listBody, matches, queryValue, serverRoot } from './http.js';

type IdParams = { id: string };

export function registerCatalogRoutes(app: FastifyInstance, deps: IdentityDeps, prefix: string): void {
  const base = (request: FastifyRequest) => apiBase(request, deps.config, prefix);
  const services = (request: FastifyRequest) => catalog(serverRoot(request, deps.config), deps.config.region);
  const renderService = (s: CatalogService, b: string) => ({
    id: s.id,
    type: s.type,
    name: s.name,
    description: s.description,
    enabled: true,
    links: { self: `${b}/services/${s.id}` },
  });
  const renderEndpoint = (e: CatalogEndpoint, b: string) => ({ ...e, enabled: true, links: { self: `${b}/endpoints/${e.id}` } });
  const renderRegion = (id: string, b: string) => ({
    id,
    description: '',
    parent_region_id: null,
    links: { self: `${b}/regions/${id}` },
  });

  app.get('/services', async (request) => {
    enforceIdentity('identity:list_services', callerOf(request));
    const filters: [unknown, (s: CatalogService) => unknown][] = [
      [queryValue(request.query, 'type'), (s) => s.type],
      [queryValue(request.query, 'name'), (s) => s.name],
    ];
    const found = services(request).filter((s) => matches(s, filters));
    return listBody(
      'services',
      found.map((s) => renderService(s, base(request))),
      `${base(request)}/services`,
    );
  });

  app.get<{ Params: IdParams }>('/services/:id', async (request) => {
    enforceIdentity('identity:get_service', callerOf(request));
    const s = services(request).find((x) => x.id === request.params.id);
    if (!s) throw new QuarkError('ServiceNotFound', `Could not find service: ${request.params.id}.`);
    return { service: renderService(s, base(request)) };
  });

  app.get('/endpoints', async (request) => {
    enforceIdentity('identity:list_endpoints', callerOf(request));
    const filters: [unknown, (e: CatalogEndpoint) => unknown][] = [
      [queryValue(request.query, 'service_id'), (e) => e.service_id],
      [queryValue(request.query, 'interface'), (e) => e.interface],
      [queryValue(request.query, 'region_id'), (e) => e.region_id],
    ];
    const found = services(request)
      .flatMap((s) => s.endpoints)
      .filter((e) => matches(e, filters));
    return listBody(
      'endpoints',
      found.map((e) => renderEndpoint(e, base(request))),
      `${base(request)}/endpoints`,
    );
  });

  app.get<{ Params: IdParams }>('/endpoints/:id', async (request) => {
    enforceIdentity('identity:get_endpoint', callerOf(request));
    const e = services(request)
      .flatMap((s) => s.endpoints)
      .find((x) => x.id === request.params.id);
    if (!e) throw new QuarkError('EndpointNotFound', `Could not find endpoint: ${request.params.id}.`);
    return { endpoint: renderEndpoint(e, base(request)) };
  });

  app.get('/regions', async (request) => {
    enforceIdentity('identity:list_regions', callerOf(request));
    return listBody('regions', [renderRegion(deps.config.region, base(request))], `${base(request)}/regions`);
  });

  app.get<{ Params: IdParams }>('/regions/:id', async (request) => {
    enforceIdentity('identity:get_region', callerOf(request));
    if (request.params.id !== deps.config.region) {
      throw new QuarkError('RegionNotFound', `Could not find region: ${request.params.id}.`);
    }
    return { region: renderRegion(deps.config.region, base(request)) };
  });
}
