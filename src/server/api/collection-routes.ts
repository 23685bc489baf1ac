/**
 * Binds the generic collection operations to HTTP routes under /v2.0 for one resource:
 * list/create on the collection, show/update/delete on a member, and the tags sub-resource.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../caller.js';
import * as op from './collection.js';
import { listBody } from './list-body.js';
import { type PageLink, type QueryBag, parseListQuery } from './list-query.js';
import type { AnyResourceHandler } from './resource.js';

export interface RouteDeps extends op.CollectionDeps {
  readonly paginationMaxLimit: number;
  readonly callerOf: (request: FastifyRequest) => Caller;
}

type IdParams = { id: string };
type TagParams = { id: string; tag: string };

/** The `<collection>_links` of a page, as Neutron's get_next_link/get_previous_link make them. */
export function links(request: FastifyRequest, collection: string, next: PageLink | null, previous: PageLink | null) {
  const base = `${request.protocol}://${request.host}${request.url.split('?')[0]}`;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(request.query as Record<string, string | string[]>)) {
    for (const v of Array.isArray(value) ? value : [value]) query.append(key, v);
  }
  const href = (link: PageLink, reverse: boolean) => {
    const q = new URLSearchParams(query);
    q.delete('marker');
    if (link.marker !== null) q.set('marker', link.marker);
    if (reverse) q.set('page_reverse', 'True');
    else q.delete('page_reverse');
    return `${base}?${q.toString()}`;
  };
  const out: { rel: string; href: string }[] = [];
  if (next) out.push({ rel: 'next', href: href(next, false) });
  if (previous) out.push({ rel: 'previous', href: href(previous, true) });
  return out.length > 0 ? { [`${collection}_links`]: out } : {};
}

export function registerCollection(app: FastifyInstance, h: AnyResourceHandler, deps: RouteDeps): void {
  const paths = [h.declaration.path, ...(h.declaration.aliases ?? [])];
  // Tags elsewhere are registered once, with the first path.
  for (const [i, path] of paths.entries()) registerAt(app, h, deps, `/v2.0/${path}`, !h.declaration.tagsAt || i === 0);
}

function registerAt(app: FastifyInstance, h: AnyResourceHandler, deps: RouteDeps, base: string, tags: boolean): void {
  if (!h.declaration.memberOnly) registerListAndCreate(app, h, deps, base);

  app.get<{ Params: IdParams }>(`${base}/:id`, async (request) => {
    const q = parseListQuery(h.declaration, { fields: (request.query as QueryBag).fields }, -1);
    return { [h.declaration.member]: op.show(h, deps, deps.callerOf(request), request.params.id, q.fields) };
  });

  app.put<{ Params: IdParams }>(`${base}/:id`, async (request) =>
    op.update(h, deps, deps.callerOf(request), request.params.id, request.body, request.headers['if-match']),
  );

  app.delete<{ Params: IdParams }>(`${base}/:id`, async (request, reply) => {
    await op.remove(h, deps, deps.callerOf(request), request.params.id, request.headers['if-match']);
    reply.code(204).send();
  });

  if (!tags || !('tags' in h.declaration.attributes)) return;
  registerTags(app, h, deps, h.declaration.tagsAt ? `/v2.0/${h.declaration.tagsAt}` : base);
}

function registerTags(app: FastifyInstance, h: AnyResourceHandler, deps: RouteDeps, base: string): void {
  app.get<{ Params: IdParams }>(`${base}/:id/tags`, async (request) =>
    op.getTags(h, deps, deps.callerOf(request), request.params.id),
  );
  app.put<{ Params: IdParams }>(`${base}/:id/tags`, async (request) =>
    op.replaceTags(h, deps, deps.callerOf(request), request.params.id, request.body),
  );
  app.delete<{ Params: IdParams }>(`${base}/:id/tags`, async (request, reply) => {
    await op.removeTag(h, deps, deps.callerOf(request), request.params.id, null);
    reply.code(204).send();
  });
  app.get<{ Params: TagParams }>(`${base}/:id/tags/:tag`, async (request, reply) => {
    op.checkTag(h, deps, deps.callerOf(request), request.params.id, request.params.tag);
    reply.code(204).send();
  });
  app.put<{ Params: TagParams }>(`${base}/:id/tags/:tag`, async (request, reply) => {
    await op.addTag(h, deps, deps.callerOf(request), request.params.id, request.params.tag);
    reply.code(201).send();
  });
  app.delete<{ Params: TagParams }>(`${base}/:id/tags/:tag`, async (request, reply) => {
    await op.removeTag(h, deps, deps.callerOf(request), request.params.id, request.params.tag);
    reply.code(204).send();
  });
}

function registerListAndCreate(app: FastifyInstance, h: AnyResourceHandler, deps: RouteDeps, base: string): void {
  const { collection } = h.declaration;
  app.get(base, async (request, reply) => {
    const q = parseListQuery(h.declaration, request.query as QueryBag, deps.paginationMaxLimit);
    await op.prepareList(h, deps, deps.callerOf(request), q);
    const result = op.list(h, deps, deps.callerOf(request), q);
    const linked = links(request, collection, result.next, result.previous);
    const tail = Object.keys(linked).length > 0 ? `,${JSON.stringify(linked).slice(1, -1)}` : '';
    reply.type('application/json');
    return listBody(collection, result, tail);
  });

  app.post(base, async (request, reply) => {
    reply.code(201);
    return op.create(h, deps, deps.callerOf(request), request.body);
  });
}
