/**
 * `GET /v2.0/network-ip-availabilities[/{network_id}]` (admin only, as Neutron's policy):
 * computed from the store at request time, with the declaration's filters, fields, sorting and
 * paging. `ip_version` narrows the subnets counted, as in Neutron.
 */
import type { FastifyInstance } from 'fastify';
import type { ResourceDeclaration } from '../../model/api/attribute.js';
import type { Network } from '../../model/resources.js';
import type { Caller } from '../caller.js';
import { allowed } from '../policy.js';
import { networkAvailability } from '../plugin/network-ip-availability.js';
import { networkNotFound } from '../plugin/not-found.js';
import type { RouteDeps } from './collection-routes.js';
import { exactJson } from './exact-json.js';
import { type QueryBag, matchesFilter, parseListQuery, sortedPage } from './list-query.js';
import { renderRecord } from './render.js';

type IdParams = { id: string };

const mayRead = (caller: Caller, net: Network) => allowed('get_network_ip_availability', caller, { projectId: net.project_id });

export function registerNetworkIpAvailability(app: FastifyInstance, decl: ResourceDeclaration, deps: RouteDeps): void {
  const attributes = Object.keys(decl.attributes);
  const base = `/v2.0/${decl.path}`;

  app.get(base, async (request, reply) => {
    const caller = deps.callerOf(request);
    const q = parseListQuery(decl, request.query as QueryBag, deps.paginationMaxLimit);
    const versions = q.filters.find((f) => f.name === 'ip_version')?.values.map(Number) ?? null;
    const view = deps.store.view;
    const items = view
      .all('network')
      .filter((n) => mayRead(caller, n))
      .map((n) => networkAvailability(view, n, versions))
      .filter((item) => versions === null || item.subnet_ip_availability.length > 0)
      .filter((item) =>
        q.filters.every((f) => f.name === 'ip_version' || matchesFilter((item as unknown as Record<string, unknown>)[f.name], f)),
      );
    const attributeOf = (item: (typeof items)[number], key: string) => (item as unknown as Record<string, unknown>)[key];
    const page = sortedPage(
      items.map((i) => ({ ...i, id: i.network_id })),
      q,
      attributeOf,
      (i) => i.network_id,
    );
    reply.type('application/json');
    return exactJson({ [decl.collection]: page.items.map((i) => renderRecord(i, undefined, attributes, q.fields)) });
  });

  app.get<{ Params: IdParams }>(`${base}/:id`, async (request, reply) => {
    const caller = deps.callerOf(request);
    const q = parseListQuery(decl, { fields: (request.query as QueryBag).fields }, -1);
    const net = deps.store.view.get('network', request.params.id);
    if (!net || !mayRead(caller, net)) throw networkNotFound(request.params.id);
    reply.type('application/json');
    return exactJson({ [decl.member]: renderRecord(networkAvailability(deps.store.view, net), undefined, attributes, q.fields) });
  });
}
