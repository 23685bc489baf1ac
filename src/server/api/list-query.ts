/**
 * List requests: attribute filters (a repeated parameter means OR, different ones AND), tag
 * filters, `fields`, `sort_key`/`sort_dir` and `limit`/`marker`/`page_reverse`, checked against
 * the resource's declaration as Neutron's filter-validation extension does.
 */
import type { FilterKind, ResourceDeclaration } from '../../model/api/attribute.js';
import { bool, int } from '../../model/api/validators.js';
import { QuarkError } from '../../model/errors.js';

export type QueryBag = Readonly<Record<string, string | string[] | undefined>>;

export interface AttributeFilter {
  readonly name: string;
  readonly kind: FilterKind;
  readonly values: readonly string[];
}

export interface SortKey {
  readonly key: string;
  readonly dir: 'asc' | 'desc';
}

export interface ListQuery {
  readonly fields: readonly string[] | null;
  readonly filters: readonly AttributeFilter[];
  readonly tags: {
    readonly all?: readonly string[];
    readonly any?: readonly string[];
    readonly notAll?: readonly string[];
    readonly notAny?: readonly string[];
  };
  readonly sort: readonly SortKey[];
  readonly limit: number | null;
  readonly marker: string | null;
  readonly pageReverse: boolean;
}

const badRequest = (message: string) => new QuarkError('HTTPBadRequest', message);
const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const commaList = (v: string | string[] | undefined): string[] | undefined =>
  v === undefined
    ? undefined
    : asList(v)
        .flatMap((s) => s.split(','))
        .filter(Boolean);

const RESERVED = new Set([
  'fields',
  'sort_key',
  'sort_dir',
  'limit',
  'marker',
  'page_reverse',
  'tags',
  'tags-any',
  'not-tags',
  'not-tags-any',
]);

export function parseListQuery(decl: ResourceDeclaration, query: QueryBag, maxLimit: number): ListQuery {
  const filters: AttributeFilter[] = [];
  for (const [name, raw] of Object.entries(query)) {
    if (RESERVED.has(name)) continue;
    const kind = decl.attributes[name]?.filter;
    if (!kind) throw badRequest(`['${name}'] is invalid attribute for filtering`);
    const values = asList(raw);
    for (const v of values) {
      if (kind === 'boolean') bool(v, name);
      if (kind === 'integer') int()(v, name);
    }
    filters.push({ name, kind, values });
  }
  const keys = asList(query.sort_key);
  const dirs = asList(query.sort_dir);
  if (dirs.length > 0 && dirs.length !== keys.length) throw badRequest('The number of sort_keys and sort_dirs must be same');
  const sort = keys.map((key, i) => {
    if (!decl.attributes[key]?.sort) throw badRequest(`${key} is an invalid attribute for sort_key`);
    const dir = dirs[i] ?? 'asc';
    if (dir !== 'asc' && dir !== 'desc')
      throw badRequest(`${dir} is an invalid value for sort_dir, valid values are 'asc' and 'desc'`);
    return { key, dir } as const;
  });
  let limit: number | null = null;
  const limitText = asList(query.limit)[0];
  if (limitText !== undefined) {
    if (!/^\d+$/.test(limitText)) throw badRequest(`Limit must be an integer 0 or greater and not '${limitText}'`);
    limit = Number(limitText);
    if (limit === 0) limit = null;
  }
  if (maxLimit > 0 && (limit === null || limit > maxLimit)) limit = maxLimit;
  const fields = asList(query.fields)
    .flatMap((f) => f.split(','))
    .filter(Boolean);
  return {
    fields: fields.length > 0 ? fields : null,
    filters,
    tags: {
      all: commaList(query.tags),
      any: commaList(query['tags-any']),
      notAll: commaList(query['not-tags']),
      notAny: commaList(query['not-tags-any']),
    },
    sort,
    limit,
    marker: asList(query.marker)[0] ?? null,
    // Neutron: page_reverse is on for 'true' in any case, off for anything else.
    pageReverse: (asList(query.page_reverse)[0] ?? '').toLowerCase() === 'true',
  };
}

/** Does `value` (an attribute of a record) pass `filter`? */
export function matchesFilter(value: unknown, filter: AttributeFilter): boolean {
  switch (filter.kind) {
    case 'boolean':
      return filter.values.some((v) => bool(v, filter.name) === value);
    case 'integer':
      return filter.values.some((v) => Number(v) === value);
    case 'contains':
      return Array.isArray(value) && filter.values.some((v) => value.includes(v));
    case 'string':
      return filter.values.some((v) => (value === null ? v === '' : String(value) === v));
    case 'custom':
      return true;
  }
}

export function matchesTags(tags: readonly string[], q: ListQuery['tags']): boolean {
  if (q.all && !q.all.every((t) => tags.includes(t))) return false;
  if (q.any && !q.any.some((t) => tags.includes(t))) return false;
  if (q.notAll && q.notAll.length > 0 && q.notAll.every((t) => tags.includes(t))) return false;
  if (q.notAny?.some((t) => tags.includes(t))) return false;
  return true;
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : 1;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a ? 1 : -1;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The order of the requested keys, with the id as the last key so pages are stable. */
function compareBy<T>(sort: readonly SortKey[], attributeOf: (item: T, key: string) => unknown): (x: T, y: T) => number {
  if (sort.length === 0) return () => 0;
  const keys = sort.some((s) => s.key === 'id') ? sort : [...sort, { key: 'id', dir: sort[0]!.dir }];
  return (x, y) => {
    for (const { key, dir } of keys) {
      const c = compareValues(attributeOf(x, key), attributeOf(y, key));
      if (c !== 0) return dir === 'asc' ? c : -c;
    }
    return 0;
  };
}

/** Sorts by the requested keys, with the id as the last key so pages are stable. */
export function sortRecords<T extends { id?: string }>(
  items: T[],
  sort: readonly SortKey[],
  attributeOf: (item: T, key: string) => unknown,
): T[] {
  if (sort.length === 0) return items;
  return items.sort(compareBy(sort, attributeOf));
}

/** A link to a neighbouring page: the marker to put in it, none on an empty page. */
export interface PageLink {
  readonly marker: string | null;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly next: PageLink | null;
  readonly previous: PageLink | null;
}

/**
 * Cuts one page out of the sorted list, as Neutron's api_common.py does: without a limit there
 * is no paging (a marker alone is ignored) and no link; with one, `next` is left out only when a
 * forward page came out short, `previous` only when a reverse page did. A link's marker is the
 * page's last (next) or first (previous) item; an empty page links without a marker, so the
 * `previous` of the empty page after the last one leads back to the last page.
 */
export function paginate<T>(items: readonly T[], q: ListQuery, idOf: (item: T) => string): Page<T> {
  if (q.limit === null) return { items, next: null, previous: null };
  const at = q.marker === null ? -1 : items.findIndex((i) => idOf(i) === q.marker);
  let page: readonly T[];
  if (q.pageReverse) {
    const end = at < 0 ? items.length : at;
    page = items.slice(Math.max(0, end - q.limit), end);
  } else {
    const start = at < 0 ? 0 : at + 1;
    page = items.slice(start, start + q.limit);
  }
  return pageOf(page, { limit: q.limit, pageReverse: q.pageReverse }, idOf);
}

/** A page already cut (at most `q.limit` items) with its links, by paginate's rules. */
export function pageOf<T>(
  page: readonly T[],
  q: { readonly limit: number; readonly pageReverse: boolean },
  idOf: (item: T) => string,
): Page<T> {
  const short = page.length < q.limit;
  const first = page[0];
  const last = page[page.length - 1];
  return {
    items: page,
    next: short && !q.pageReverse ? null : { marker: last ? idOf(last) : null },
    previous: short && q.pageReverse ? null : { marker: first ? idOf(first) : null },
  };
}

/**
 * The page `paginate(sortRecords(items, …), q, idOf)` gives, without sorting every item: the
 * `q.limit` items nearest after the marker in sort order (before it with page_reverse) are
 * kept in a buffer of that size while the items pass once. Sorting is stable, so items the keys
 * do not tell apart keep the order of `items`; the buffer keeps it too.
 */
export function sortedPage<T extends { id?: string }>(
  items: readonly T[],
  q: ListQuery,
  attributeOf: (item: T, key: string) => unknown,
  idOf: (item: T) => string,
): Page<T> {
  if (q.limit === null) return paginate(sortRecords([...items], q.sort, attributeOf), q, idOf);
  const compare = compareBy(q.sort, attributeOf);
  const markerAt = q.marker === null ? -1 : items.findIndex((i) => idOf(i) === q.marker);
  const marker = items[markerAt];
  const limit = q.limit;
  const page: T[] = [];
  // Where `item` goes among equals: after them, since it comes later in `items`.
  const place = (item: T) => {
    let lo = 0;
    let hi = page.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(item, page[mid]!) < 0) hi = mid;
      else lo = mid + 1;
    }
    page.splice(lo, 0, item);
  };
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (marker !== undefined) {
      const c = compare(item, marker);
      const after = c > 0 || (c === 0 && i > markerAt);
      const before = c < 0 || (c === 0 && i < markerAt);
      if (q.pageReverse ? !before : !after) continue;
    }
    if (page.length < limit) place(item);
    else if (!q.pageReverse && compare(item, page[page.length - 1]!) < 0) {
      place(item);
      page.pop();
    } else if (q.pageReverse && compare(item, page[0]!) >= 0) {
      place(item);
      page.shift();
    }
  }
  return pageOf(page, { limit, pageReverse: q.pageReverse }, idOf);
}
