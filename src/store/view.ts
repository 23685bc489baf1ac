/**
 * The store's in-memory view of every record, with secondary indexes. Reads are served from it;
 * writes go through an Overlay (a transaction) that is persisted first and merged into the view
 * only after the database committed, so a failed write leaves both exactly as they were.
 */
import { type AnyRecord, type IndexName, KINDS, KIND_NAMES, type Kind, type KindRecords, recordId } from './kinds.js';

export interface ReadView {
  /** Global revision of the last transaction this view contains. */
  readonly revision: number;
  get<K extends Kind>(kind: K, id: string): KindRecords[K] | undefined;
  all<K extends Kind>(kind: K): readonly KindRecords[K][];
  /** Records whose index `index` has `key` (see KINDS for each kind's indexes). */
  by<K extends Kind>(kind: K, index: IndexName<K>, key: string): readonly KindRecords[K][];
  /** How many records `by` would give, without building them: quotas and in-use checks. */
  count<K extends Kind>(kind: K, index: IndexName<K>, key: string): number;
  size(kind: Kind): number;
}

/** The committed view, as the store hands it to readers: also in order, for paged lists. */
export interface CommittedView extends ReadView {
  /**
   * The records of `kind` in the order of `all()`, with holes (undefined) where records were
   * deleted; the array is never changed afterwards.
   */
  ordered<K extends Kind>(kind: K): readonly (KindRecords[K] | undefined)[];
  /** Where the record `id` is in `ordered(kind)`, or undefined when there is none. */
  positionOf(kind: Kind, id: string): number | undefined;
}

/**
 * Ids by index key. Most keys name one record (an address, a MAC, a device), so a lone id is held
 * as the string itself and becomes a set only when a second record shares the key: a one-entry
 * Set per port and per unique key would cost more than the port record.
 */
type IdIndex = Map<string, string | Set<string>>;

function addId(index: IdIndex, key: string, id: string): void {
  const held = index.get(key);
  if (held === undefined) index.set(key, id);
  else if (typeof held === 'string') {
    if (held !== id) index.set(key, new Set([held, id]));
  } else held.add(id);
}

function removeId(index: IdIndex, key: string, id: string): void {
  const held = index.get(key);
  if (held === id) index.delete(key);
  else if (typeof held === 'object') {
    held.delete(id);
    if (held.size === 1) index.set(key, held.values().next().value!);
  }
}

function countOf(held: string | Set<string> | undefined): number {
  return held === undefined ? 0 : typeof held === 'string' ? 1 : held.size;
}

function idsOf(held: string | Set<string> | undefined): readonly string[] | ReadonlySet<string> | undefined {
  return typeof held === 'string' ? [held] : held;
}

/**
 * One kind's records in the order they were first written (as a Map keeps it: an update stays in
 * place, a record deleted and written again goes to the end), with each record's position, so a
 * page after a marker starts where the marker is instead of at the start.
 *
 * `slots` may hold holes where records were deleted; they are closed once they are many.
 * `all()` hands out a dense array that is never changed afterwards (a caller may keep it): the
 * table copies before writing into an array it handed out.
 */
class KindTable {
  private readonly position = new Map<string, number>();
  private slots: (AnyRecord | undefined)[] = [];
  private holes = 0;
  /** `slots` was handed out (as is, or as the dense list when there are no holes). */
  private shared = false;
  private dense: AnyRecord[] | null = null;
  readonly indexes = new Map<string, IdIndex>();

  constructor(readonly kind: Kind) {
    for (const name of Object.keys(KINDS[kind].indexes)) this.indexes.set(name, new Map());
  }

  get size(): number {
    return this.position.size;
  }

  get(id: string): AnyRecord | undefined {
    const at = this.position.get(id);
    return at === undefined ? undefined : this.slots[at];
  }

  /** Where `id` is in `ordered()`, or undefined. */
  positionOf(id: string): number | undefined {
    return this.position.get(id);
  }

  /** The records in order, with holes (undefined) where records were deleted; never changed afterwards. */
  ordered(): readonly (AnyRecord | undefined)[] {
    this.shared = true;
    return this.slots;
  }

  all(): readonly AnyRecord[] {
    if (this.holes === 0) return this.ordered() as readonly AnyRecord[];
    this.dense ??= this.slots.filter((r) => r !== undefined);
    return this.dense;
  }

  put(record: AnyRecord): void {
    const id = recordId(this.kind, record);
    const at = this.position.get(id);
    this.writable();
    if (at === undefined) {
      this.position.set(id, this.slots.length);
      this.slots.push(record);
    } else {
      this.unindex(id, this.slots[at]!);
      this.slots[at] = record;
    }
    this.index(id, record);
  }

  delete(id: string): void {
    const at = this.position.get(id);
    if (at === undefined) return;
    this.writable();
    this.unindex(id, this.slots[at]!);
    this.position.delete(id);
    this.slots[at] = undefined;
    this.holes++;
    if (this.holes > 64 && this.holes > this.slots.length / 4) this.compact();
  }

  /** Empties the table (a reload). */
  clear(): void {
    this.position.clear();
    this.slots = [];
    this.holes = 0;
    this.shared = false;
    this.dense = null;
    for (const index of this.indexes.values()) index.clear();
  }

  private writable(): void {
    this.dense = null;
    if (!this.shared) return;
    this.slots = this.slots.slice();
    this.shared = false;
  }

  private compact(): void {
    const slots: AnyRecord[] = [];
    for (const r of this.slots) {
      if (r === undefined) continue;
      this.position.set(recordId(this.kind, r), slots.length);
      slots.push(r);
    }
    this.slots = slots;
    this.holes = 0;
  }

  private index(id: string, record: AnyRecord): void {
    forEachKey(this.kind, record, (name, key) => addId(this.indexes.get(name)!, key, id));
  }

  private unindex(id: string, record: AnyRecord): void {
    forEachKey(this.kind, record, (name, key) => removeId(this.indexes.get(name)!, key, id));
  }
}

function forEachKey(kind: Kind, record: AnyRecord, fn: (index: string, key: string) => void): void {
  const indexes = KINDS[kind].indexes as Record<string, (r: AnyRecord) => readonly string[]>;
  for (const [name, keysOf] of Object.entries(indexes)) for (const key of keysOf(record)) fn(name, key);
}

/** The committed state. Only the Store mutates it, and only with committed overlays. */
export class MemoryView implements CommittedView {
  revision = 0;
  private readonly tables = new Map<Kind, KindTable>(KIND_NAMES.map((k) => [k, new KindTable(k)]));

  table(kind: Kind): KindTable {
    return this.tables.get(kind)!;
  }

  get<K extends Kind>(kind: K, id: string): KindRecords[K] | undefined {
    return this.table(kind).get(id) as KindRecords[K] | undefined;
  }

  all<K extends Kind>(kind: K): readonly KindRecords[K][] {
    return this.table(kind).all() as KindRecords[K][];
  }

  by<K extends Kind>(kind: K, index: IndexName<K>, key: string): readonly KindRecords[K][] {
    const t = this.table(kind);
    const held = t.indexes.get(index)?.get(key);
    if (held === undefined) return [];
    if (typeof held === 'string') return [t.get(held) as KindRecords[K]];
    return [...held].map((id) => t.get(id) as KindRecords[K]);
  }

  count<K extends Kind>(kind: K, index: IndexName<K>, key: string): number {
    return countOf(this.table(kind).indexes.get(index)?.get(key));
  }

  ids<K extends Kind>(kind: K, index: IndexName<K>, key: string): readonly string[] | ReadonlySet<string> | undefined {
    return idsOf(this.table(kind).indexes.get(index)?.get(key));
  }

  size(kind: Kind): number {
    return this.table(kind).size;
  }

  ordered<K extends Kind>(kind: K): readonly (KindRecords[K] | undefined)[] {
    return this.table(kind).ordered() as readonly (KindRecords[K] | undefined)[];
  }

  positionOf(kind: Kind, id: string): number | undefined {
    return this.table(kind).positionOf(id);
  }

  apply(changes: readonly Change[], revision: number): void {
    for (const c of changes) {
      if (c.op === 'delete') this.table(c.kind).delete(c.id);
      else this.table(c.kind).put(c.record!);
    }
    this.revision = revision;
  }
}

export interface Change {
  readonly kind: Kind;
  readonly id: string;
  readonly op: 'put' | 'delete';
  /** The new record for `put`, the last record for `delete`. */
  readonly record: AnyRecord | null;
}

/** A change as the change log keeps it: under the revision of the transaction that made it. */
export interface CommittedChange extends Change {
  readonly revision: number;
}

/**
 * A transaction's private changes over the committed view. Reads see the changes; the change
 * list keeps the order of the writes, which is the order agents will apply them in.
 */
export class Overlay implements ReadView {
  private readonly changed = new Map<Kind, Map<string, AnyRecord | null>>();
  private readonly overlayIndexes = new Map<Kind, Map<string, IdIndex>>();
  private readonly log: Change[] = [];

  constructor(private readonly base: MemoryView) {}

  get revision(): number {
    return this.base.revision;
  }

  get changes(): readonly Change[] {
    return this.log;
  }

  get<K extends Kind>(kind: K, id: string): KindRecords[K] | undefined {
    const c = this.changed.get(kind);
    if (c?.has(id)) return (c.get(id) ?? undefined) as KindRecords[K] | undefined;
    return this.base.get(kind, id);
  }

  all<K extends Kind>(kind: K): readonly KindRecords[K][] {
    const c = this.changed.get(kind);
    if (!c) return this.base.all(kind);
    const out = this.base.all(kind).filter((r) => !c.has(recordId(kind, r)));
    for (const r of c.values()) if (r) out.push(r as KindRecords[K]);
    return out;
  }

  by<K extends Kind>(kind: K, index: IndexName<K>, key: string): readonly KindRecords[K][] {
    const c = this.changed.get(kind);
    if (!c) return this.base.by(kind, index, key);
    const out: KindRecords[K][] = [];
    for (const id of this.base.ids(kind, index, key) ?? []) {
      if (!c.has(id)) out.push(this.base.get(kind, id)!);
    }
    const keysOf = (KINDS[kind].indexes as Record<string, (r: AnyRecord) => readonly string[]>)[index]!;
    for (const id of idsOf(this.overlayIndexes.get(kind)?.get(index)?.get(key)) ?? []) {
      // The overlay index only grows; a record updated within the transaction may have left the key.
      const r = c.get(id);
      if (r && keysOf(r).includes(key)) out.push(r as KindRecords[K]);
    }
    return out;
  }

  count<K extends Kind>(kind: K, index: IndexName<K>, key: string): number {
    const c = this.changed.get(kind);
    let n = this.base.count(kind, index, key);
    if (!c) return n;
    const keysOf = (KINDS[kind].indexes as Record<string, (r: AnyRecord) => readonly string[]>)[index]!;
    const has = (r: AnyRecord | null | undefined) => (r ? keysOf(r).includes(key) : false);
    for (const [id, r] of c) n += Number(has(r)) - Number(has(this.base.get(kind, id)));
    return n;
  }

  size(kind: Kind): number {
    const c = this.changed.get(kind);
    if (!c) return this.base.size(kind);
    let n = this.base.size(kind);
    for (const [id, r] of c) {
      const inBase = this.base.get(kind, id) !== undefined;
      if (inBase && !r) n--;
      else if (!inBase && r) n++;
    }
    return n;
  }

  put<K extends Kind>(kind: K, record: KindRecords[K]): void {
    const id = recordId(kind, record);
    this.changedOf(kind).set(id, record);
    const idx = this.indexesOf(kind);
    forEachKey(kind, record, (name, key) => addId(idx.get(name)!, key, id));
    this.log.push({ kind, id, op: 'put', record });
  }

  delete(kind: Kind, id: string): void {
    const last = this.get(kind, id);
    if (!last) return;
    this.changedOf(kind).set(id, null);
    this.log.push({ kind, id, op: 'delete', record: last });
  }

  /**
   * The net effect per record, what must be persisted: one change per record touched, placed at
   * its last write (a record written, then others, then again appears after the others). The
   * list is thus the order in which records reached their final state. Its consumers (the
   * view, the change log, agents' replicas) apply one revision's changes as a whole, so the
   * order decides nothing but how the change log reads.
   */
  netChanges(): Change[] {
    const seen = new Map<string, Change>();
    for (const c of this.log) {
      const key = `${c.kind}\0${c.id}`;
      seen.delete(key);
      seen.set(key, c);
    }
    return [...seen.values()];
  }

  private changedOf(kind: Kind): Map<string, AnyRecord | null> {
    let c = this.changed.get(kind);
    if (!c) {
      c = new Map();
      this.changed.set(kind, c);
    }
    return c;
  }

  private indexesOf(kind: Kind): Map<string, IdIndex> {
    let idx = this.overlayIndexes.get(kind);
    if (!idx) {
      idx = new Map(Object.keys(KINDS[kind].indexes).map((n) => [n, new Map()]));
      this.overlayIndexes.set(kind, idx);
    }
    return idx;
  }
}
