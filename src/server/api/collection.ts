/**
 * The generic operations every collection offers — list, show, create (single and bulk),
 * update, delete, and tags — in terms of a ResourceHandler. Each write is one store
 * transaction, so a failed request (bulk included) leaves the store as it was.
 */
import { QuarkError } from '../../model/errors.js';
import { tag as tagConvert } from '../../model/api/validators.js';
import { listOf } from '../../model/api/validators.js';
import type { Store, WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { Caller } from '../caller.js';
import type { PluginContext, Services } from '../plugin/context.js';
import { type Target, allowed, enforce, hasRule, policyAction } from '../policy.js';
import { enforceQuota } from '../plugin/quotas.js';
import { type ListQuery, type Page, type PageLink, matchesFilter, matchesTags, sortedPage } from './list-query.js';
import { indexedRecords, pageInOrder, visibleRecords } from './list-scan.js';
import { attributeRule, readableAttributes, renderRecord } from './render.js';
import { type AttributeValues, parseCreateBody, parseUpdateBody, resolveProject } from './request-body.js';
import { type AnyResourceHandler, policyMember } from './resource.js';

type AnyRecord = { id: string; project_id: string; tags?: readonly string[]; revision_number?: number };

export interface CollectionDeps {
  readonly store: Store;
  readonly services: Services;
}

export interface ListResult {
  /** The page's records, in order. */
  readonly records: readonly object[];
  /** A record of the page as the caller's list shows it, as JSON. */
  readonly render: (record: object) => string;
  /**
   * Whether `render` depends on nothing but the record (the kind has no attributes derived from
   * other records), so that it may run after the request's turn, with writes in between.
   */
  readonly renderLater: boolean;
  readonly next: PageLink | null;
  readonly previous: PageLink | null;
}

function context(deps: CollectionDeps, caller: Caller): PluginContext {
  return { ...deps.services, caller };
}

function visible(h: AnyResourceHandler, view: ReadView, caller: Caller, record: AnyRecord): boolean {
  return caller.isAdmin || allowed(policyAction(`get_${policyMember(h.declaration)}`), caller, h.target(view, record));
}

/** The record if it exists and the caller may see it; otherwise the resource's 404. */
export function findVisible(h: AnyResourceHandler, view: ReadView, caller: Caller, id: string): AnyRecord {
  const record = view.get(h.kind, id) as AnyRecord | undefined;
  if (!record || h.belongs?.(record) === false || !visible(h, view, caller, record)) throw h.notFound(id);
  return record;
}

export function render(
  h: AnyResourceHandler,
  services: Services,
  view: ReadView,
  caller: Caller,
  record: object,
  fields: readonly string[] | null = null,
) {
  const own = h.forCaller?.(view, record, caller) ?? null;
  const fromRecord = h.recordDerived?.(record, services);
  const base = fromRecord || h.derived ? { ...fromRecord, ...h.derived?.(view, record, services) } : undefined;
  const derived = own ? { ...base, ...own } : base;
  return renderRecord(record, derived, readableAttributes(h.declaration, caller), fields);
}

/**
 * Filtering or sorting by an attribute the caller may not read would reveal its values by what
 * matches (`?provider:segmentation_id=5330` answers with the network that has it), so for that
 * caller such a parameter is refused as for an attribute that does not exist. Neutron 21
 * filters by them (measured: a member's `GET /v2.0/networks?provider:segmentation_id=N` lists
 * exactly its network with that VNI); Quark deliberately does not.
 */
export function refuseUnreadable(h: AnyResourceHandler, caller: Caller, q: ListQuery): void {
  if (caller.isAdmin) return;
  const readable = new Set(readableAttributes(h.declaration, caller));
  for (const f of q.filters) {
    // A hidden filter-only attribute (a subnet's `shared`) shows nothing the caller cannot read.
    const filterOnly = h.declaration.attributes[f.name]?.visible === false;
    if (!readable.has(f.name) && !filterOnly) {
      throw new QuarkError('HTTPBadRequest', `['${f.name}'] is invalid attribute for filtering`);
    }
  }
  for (const s of q.sort) {
    if (!readable.has(s.key)) throw new QuarkError('HTTPBadRequest', `${s.key} is an invalid attribute for sort_key`);
  }
}

/** Runs the writes a list needs first, if any (see ResourceHandler.beforeList). */
export async function prepareList(h: AnyResourceHandler, deps: CollectionDeps, caller: Caller, q: ListQuery): Promise<void> {
  refuseUnreadable(h, caller, q);
  if (!h.beforeList) return;
  const filters = new Map(q.filters.map((f) => [f.name, f.values]));
  const ctx = context(deps, caller);
  if (h.beforeList(deps.store.view, ctx, filters) === null) return;
  await deps.store.write((tx) => h.beforeList!(tx, ctx, filters)?.(tx));
}

export function list(h: AnyResourceHandler, deps: CollectionDeps, caller: Caller, q: ListQuery): ListResult {
  const view = deps.store.view;
  const { services } = deps;
  const attributes = readableAttributes(h.declaration, caller);
  const needsDerived = h.derived !== undefined;
  // Per-caller attributes of the matched records (see ResourceHandler.forCaller).
  const own = new Map<AnyRecord, Record<string, unknown>>();
  const accept = (record: AnyRecord): boolean => {
    if (!visible(h, view, caller, record)) return false;
    if (!matchesTags(record.tags ?? [], q.tags)) return false;
    const mine = h.forCaller?.(view, record, caller) ?? null;
    for (const f of q.filters) {
      let ok: boolean;
      if (f.kind === 'custom') {
        ok = f.name === 'tags' || (h.filter?.(record, f.name, f.values, view, caller) ?? true);
      } else {
        const source = record as unknown as Record<string, unknown>;
        const value =
          f.name === 'tenant_id'
            ? record.project_id
            : mine && f.name in mine
              ? mine[f.name]
              : f.name in source
                ? source[f.name]
                : h.derived?.(view, record, services)[f.name];
        ok = matchesFilter(value, f);
      }
      if (!ok) return false;
    }
    if (mine) own.set(record, mine);
    return true;
  };
  const indexed = h.records
    ? null
    : ((indexedRecords(view, h.kind, q) ?? visibleRecords(view, h.kind, caller, h.visibleTo)) as AnyRecord[] | null);
  let page: Page<AnyRecord>;
  if (!h.records && !indexed && q.sort.length === 0 && q.limit !== null) {
    page = pageInOrder(view, h.kind, { ...q, limit: q.limit }, accept as (r: unknown) => boolean) as Page<AnyRecord>;
  } else {
    const matched = ((h.records?.(view) ?? indexed ?? view.all(h.kind)) as AnyRecord[]).filter(accept);
    const attributeOf = (r: AnyRecord, key: string) =>
      key === 'tenant_id'
        ? r.project_id
        : ((r as unknown as Record<string, unknown>)[key] ?? h.derived?.(view, r, services)[key]);
    page = sortedPage(matched, q, attributeOf, (r) => r.id);
  }
  return {
    records: page.items,
    // Rendered on every request: a cache of each record's JSON held a second, serialized copy of
    // every record listed once (112 MiB at 100,000 ports, BENCHMARKS.md "Scale").
    render: (record) => {
      const r = record as AnyRecord;
      const mine = own.get(r);
      const fromRecord = h.recordDerived?.(r as never, services);
      const derived = needsDerived ? { ...fromRecord, ...h.derived!(view, r, services) } : fromRecord;
      return JSON.stringify(renderRecord(r, mine ? { ...derived, ...mine } : derived, attributes, q.fields));
    },
    renderLater: !needsDerived,
    next: page.next,
    previous: page.previous,
  };
}

export function show(h: AnyResourceHandler, deps: CollectionDeps, caller: Caller, id: string, fields: readonly string[] | null) {
  const view = deps.store.view;
  return render(h, deps.services, view, caller, findVisible(h, view, caller, id), fields);
}

/**
 * Refuses attributes the caller's role may not set (`create_network:shared` …), as Neutron's
 * policy engine builds its match rule (neutron/policy.py `_build_match_rule`): on create an
 * attribute counts as set when its value differs from the declared default, on update whenever
 * the body names it; a list of dictionaries also checks `<action>:<attribute>:<key>` for each
 * key its items give (`create_port:fixed_ips:ip_address`) where such a rule exists.
 */
function enforceAttributes(
  h: AnyResourceHandler,
  verb: 'create' | 'update',
  caller: Caller,
  values: AttributeValues,
  target: Target,
) {
  const action = `${verb}_${policyMember(h.declaration)}`;
  for (const [name, value] of Object.entries(values)) {
    const fallback = h.declaration.attributes[name]?.default;
    if (verb === 'create' && fallback !== undefined && JSON.stringify(fallback) === JSON.stringify(value)) continue;
    const rule = attributeRule(action, name);
    if (!rule) continue;
    enforce(rule, caller, target);
    if (!Array.isArray(value)) continue;
    const keys = new Set(value.flatMap((item) => (typeof item === 'object' && item !== null ? Object.keys(item) : [])));
    for (const key of keys) {
      const keyRule = `${rule}:${key}`;
      if (hasRule(keyRule)) enforce(keyRule, caller, target);
    }
  }
}

/**
 * One create inside the request's transaction. The quota is checked here, against the
 * transaction's own view, so concurrent creates (and the items of one bulk request) are counted
 * one after the other and can never overshoot a limit. `createTarget` may settle the owner
 * (a rule belongs to its group's project).
 */
function createOne(h: AnyResourceHandler, tx: WriteTx, ctx: PluginContext, values: AttributeValues): AnyRecord {
  const requested = resolveProject(values, ctx.caller);
  const target = h.createTarget?.(tx, ctx, values, requested) ?? { projectId: requested };
  enforce(policyAction(`create_${policyMember(h.declaration)}`), ctx.caller, target);
  enforceAttributes(h, 'create', ctx.caller, values, target);
  if (h.quota) enforceQuota(tx, ctx, h.quota, target.projectId, 1);
  const created = h.create(tx, ctx, values, target.projectId) as AnyRecord;
  // Tags given on create (tag-creation), in the order given.
  const tags = values.tags as string[] | undefined;
  if (!tags || tags.length === 0) return created;
  const latest = (tx.get(h.kind, created.id) as AnyRecord | undefined) ?? created;
  return tx.put(h.kind, { ...latest, tags } as never) as AnyRecord;
}

export async function create(h: AnyResourceHandler, deps: CollectionDeps, caller: Caller, body: unknown) {
  const request = parseCreateBody(h.declaration, body);
  const ctx = context(deps, caller);
  const records = await deps.store.write((tx) => request.items.map((values) => createOne(h, tx, ctx, values)));
  const view = deps.store.view;
  const rendered = records.map((r) => render(h, deps.services, view, caller, view.get(h.kind, r.id) as AnyRecord));
  return request.bulk ? { [h.declaration.collection]: rendered } : { [h.declaration.member]: rendered[0] };
}

/** `If-Match: revision_number=N` makes an update or delete conditional, as Neutron's revision-if-match. */
function checkRevision(record: AnyRecord, ifMatch: string | undefined): void {
  if (!ifMatch) return;
  const m = /revision_number=(\d+)/.exec(ifMatch);
  if (m && Number(m[1]) !== record.revision_number) {
    throw new QuarkError(
      'RevisionNumberConstraintFailed',
      `Constrained to ${m[1]}, but current revision is ${record.revision_number}`,
    );
  }
}

export async function update(
  h: AnyResourceHandler,
  deps: CollectionDeps,
  caller: Caller,
  id: string,
  body: unknown,
  ifMatch?: string,
) {
  const values = parseUpdateBody(h.declaration, body);
  const ctx = context(deps, caller);
  const updated = await deps.store.write((tx) => {
    const record = findVisible(h, tx, caller, id);
    checkRevision(record, ifMatch);
    const target = h.target(tx, record, values);
    const rule = policyAction(`update_${policyMember(h.declaration)}`);
    if (h.updateReadTarget && !allowed(rule, caller, target)) {
      const readable = allowed(policyAction(`get_${policyMember(h.declaration)}`), caller, h.updateReadTarget(tx, record));
      if (!readable) throw h.notFound(id);
    }
    enforce(rule, caller, target);
    enforceAttributes(h, 'update', caller, values, target);
    return h.update(tx, ctx, record, values) as AnyRecord;
  });
  const view = deps.store.view;
  return { [h.declaration.member]: render(h, deps.services, view, caller, view.get(h.kind, updated.id) as AnyRecord) };
}

export async function remove(h: AnyResourceHandler, deps: CollectionDeps, caller: Caller, id: string, ifMatch?: string) {
  const ctx = context(deps, caller);
  await deps.store.write((tx) => {
    const record = findVisible(h, tx, caller, id);
    checkRevision(record, ifMatch);
    enforce(policyAction(`delete_${policyMember(h.declaration)}`), caller, h.target(tx, record));
    h.delete(tx, ctx, record);
  });
}

// Tags: every change is an update of the resource (its revision_number moves).

const tagNotFound = (tag: string) => new QuarkError('TagNotFound', `Tag ${tag} could not be found.`);

function writeTags(
  h: AnyResourceHandler,
  deps: CollectionDeps,
  caller: Caller,
  id: string,
  change: (tags: string[]) => string[],
) {
  return deps.store.write((tx) => {
    const record = findVisible(h, tx, caller, id);
    // A resource may have its own rule for tags (`update_policy:tags`), else tags are an update.
    const tagRule = `update_${policyMember(h.declaration)}:tags`;
    enforce(policyAction(hasRule(tagRule) ? tagRule : `update_${policyMember(h.declaration)}`), caller, h.target(tx, record));
    const before = record.tags ?? [];
    const tags = change([...before]);
    // Tags as they were (a tag added twice, all removed from none) write nothing, as in Neutron.
    if (tags.length === before.length && tags.every((t) => before.includes(t))) return tags;
    return (tx.put(h.kind, { ...record, tags } as never) as AnyRecord).tags ?? [];
  });
}

export function getTags(h: AnyResourceHandler, deps: CollectionDeps, caller: Caller, id: string) {
  return { tags: findVisible(h, deps.store.view, caller, id).tags ?? [] };
}

export function checkTag(h: AnyResourceHandler, deps: CollectionDeps, caller: Caller, id: string, tag: string): void {
  const tags = findVisible(h, deps.store.view, caller, id).tags ?? [];
  if (!tags.includes(tag)) throw tagNotFound(tag);
}

export async function addTag(h: AnyResourceHandler, deps: CollectionDeps, caller: Caller, id: string, tag: string) {
  const t = tagConvert(tag, 'tag');
  await writeTags(h, deps, caller, id, (tags) => (tags.includes(t) ? tags : [...tags, t]));
}

export async function replaceTags(h: AnyResourceHandler, deps: CollectionDeps, caller: Caller, id: string, body: unknown) {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('tags' in body))
    throw new QuarkError('InvalidInput', 'Invalid input for operation: Invalid tags body.');
  const tags = listOf(tagConvert)((body as { tags: unknown }).tags, 'tags');
  const duplicates = [...new Set(tags.filter((t, i) => tags.indexOf(t) !== i))];
  if (duplicates.length > 0)
    throw new QuarkError('InvalidInput', `Invalid input for operation: Duplicate items in the list: '${duplicates.join(', ')}'.`);
  return { tags: await writeTags(h, deps, caller, id, () => tags) };
}

export async function removeTag(h: AnyResourceHandler, deps: CollectionDeps, caller: Caller, id: string, tag: string | null) {
  await writeTags(h, deps, caller, id, (tags) => {
    if (tag === null) return [];
    if (!tags.includes(tag)) throw tagNotFound(tag);
    return tags.filter((t) => t !== tag);
  });
}
