/**
 * The routes of a sub-resource (Neutron's SUB_RESOURCE_ATTRIBUTE_MAP): a floating IP's port
 * forwardings, a router's conntrack helpers. The collection lives under its parent,
 *
 *   GET/POST          /v2.0/floatingips/{floatingip_id}/port_forwardings
 *   GET/PUT/DELETE    /v2.0/floatingips/{floatingip_id}/port_forwardings/{id}
 *
 * and every operation is the generic one of collection.ts, run with the handler bound to the
 * parent: only the parent's records are listed or found, and a create names the parent. The
 * parent must be one the caller can see; what a request under another answers is Neutron's,
 * per resource (ResourceHandler.parent).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ReadView } from '../../store/view.js';
import type { Caller } from '../caller.js';
import * as op from './collection.js';
import { listBody } from './list-body.js';
import { type RouteDeps, links } from './collection-routes.js';
import { type QueryBag, parseListQuery } from './list-query.js';
import type { AnyResourceHandler } from './resource.js';

type Params = Record<string, string>;

/** `h` with only the records of one parent, and creates made under it. */
function under(h: AnyResourceHandler, param: string, parentId: string): AnyResourceHandler {
  const parent = h.parent!;
  return {
    ...h,
    notFound: parent.notFoundUnder ? (id: string) => parent.notFoundUnder!(parentId, id) : h.notFound,
    records: (view: ReadView) => view.by(h.kind, parent.index, parentId),
    belongs: (record: unknown) => parent.of(record as never) === parentId,
    createTarget: (view, ctx, values, projectId) =>
      h.createTarget?.(view, ctx, { ...values, [param]: parentId }, projectId) ?? { projectId },
    create: (tx, ctx, values, projectId) => h.create(tx, ctx, { ...values, [param]: parentId }, projectId),
  };
}

/** Whether the caller may see the parent; throws the parent's 404 when `strict`. */
function parentVisible(parentHandler: AnyResourceHandler, view: ReadView, caller: Caller, id: string, strict: boolean): boolean {
  try {
    op.findVisible(parentHandler, view, caller, id);
    return true;
  } catch (e) {
    if (strict) throw e;
    return false;
  }
}

export function registerSubCollection(
  app: FastifyInstance,
  h: AnyResourceHandler,
  parentHandler: AnyResourceHandler,
  deps: RouteDeps,
): void {
  const decl = h.declaration;
  const spec = h.parent;
  if (!decl.parent || !spec) throw new Error(`${decl.collection} is not a sub-resource`);
  const param = decl.parent.param;
  const base = `/v2.0/${decl.path}`;
  const caller = (request: FastifyRequest) => deps.callerOf(request);
  /** The handler bound to the request's parent, or null when a member request must answer the record's 404. */
  const bound = (request: FastifyRequest, strict: boolean) => {
    const parentId = (request.params as Params)[param]!;
    const seen = parentVisible(parentHandler, deps.store.view, caller(request), parentId, strict);
    return seen ? under(h, param, parentId) : null;
  };
  /** The record id a member URL names. */
  const idOf = (request: FastifyRequest) => {
    const params = request.params as Params;
    return spec.key ? spec.key(params[param]!, params.id!) : params.id!;
  };
  const member = (request: FastifyRequest) => {
    const b = bound(request, spec.member === 'parent');
    if (!b) throw h.notFound(idOf(request));
    return b;
  };

  app.get(base, async (request, reply) => {
    const q = parseListQuery(decl, request.query as QueryBag, deps.paginationMaxLimit);
    const b = bound(request, spec.list === 'not-found');
    reply.type('application/json');
    if (!b) return `{"${decl.collection}":[]}`;
    await op.prepareList(b, deps, caller(request), q);
    const result = op.list(b, deps, caller(request), q);
    const linked = links(request, decl.collection, result.next, result.previous);
    const tail = Object.keys(linked).length > 0 ? `,${JSON.stringify(linked).slice(1, -1)}` : '';
    return listBody(decl.collection, result, tail);
  });

  app.post(base, async (request, reply) => {
    const policyFirst = spec.create === 'policy-first';
    const b = bound(request, !policyFirst) ?? under(h, param, (request.params as Params)[param]!);
    const created = await op.create(b, deps, caller(request), request.body);
    reply.code(201);
    return created;
  });

  app.get(`${base}/:id`, async (request) => {
    const q = parseListQuery(decl, { fields: (request.query as QueryBag).fields }, -1);
    return { [decl.member]: op.show(member(request), deps, caller(request), idOf(request), q.fields) };
  });

  app.put(`${base}/:id`, async (request) =>
    op.update(member(request), deps, caller(request), idOf(request), request.body, request.headers['if-match']),
  );

  app.delete(`${base}/:id`, async (request, reply) => {
    await op.remove(member(request), deps, caller(request), idOf(request), request.headers['if-match']);
    reply.code(204).send();
  });
}
