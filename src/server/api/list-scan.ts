/**
 * Which records a list request looks at. The view keeps each kind in the order its records were
 * first written (CommittedView.ordered), which is the order of a list without sort keys, so:
 * - a filter on an attribute that a store index holds (a port's `network_id`, `device_id` …)
 *   looks only at the records under the filter's values, put back in the view's order;
 * - a page without sort keys is read from its marker on and stops once it is full, where
 *   sorting and cutting the whole list would cost every record of the kind on every page;
 * - a project member looks only at the records its project owns or is given (visibleRecords),
 *   where reading in order would pass over every other project's records first.
 * Both give exactly the records and links the whole scan gives (list-query.ts `paginate`).
 */
import type { IndexName, Kind, KindRecords } from '../../store/kinds.js';
import type { CommittedView, ReadView } from '../../store/view.js';
import type { Caller } from '../caller.js';
import { type ListQuery, type Page, pageOf } from './list-query.js';

/**
 * Filters a store index answers: attribute → index. Each index here keys a record by exactly
 * that attribute's value (and holds no key for an empty value, hence only non-empty values).
 */
const INDEXED_FILTERS: { readonly [K in Kind]?: Readonly<Record<string, IndexName<K>>> } = {
  network: { project_id: 'project', tenant_id: 'project' },
  subnet: { network_id: 'network', project_id: 'project', tenant_id: 'project', subnetpool_id: 'subnetpool' },
  port: {
    network_id: 'network',
    project_id: 'project',
    tenant_id: 'project',
    device_id: 'device',
    'binding:host_id': 'host',
  },
  router: { project_id: 'project', tenant_id: 'project' },
  floatingip: {
    project_id: 'project',
    tenant_id: 'project',
    port_id: 'port',
    router_id: 'router',
    floating_network_id: 'network',
  },
  security_group: { project_id: 'project', tenant_id: 'project' },
  security_group_rule: { security_group_id: 'group', remote_group_id: 'remoteGroup' },
};

/**
 * The records under the values of the most selective indexed filter, in the view's order; null
 * when no filter of the query has an index (the caller then looks at every record).
 */
export function indexedRecords<K extends Kind>(view: CommittedView, kind: K, q: ListQuery): KindRecords[K][] | null {
  const indexes = INDEXED_FILTERS[kind] as Readonly<Record<string, IndexName<K>>> | undefined;
  if (!indexes) return null;
  let best: KindRecords[K][] | null = null;
  for (const f of q.filters) {
    const index = indexes[f.name];
    if (!index || f.kind !== 'string' || f.values.some((v) => v === '')) continue;
    const found = new Set<KindRecords[K]>();
    for (const value of f.values) for (const r of view.by(kind, index, value)) found.add(r);
    if (best === null || found.size < best.length) best = [...found];
  }
  return best === null ? null : inViewOrder(view, kind, best);
}

function inViewOrder<K extends Kind>(view: CommittedView, kind: K, records: KindRecords[K][]): KindRecords[K][] {
  const at = (r: KindRecords[K]) => view.positionOf(kind, (r as { id: string }).id) ?? 0;
  return records.sort((a, b) => at(a) - at(b));
}

/**
 * The records a caller who is not an admin may see, in the view's order, from the kind's
 * `visibleTo` (its own project's records and those others share with it); null for an admin,
 * a kind without it, or a caller who may see so large a part of the kind that reading it in
 * order finds a page sooner (more than one record in eight).
 */
export function visibleRecords<K extends Kind>(
  view: CommittedView,
  kind: K,
  caller: Caller,
  visibleTo: ((view: ReadView, projectId: string) => Iterable<KindRecords[K]>) | undefined,
): KindRecords[K][] | null {
  if (caller.isAdmin || !visibleTo) return null;
  const found = new Set(caller.projectId === null ? [] : visibleTo(view, caller.projectId));
  if (found.size * 8 > view.size(kind)) return null;
  return inViewOrder(view, kind, [...found]);
}

/**
 * One page of a list without sort keys, read from the view in order: the records after the
 * marker (before it with page_reverse) that `accept` lets through, until `q.limit` of them. A
 * marker that names no record `accept` lets through pages from the start (the end in reverse),
 * as paginate does with a marker that is not in the list.
 */
export function pageInOrder<K extends Kind>(
  view: CommittedView,
  kind: K,
  q: ListQuery & { readonly limit: number },
  accept: (record: KindRecords[K]) => boolean,
): Page<KindRecords[K]> {
  const slots = view.ordered(kind);
  const markerAt = q.marker === null ? undefined : view.positionOf(kind, q.marker);
  const at = markerAt !== undefined && accept(slots[markerAt]!) ? markerAt : -1;
  const items: KindRecords[K][] = [];
  if (q.pageReverse) {
    for (let i = (at < 0 ? slots.length : at) - 1; i >= 0 && items.length < q.limit; i--) {
      const r = slots[i];
      if (r !== undefined && accept(r)) items.push(r);
    }
    items.reverse();
  } else {
    for (let i = at + 1; i < slots.length && items.length < q.limit; i++) {
      const r = slots[i];
      if (r !== undefined && accept(r)) items.push(r);
    }
  }
  return pageOf(items, q, (r) => (r as { id: string }).id);
}
