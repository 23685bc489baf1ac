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
  size(kind: Kind): number;
}

type IdIndex = Map<string, Set<string>>;

class KindTable {
  readonly records = new Map<string, AnyRecord>();
  readonly indexes = new Map<string, IdIndex>();
  private cachedAll: AnyRecord[] | null = null;

  constructor(readonly kind: Kind) {
    for (const name of Object.keys(KINDS[kind].indexes)) this.indexes.set(name, new Map());
  }

  all(): readonly AnyRecord[] {
    this.cachedAll ??= [...this.records.values()];
    return this.cachedAll;
  }

  put(record: AnyRecord): void {
    const id = recordId(this.kind, record);
    const old = this.records.get(id);
    if (old) this.unindex(id, old);
    this.records.set(id, record);
    this.index(id, record);
    this.cachedAll = null;
  }

  delete(id: string): void {
    const old = this.records.get(id);
    if (!old) return;
    this.unindex(id, old);
    this.records.delete(id);
    this.cachedAll = null;
  }

  private index(id: string, record: AnyRecord): void {
    forEachKey(this.kind, record, (name, key) => {
      const idx = this.indexes.get(name)!;
      const set = idx.get(key);
      if (set) set.add(id);
      else idx.set(key, new Set([id]));
    });
  }

  private unindex(id: string, record: AnyRecord): void {
    forEachKey(this.kind, record, (name, key) => {
      const idx = this.indexes.get(name)!;
      const set = idx.get(key);
      set?.delete(id);
      if (set?.size === 0) idx.delete(key);
    });
  }
}

function forEachKey(kind: Kind, record: AnyRecord, fn: (index: string, key: string) => void): void {
  const indexes = KINDS[kind].indexes as Record<string, (r: AnyRecord) => readonly string[]>;
  for (const [name, keysOf] of Object.entries(indexes)) for (const key of keysOf(record)) fn(name, key);
}

/** The committed state. Only the Store mutates it, and only with committed overlays. */
export class MemoryView implements ReadView {
  revision = 0;
  private readonly tables = new Map<Kind, KindTable>(KIND_NAMES.map((k) => [k, new KindTable(k)]));

  table(kind: Kind): KindTable {
    return this.tables.get(kind)!;
  }

  get<K extends Kind>(kind: K, id: string): KindRecords[K] | undefined {
    return this.table(kind).records.get(id) as KindRecords[K] | undefined;
  }

  all<K extends Kind>(kind: K): readonly KindRecords[K][] {
    return this.table(kind).all() as KindRecords[K][];
  }

  by<K extends Kind>(kind: K, index: IndexName<K>, key: string): readonly KindRecords[K][] {
    const t = this.table(kind);
    const ids = t.indexes.get(index)?.get(key);
    if (!ids) return [];
    return [...ids].map((id) => t.records.get(id) as KindRecords[K]);
  }

  ids<K extends Kind>(kind: K, index: IndexName<K>, key: string): ReadonlySet<string> | undefined {
    return this.table(kind).indexes.get(index)?.get(key);
  }

  size(kind: Kind): number {
    return this.table(kind).records.size;
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
    for (const id of this.overlayIndexes.get(kind)?.get(index)?.get(key) ?? []) {
      // The overlay index only grows; a record updated within the transaction may have left the key.
      const r = c.get(id);
      if (r && keysOf(r).includes(key)) out.push(r as KindRecords[K]);
    }
    return out;
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
    forEachKey(kind, record, (name, key) => {
      const byKey = idx.get(name)!;
      const ids = byKey.get(key);
      if (ids) ids.add(id);
      else byKey.set(key, new Set([id]));
    });
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
