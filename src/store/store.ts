/**
 * The store: intent, durably. Every record lives in its SQL table and in the in-memory view.
 * A write is one transaction that holds the store-wide write lock, catches up with writes of
 * other servers, runs the caller's rules against an overlay, persists the net changes together
 * with one new global revision in the change log, commits, and only then updates the view.
 * Reads never touch SQL.
 */
import { QuarkError } from '../model/errors.js';
import { type OpenedDatabase, type Tx, openDatabase } from './database.js';
import { type IndexName, KINDS, KIND_NAMES, type Kind, type KindRecords, recordId } from './kinds.js';
import { Mutex } from './mutex.js';
import { SqliteWriter } from './sqlite-writer.js';
import { loadChangesSince, loadRecord, loadRecords, persistChanges, pruneChanges, readRevision } from './persist.js';
import { type Change, MemoryView, Overlay, type ReadView } from './view.js';

export interface WriteTx extends ReadView {
  /** The transaction's timestamp, used for created_at/updated_at of every record it writes. */
  readonly now: string;
  /**
   * Inserts or replaces a record. For kinds with standard attributes the store sets
   * created_at, updated_at and revision_number; the returned record carries them.
   */
  put<K extends Kind>(kind: K, record: KindRecords[K]): KindRecords[K];
  /** Deletes a record; deleting one that does not exist does nothing. */
  delete(kind: Kind, id: string): void;
}

export interface CommittedChange extends Change {
  readonly revision: number;
}

export interface Commit {
  readonly revision: number;
  readonly changes: readonly Change[];
}

export interface StoreOptions {
  /** ':memory:', a file path, or a postgres:// URL. */
  readonly url: string;
  /** How many revisions of change log to keep for agents that resume (older ones get a snapshot). */
  readonly changeLogRetention?: number;
  readonly clock?: () => Date;
}

/** Neutron's timestamp format: UTC, seconds precision, trailing Z. */
export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class Store {
  private readonly memory = new MemoryView();
  private readonly mutex = new Mutex();
  private readonly listeners = new Set<(commit: Commit) => void>();
  private oldestRevision = 0;
  private readonly sqliteWriter: SqliteWriter | null;
  private writesSincePrune = 0;

  private constructor(
    private readonly database: OpenedDatabase,
    private readonly options: StoreOptions,
  ) {
    this.sqliteWriter = database.sqlite ? new SqliteWriter(database.sqlite) : null;
  }

  static async open(options: StoreOptions): Promise<Store> {
    const database = await openDatabase(options.url);
    const store = new Store(database, options);
    await store.reload(database.db);
    return store;
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.database.dialect;
  }

  /** The committed state. Callers must not keep references across awaits if they need freshness. */
  get view(): ReadView {
    return this.memory;
  }

  get revision(): number {
    return this.memory.revision;
  }

  /** Called after every commit of this process, in revision order. */
  onCommit(listener: (commit: Commit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs `rules` as one transaction. `rules` must be synchronous: it sees a consistent view and
   * nothing else can interleave. If it throws, nothing is written and the error propagates.
   */
  async write<T>(rules: (tx: WriteTx) => T): Promise<T> {
    const sqlite = this.sqliteWriter;
    if (sqlite) return this.mutex.run(async () => this.writeSqlite(sqlite, rules));
    return this.mutex.run(async () => {
      let commit: Commit | null = null;
      const result = await this.database.writeTransaction(async (sqlTx) => {
        await this.catchUp(sqlTx);
        const overlay = new Overlay(this.memory);
        const out = rules(new StoreTx(overlay, this.memory, timestamp(this.options.clock?.() ?? new Date())));
        if (out instanceof Promise) throw new QuarkError('StoreFailure', 'store rules must be synchronous');
        const changes = overlay.netChanges();
        if (changes.length > 0) {
          const logged = changes.filter((c) => KINDS[c.kind].inChangeLog);
          const revision = logged.length > 0 ? this.memory.revision + 1 : null;
          await persistChanges(sqlTx, changes, revision);
          commit = { revision: revision ?? this.memory.revision, changes };
        }
        return out;
      });
      if (commit) this.publish(commit);
      return result;
    });
  }

  /**
   * SQLite: the whole transaction runs synchronously (see sqlite-writer.ts). When another
   * process wrote since this view's revision, the catch-up needs the async path: take it.
   */
  private async writeSqlite<T>(writer: SqliteWriter, rules: (tx: WriteTx) => T): Promise<T> {
    // Entirely synchronous from BEGIN to COMMIT: nothing in this process can interleave, and
    // another process waits on SQLite's lock (busy_timeout) instead of on this thread.
    writer.begin();
    let commit: Commit | null = null;
    let out: T;
    try {
      const latest = writer.revision();
      if (latest !== this.memory.revision && !this.catchUpSync(writer)) {
        writer.rollback();
        await this.database.writeTransaction((sqlTx) => this.reload(sqlTx));
        return this.writeSqlite(writer, rules);
      }
      const overlay = new Overlay(this.memory);
      out = rules(new StoreTx(overlay, this.memory, timestamp(this.options.clock?.() ?? new Date())));
      if (out instanceof Promise) throw new QuarkError('StoreFailure', 'store rules must be synchronous');
      const changes = overlay.netChanges();
      if (changes.length > 0) {
        const logged = changes.some((c) => KINDS[c.kind].inChangeLog);
        const revision = logged ? this.memory.revision + 1 : null;
        writer.persist(changes, revision);
        commit = { revision: revision ?? this.memory.revision, changes };
      }
      writer.commit();
    } catch (e) {
      writer.rollback();
      throw e;
    }
    if (commit) this.publish(commit);
    return out;
  }

  /** Applies other processes' writes from the change log; false when it no longer reaches back. */
  private catchUpSync(writer: SqliteWriter): boolean {
    const changes = writer.changesSince(this.memory.revision);
    if (changes.length === 0 || changes[0]!.revision !== this.memory.revision + 1) return false;
    let i = 0;
    while (i < changes.length) {
      const revision = changes[i]!.revision;
      const batch: Change[] = [];
      for (; i < changes.length && changes[i]!.revision === revision; i++) batch.push(changes[i]!);
      this.publish({ revision, changes: batch });
    }
    return true;
  }

  /** Changes after `revision`, or null when the log no longer reaches back that far. */
  async changesSince(revision: number, limit = 10_000): Promise<CommittedChange[] | null> {
    if (revision < this.oldestRevision - 1) return null;
    return loadChangesSince(this.database.db, revision, limit);
  }

  async close(): Promise<void> {
    await this.mutex.run(() => this.database.db.destroy());
  }

  /**
   * The committed record as the database holds it now, bypassing the view: for kinds outside
   * the change log (see KindSpec.inChangeLog), whose writes by other servers this view never hears about.
   */
  async fetch<K extends Kind>(kind: K, id: string): Promise<KindRecords[K] | undefined> {
    return (await loadRecord(this.database.db, KINDS[kind].table, id)) as KindRecords[K] | undefined;
  }

  /**
   * Catches the view up with writes other processes committed (another server, or `quark admin
   * bootstrap` on the same database). Writes do this by themselves; a read that must not miss a
   * recent write elsewhere (a login) calls it first. Costs one query when nothing changed.
   */
  async sync(): Promise<void> {
    await this.mutex.run(() => this.catchUp(this.database.db));
  }

  private publish(commit: Commit): void {
    this.memory.apply(commit.changes, commit.revision);
    const published = commit.changes.filter((c) => KINDS[c.kind].inChangeLog);
    if (published.length === 0) return;
    const visible = published.length === commit.changes.length ? commit : { revision: commit.revision, changes: published };
    for (const listener of this.listeners) listener(visible);
    if (++this.writesSincePrune >= 1000) {
      this.writesSincePrune = 0;
      const keep = this.options.changeLogRetention ?? 100_000;
      void pruneChanges(this.database.db, commit.revision - keep).then((oldest) => {
        this.oldestRevision = oldest;
      });
    }
  }

  /** Applies writes that other servers committed since this view's revision. */
  private async catchUp(tx: Tx): Promise<void> {
    const latest = await readRevision(tx);
    if (latest === this.memory.revision) return;
    const changes = await loadChangesSince(tx, this.memory.revision, Number.MAX_SAFE_INTEGER);
    const contiguous = changes.length > 0 && changes[0]!.revision === this.memory.revision + 1;
    if (!contiguous) {
      await this.reload(tx);
      return;
    }
    let i = 0;
    while (i < changes.length) {
      const revision = changes[i]!.revision;
      const batch: Change[] = [];
      for (; i < changes.length && changes[i]!.revision === revision; i++) batch.push(changes[i]!);
      this.publish({ revision, changes: batch });
    }
  }

  private async reload(tx: Tx): Promise<void> {
    for (const kind of KIND_NAMES) {
      const table = this.memory.table(kind);
      for (const record of table.all()) table.delete(recordId(kind, record));
      for (const record of await loadRecords(tx, KINDS[kind].table)) table.put(record);
    }
    this.memory.revision = await readRevision(tx);
    this.oldestRevision = this.memory.revision;
  }
}

class StoreTx implements WriteTx {
  constructor(
    private readonly overlay: Overlay,
    private readonly committed: MemoryView,
    readonly now: string,
  ) {}

  get revision(): number {
    return this.overlay.revision;
  }

  get<K extends Kind>(kind: K, id: string): KindRecords[K] | undefined {
    return this.overlay.get(kind, id);
  }

  all<K extends Kind>(kind: K): readonly KindRecords[K][] {
    return this.overlay.all(kind);
  }

  by<K extends Kind>(kind: K, index: IndexName<K>, key: string): readonly KindRecords[K][] {
    return this.overlay.by(kind, index, key);
  }

  size(kind: Kind): number {
    return this.overlay.size(kind);
  }

  put<K extends Kind>(kind: K, record: KindRecords[K]): KindRecords[K] {
    let stamped = record;
    if (KINDS[kind].standard) {
      const id = (record as { id: string }).id;
      const before = this.committed.get(kind, id) as { created_at: string; revision_number: number } | undefined;
      stamped = {
        ...record,
        created_at: before?.created_at ?? this.now,
        updated_at: this.now,
        revision_number: (before?.revision_number ?? 0) + 1,
      };
    }
    this.overlay.put(kind, stamped);
    return stamped;
  }

  delete(kind: Kind, id: string): void {
    this.overlay.delete(kind, id);
  }
}
