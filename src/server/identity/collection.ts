/**
 * The identity collections (domains, projects, users, roles) as declarations, like the Neutron
 * resources: each says its body schemas, its list filters, how a record is made and changed,
 * and what a delete takes with it; one function serves every collection's list, show, create,
 * update and delete with Keystone's policy actions, envelopes and errors.
 */
import type { Static, TObject } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import type { KindRecords } from '../../store/kinds.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { Caller } from '../caller.js';
import type { Target } from '../policy.js';
import { parseMember } from './body.js';
import { type IdentityDeps, apiBase, callerOf, enforceIdentity, listBody, newIdentityId, queryBool, queryValue } from './http.js';

export type IdentityKind = 'domain' | 'project' | 'user' | 'role';

/** A list filter: the query parameter compares to this value of each record (booleans as Keystone reads them). */
export interface ListFilter<R> {
  readonly value: (record: R) => unknown;
  readonly boolean?: true;
}

export interface IdentityCollection<K extends IdentityKind, C extends TObject, U extends TObject> {
  readonly kind: K;
  /** The URL segment and list key: `domains`. */
  readonly collection: `${K}s`;
  readonly createSchema: C;
  readonly updateSchema: U;
  readonly filters: Readonly<Record<string, ListFilter<KindRecords[K]>>>;
  /** Keystone's 404 for an id that does not exist: "Could not find domain: …". */
  notFound(id: string): QuarkError;
  render(record: KindRecords[K], base: string): object;
  /** The policy target of a record's show, update and delete. */
  target(id: string): Target;
  /** The policy target of a create, when it depends on the body (the new project's domain). */
  createTarget?(values: Static<C>, caller: Caller): Target;
  /** Where a record's name must be unique, and Keystone's words when it is not. */
  readonly uniqueName: {
    readonly index: 'name';
    readonly key: (record: KindRecords[K]) => string;
    readonly conflict: (record: KindRecords[K]) => string;
  };
  /** Work done before the transaction, on create and update: users hash a new password (scrypt is slow). */
  prepare?(values: Static<C> | Static<U>): Promise<Partial<KindRecords[K]>>;
  /** The new record, inside the create's transaction (which also checks the records it names). */
  create(tx: WriteTx, values: Static<C>, made: Made<K>): KindRecords[K];
  update(tx: WriteTx, record: KindRecords[K], values: Static<U>, prepared: Partial<KindRecords[K]>): KindRecords[K];
  /** Refuses a delete Keystone refuses (the default domain, an enabled domain). */
  checkDelete?(record: KindRecords[K]): void;
  /** The delete with its cascade (cascades.ts). */
  delete(tx: WriteTx, record: KindRecords[K]): void;
}

/** What a create gets besides the body. */
export interface Made<K extends IdentityKind> {
  readonly id: string;
  readonly caller: Caller;
  readonly prepared: Partial<KindRecords[K]>;
}

type IdParams = { id: string };

export function getRecord<K extends IdentityKind, C extends TObject, U extends TObject>(
  c: IdentityCollection<K, C, U>,
  view: ReadView,
  id: string,
): KindRecords[K] {
  const record = view.get(c.kind, id);
  if (!record) throw c.notFound(id);
  return record;
}

function checkUnique<K extends IdentityKind, C extends TObject, U extends TObject>(
  c: IdentityCollection<K, C, U>,
  tx: WriteTx,
  record: KindRecords[K],
): void {
  if (tx.by(c.kind, c.uniqueName.index, c.uniqueName.key(record)).some((r) => r.id !== record.id)) {
    throw new QuarkError('Conflict', c.uniqueName.conflict(record));
  }
}

export function registerIdentityCollection<K extends IdentityKind, C extends TObject, U extends TObject>(
  app: FastifyInstance,
  deps: IdentityDeps,
  prefix: string,
  c: IdentityCollection<K, C, U>,
): void {
  const base = (request: FastifyRequest) => apiBase(request, deps.config, prefix);
  const action = <V extends 'get' | 'create' | 'update' | 'delete'>(verb: V) => `identity:${verb}_${c.kind}` as const;
  const path = `/${c.collection}`;

  app.get(path, async (request) => {
    enforceIdentity(`identity:list_${c.collection}`, callerOf(request));
    const wanted = Object.entries(c.filters).map(
      ([key, f]) => [f.boolean ? queryBool(request.query, key) : queryValue(request.query, key), f.value] as const,
    );
    const records = deps.store.view
      .all(c.kind)
      .filter((r) => wanted.every(([want, value]) => want === undefined || value(r) === want));
    return listBody(
      c.collection,
      records.map((r) => c.render(r, base(request))),
      `${base(request)}${path}`,
    );
  });

  app.get<{ Params: IdParams }>(`${path}/:id`, async (request) => {
    enforceIdentity(action('get'), callerOf(request), c.target(request.params.id));
    return { [c.kind]: c.render(getRecord(c, deps.store.view, request.params.id), base(request)) };
  });

  app.post(path, async (request, reply) => {
    const caller = callerOf(request);
    if (!c.createTarget) enforceIdentity(action('create'), caller);
    const values = parseMember(request.body, c.kind, c.createSchema);
    if (c.createTarget) enforceIdentity(action('create'), caller, c.createTarget(values, caller));
    const prepared = (await c.prepare?.(values)) ?? {};
    const made = { id: newIdentityId(deps.services), caller, prepared };
    const record = await deps.store.write((tx) => {
      const created = c.create(tx, values, made);
      checkUnique(c, tx, created);
      if (tx.get(c.kind, created.id)) {
        throw new QuarkError('Conflict', `Conflict occurred attempting to store ${c.kind} - Duplicate ID, ${created.id}.`);
      }
      return tx.put(c.kind, created);
    });
    reply.code(201);
    return { [c.kind]: c.render(record, base(request)) };
  });

  app.patch<{ Params: IdParams }>(`${path}/:id`, async (request) => {
    enforceIdentity(action('update'), callerOf(request), c.target(request.params.id));
    const values = parseMember(request.body, c.kind, c.updateSchema);
    const prepared = (await c.prepare?.(values)) ?? {};
    const updated = await deps.store.write((tx) => {
      const next = c.update(tx, getRecord(c, tx, request.params.id), values, prepared);
      checkUnique(c, tx, next);
      return tx.put(c.kind, next);
    });
    return { [c.kind]: c.render(updated, base(request)) };
  });

  app.delete<{ Params: IdParams }>(`${path}/:id`, async (request, reply) => {
    enforceIdentity(action('delete'), callerOf(request), c.target(request.params.id));
    await deps.store.write((tx) => {
      const record = getRecord(c, tx, request.params.id);
      c.checkDelete?.(record);
      c.delete(tx, record);
    });
    reply.code(204).send();
  });
}
