/**
 * The store: intent, durably. Every record lives in its SQL table and in the in-memory view.
 * A write is one transaction that holds the store-wide write lock, catches up with writes of
 * other servers, runs the caller's rules against an overlay, persists the net changes together
 * with one new global revision in the change log, commits, and only then updates the view.
 * Reads never touch SQL.
 *
 * The write algorithm is written once (`transact`) over a Session; SQLite's session answers
 * synchronously, so there a whole transaction runs without yielding, PostgreSQL's with promises.
 *
 * When the database cannot be reached, every call that needs it fails with ServiceUnavailable
 * within a bounded time (availability.ts) and the store comes back by itself. Whether the view
 * may still be read meanwhile is `readable`.
 *
 * Several servers may share one database (docs/scale-out.md). Each hears of the others'
 * commits (PostgreSQL: LISTEN/NOTIFY, postgres-listener.ts; worker processes on one SQLite
 * file: their PeerTransport) and catches up from the change log, so its view and its feed
 * follow every server's writes in revision order. The same channel carries short messages
 * between the servers (peers.ts).
 */
import { QuarkError } from '../model/errors.js';
import { Availability, type StoreHealth, serviceUnavailable } from './availability.js';
import { DEFAULT_TIMEOUTS, type OpenedDatabase, type Session, type StoreTimeouts, openDatabase } from './database.js';
import { type IndexName, KINDS, KIND_NAMES, type Kind, type KindRecords } from './kinds.js';
import { type MaybePromise, inOrder, then } from './maybe-async.js';
import { Mutex } from './mutex.js';
import { receivePeerMessage, sendPeerMessage } from './peer-messages.js';
import { type PeerMessage, type PeerNotice, type PeerTransport, type PeerWire, newServerId } from './peers.js';
import { loadChangesSince, loadHistory, loadRecord, pruneChanges } from './persist.js';
import { COMMIT_CHANNEL, PEER_CHANNEL, PostgresListener } from './postgres-listener.js';
import { type Change, type CommittedChange, type CommittedView, MemoryView, Overlay, type ReadView } from './view.js';
import type { HistoryEntry, LoggedChange } from './database.js';

export type { CommittedChange } from './view.js';
export type { StoreHealth } from './availability.js';
export { serviceUnavailable } from './availability.js';
export { hasPassword, redactUrl } from './store-errors.js';
export type { StoreTimeouts, HistoryEntry } from './database.js';
export type { PeerMessage, PeerTransport, PeerWire } from './peers.js';

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
  readonly timeouts?: Partial<StoreTimeouts>;
  /** Milliseconds between attempts to reach the database while it is down (default 1000). */
  readonly retryMs?: number;
  /**
   * How the worker processes of one server group sharing a SQLite file hear of each other's
   * commits and messages (on PostgreSQL the database itself carries them; ignored there).
   */
  readonly peers?: PeerTransport;
}

/** Neutron's timestamp format: UTC, seconds precision, trailing Z. */
export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An exception thrown by the caller's rules, carried through the database layer untouched. */
class RulesFailed {
  constructor(readonly error: unknown) {}
}

interface Outcome<T> {
  readonly out: T;
  readonly commit: Commit | null;
}

export class Store {
  /** This process among the servers sharing the database (random, new at every start). */
  readonly serverId = newServerId();
  private readonly memory = new MemoryView();
  private readonly mutex = new Mutex();
  private readonly listeners = new Set<(commit: Commit) => void>();
  private readonly peerHandlers = new Set<(message: PeerMessage) => void>();
  private readonly healthListeners = new Set<() => void>();
  private loaded = false;
  private readonly availability: Availability;
  private readonly listener: PostgresListener | null;
  /** PostgreSQL: the view caught up after LISTEN last came up, so notifications keep it current. */
  private hearing = false;
  private deafSince = new Date();
  private deafCause = 'not listening yet';
  /** Counts LISTEN coming up: a catch-up makes the view current only if it began after the latest. */
  private listenEpoch = 0;
  /** The revision this process's write is committing: its own NOTIFY needs no catch-up. */
  private committing = -1;
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  private oldestRevision = 0;
  private writesSincePrune = 0;

  private constructor(
    private readonly database: OpenedDatabase,
    private readonly options: StoreOptions,
    private readonly timeouts: StoreTimeouts,
  ) {
    this.availability = new Availability({
      probe: () => database.probe(),
      recover: () => this.mutex.run(async () => this.catchUp(database.session)),
      retryMs: options.retryMs ?? 1000,
      checkMs: timeouts.connectMs,
      ...(options.clock ? { now: options.clock } : {}),
    });
    this.listener =
      database.dialect === 'postgres'
        ? new PostgresListener(
            { url: options.url, connectMs: timeouts.connectMs, pingMs: 5000, retryMs: [100, options.retryMs ?? 1000] },
            {
              onNotify: (channel, payload) => this.heard(channel, payload),
              onUp: () => this.listening(),
              onDown: (cause) => this.deaf(cause),
            },
          )
        : null;
    if (database.dialect === 'sqlite') options.peers?.onReceive((wire) => this.received(wire));
  }

  static async open(options: StoreOptions): Promise<Store> {
    const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const database = await openDatabase(options.url, timeouts);
    const store = new Store(database, options, timeouts);
    try {
      // LISTEN before loading: a commit during the load is then either in it or notified after.
      await store.listener?.start();
      const epoch = store.listenEpoch;
      await store.mutex.run(async () => {
        await store.reload(database.session);
        store.loaded = true;
        store.caughtUpFrom(epoch);
      });
    } catch (e) {
      await store.listener?.close();
      await database.db.destroy();
      throw new QuarkError('StoreFailure', `cannot load the store from ${database.target}`, { cause: e });
    }
    return store;
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.database.dialect;
  }

  /** Where the database is, for logs: a path, or the URL without its password. */
  get target(): string {
    return this.database.target;
  }

  /** The committed state. Callers must not keep references across awaits if they need freshness. */
  get view(): CommittedView {
    return this.memory;
  }

  get revision(): number {
    return this.memory.revision;
  }

  /**
   * Up, or down since when and why (as last seen; `check()` asks the database). On PostgreSQL
   * also down while this server cannot hear the others' commits (its listening connection).
   */
  get health(): StoreHealth {
    const db = this.availability.current;
    if (db.state === 'down' || this.listener === null || this.hearing) return db;
    return {
      state: 'down',
      since: this.deafSince.toISOString(),
      cause: `cannot hear other servers' commits: ${this.deafCause}`,
    };
  }

  /**
   * Whether the view may be served now. It holds every write this process committed and what
   * it caught up with; while the database is down nothing can be committed through this process.
   * On SQLite one server owns the file (or its workers tell each other every commit), so the
   * view stays current: reads go on during an outage. On PostgreSQL other servers may commit
   * while this one cannot hear of it, so the view is only known current while the database is
   * reachable and the listening connection holds: reads get 503 otherwise. Writes need only the
   * database: they catch up under the write lock.
   */
  get readable(): boolean {
    return this.dialect === 'sqlite' || (this.availability.up && this.hearing);
  }

  /**
   * Asks the database whether it can be used (within the connect timeout): for /healthz. SQLite
   * is asked only by writes and, while it is down, by the probes: a health check must not take
   * its write lock.
   */
  async check(): Promise<StoreHealth> {
    if (this.dialect === 'sqlite') return this.health;
    await this.availability.check();
    return this.health;
  }

  /** Called on every change of `health`. */
  onHealth(listener: (health: StoreHealth) => void): () => void {
    const forward = () => listener(this.health);
    this.healthListeners.add(forward);
    const off = this.availability.onChange(forward);
    return () => {
      off();
      this.healthListeners.delete(forward);
    };
  }

  /** Whether other servers may share this database (PostgreSQL, or workers on one SQLite file). */
  get shared(): boolean {
    return this.listener !== null || this.options.peers !== undefined;
  }

  /**
   * Sends a message to the other servers of this database (to one of them with `to`); they get
   * it through `onPeerMessage`. Without other servers it goes nowhere. Fails with
   * ServiceUnavailable while the database is down.
   */
  async sendToPeers(body: unknown, to?: string): Promise<void> {
    const message: PeerMessage = { from: this.serverId, ...(to ? { to } : {}), body };
    if (this.options.peers && this.dialect === 'sqlite') {
      this.options.peers.send({ kind: 'message', message });
      return;
    }
    if (this.listener === null) return;
    this.availability.assertUp();
    await this.guard(() => sendPeerMessage(this.database.db, message));
  }

  /** Called with every message another server sent to this one or to all. */
  onPeerMessage(handler: (message: PeerMessage) => void): () => void {
    this.peerHandlers.add(handler);
    return () => this.peerHandlers.delete(handler);
  }

  /** Called after every commit of this process, in revision order. */
  onCommit(listener: (commit: Commit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs `rules` as one transaction. `rules` must be synchronous: it sees a consistent view and
   * nothing else can interleave. If it throws, nothing is written and the error propagates. If
   * the database fails, nothing is published and the caller gets ServiceUnavailable (the
   * database is unreachable, or cannot take writes now) or StoreFailure.
   */
  write<T>(rules: (tx: WriteTx) => T): Promise<T> {
    return this.mutex.run(() => {
      this.availability.assertUp();
      const finish = ({ out, commit }: Outcome<T>): T => {
        if (commit) {
          this.publish(commit);
          if (commit.revision > 0 && this.options.peers && this.dialect === 'sqlite')
            this.options.peers.send({ kind: 'commit', from: this.serverId, revision: commit.revision });
        }
        return out;
      };
      // On SQLite the outcome is ready at once: published in the same turn, no promise to wait for.
      let outcome: MaybePromise<Outcome<T>>;
      try {
        outcome = this.database.writeTransaction((session) => this.transact(session, rules));
      } catch (e) {
        throw this.failed(e);
      }
      if (!(outcome instanceof Promise)) return finish(outcome);
      return outcome.then(finish, (e: unknown) => {
        throw this.failed(e);
      });
    });
  }

  /** Changes after `revision`, or null when the log no longer reaches back that far. */
  async changesSince(revision: number, limit = 10_000): Promise<CommittedChange[] | null> {
    if (revision < this.oldestRevision - 1) return null;
    this.assertReadable();
    return this.guard(() => loadChangesSince(this.database.db, revision, limit));
  }

  /**
   * The change log after `revision` up to `until`, each entry with the record before it: what
   * a server needs to rebuild the view as it was at `revision` (an agent's feed resuming
   * there). Null when the log no longer reaches back that far, holds entries written before
   * it kept the prior records, or has more than `limit` entries in that range.
   */
  async history(revision: number, until: number, limit: number): Promise<HistoryEntry[] | null> {
    if (revision < 0 || until <= revision) return [];
    this.assertReadable();
    const entries = await this.guard(() => loadHistory(this.database.db, revision, until, limit + 1));
    if (entries.length > limit || entries.some((e) => e.prior === undefined)) return null;
    // Every revision has at least one entry: a gap (a pruned start) means the log cannot tell.
    let expected = revision + 1;
    for (const e of entries) {
      if (e.revision === expected) expected++;
      else if (e.revision !== expected - 1) return null;
    }
    return expected === until + 1 ? entries : null;
  }

  /** Closes the database connections; bounded, so a frozen database cannot hold up a shutdown. */
  async close(): Promise<void> {
    this.availability.close();
    await this.listener?.close();
    const closed = this.mutex.run(() => this.database.db.destroy());
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.timeouts.connectMs);
    });
    await Promise.race([closed.catch(() => undefined), late]);
    clearTimeout(timer);
  }

  /**
   * The committed record as the database holds it now, bypassing the view: for kinds outside
   * the change log (see KindSpec.inChangeLog), whose writes by other servers this view never hears about.
   */
  async fetch<K extends Kind>(kind: K, id: string): Promise<KindRecords[K] | undefined> {
    this.assertReadable();
    return (await this.guard(() => loadRecord(this.database.db, KINDS[kind].table, id))) as KindRecords[K] | undefined;
  }

  /**
   * Catches the view up with writes other processes committed (another server, or `quark admin
   * bootstrap` on the same database). Writes do this by themselves; a read that must not miss a
   * recent write elsewhere (a login) calls it first. Costs one query when nothing changed.
   */
  async sync(): Promise<void> {
    await this.mutex.run(async () => {
      // A catch-up needs the database, not the listening connection: it makes the view current itself.
      if (this.dialect === 'postgres') this.availability.assertUp();
      await this.guard(async () => this.catchUp(this.database.session));
    });
  }

  /**
   * Resolves once the view holds `revision` (a revision another server acknowledged to a
   * client): at once when it does, else after one catch-up.
   */
  async reach(revision: number): Promise<void> {
    if (revision > this.memory.revision) await this.sync();
  }

  private assertReadable(): void {
    if (!this.readable) {
      this.availability.assertUp();
      throw serviceUnavailable();
    }
  }

  /** A NOTIFY on one of the store's channels. */
  private heard(channel: string, payload: string): void {
    if (channel === COMMIT_CHANNEL) {
      const revision = Number(payload);
      if (revision > this.memory.revision && revision !== this.committing) this.requestSync();
      return;
    }
    if (channel !== PEER_CHANNEL) return;
    let notice: PeerNotice;
    try {
      notice = JSON.parse(payload) as PeerNotice;
    } catch {
      return;
    }
    if (notice.f === this.serverId || (notice.t !== undefined && notice.t !== this.serverId)) return;
    receivePeerMessage(this.database.db, notice).then(
      (message) => {
        if (message) this.deliver(message);
      },
      // A message whose row cannot be read is lost: its sender times out (queries say so).
      () => undefined,
    );
  }

  /** A commit or message from another worker on the same SQLite file. */
  private received(wire: PeerWire): void {
    if (wire.kind === 'commit') {
      if (wire.from !== this.serverId && wire.revision > this.memory.revision) this.requestSync();
    } else if (wire.message.from !== this.serverId && (wire.message.to ?? this.serverId) === this.serverId) {
      this.deliver(wire.message);
    }
  }

  private deliver(message: PeerMessage): void {
    for (const handler of this.peerHandlers) handler(message);
  }

  /** Catches up soon; requests while one runs coalesce into one more after it. */
  private requestSync(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = this.mutex
      .run(async () => {
        if (!this.availability.up) return;
        await this.guard(async () => this.catchUp(this.database.session));
      })
      // A failed catch-up marked the store down; its recovery catches up again.
      .catch(() => undefined)
      .finally(() => {
        this.syncing = null;
        if (this.syncAgain) {
          this.syncAgain = false;
          this.requestSync();
        }
      });
  }

  /** LISTEN holds again: catch up, and the view is current from then on. */
  private listening(): void {
    this.listenEpoch++;
    if (this.loaded) this.requestSync();
  }

  private deaf(cause: string): void {
    const was = this.hearing;
    this.hearing = false;
    this.deafCause = cause;
    if (was) {
      this.deafSince = new Date();
      for (const listener of this.healthListeners) listener();
    }
  }

  /** Runs a database call; its failure becomes ServiceUnavailable or StoreFailure, the rules' own errors pass. */
  private async guard<T>(call: () => MaybePromise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw this.failed(e);
    }
  }

  private failed(error: unknown): unknown {
    return error instanceof RulesFailed ? error.error : this.availability.failure(error);
  }

  /** The write algorithm, on either dialect: catch up, run the rules, persist their net changes. */
  private transact<T>(session: Session, rules: (tx: WriteTx) => T): MaybePromise<Outcome<T>> {
    return then(this.catchUp(session), () => {
      const overlay = new Overlay(this.memory);
      const out = this.runRules(overlay, rules);
      const changes = overlay.netChanges();
      if (changes.length === 0) return { out, commit: null };
      const logged = changes.some((c) => KINDS[c.kind].inChangeLog);
      const revision = logged ? this.memory.revision + 1 : null;
      const commit = { revision: revision ?? this.memory.revision, changes };
      const withPrior: LoggedChange[] = changes.map((c) => ({ ...c, prior: this.memory.get(c.kind, c.id) ?? null }));
      if (revision !== null) this.committing = revision;
      return then(session.persist(withPrior, revision), () => ({ out, commit }));
    });
  }

  private runRules<T>(overlay: Overlay, rules: (tx: WriteTx) => T): T {
    let out: T;
    try {
      out = rules(new StoreTx(overlay, this.memory, timestamp(this.options.clock?.() ?? new Date())));
    } catch (e) {
      throw new RulesFailed(e);
    }
    if (out instanceof Promise) throw new RulesFailed(new QuarkError('StoreFailure', 'store rules must be synchronous'));
    return out;
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
      pruneChanges(this.database.db, commit.revision - keep).then(
        (oldest) => {
          this.oldestRevision = oldest;
        },
        // Pruning is housekeeping: the next one retries; a failed write will say what is wrong.
        () => undefined,
      );
    }
  }

  /**
   * Applies writes that other processes committed since this view's revision. On PostgreSQL a
   * catch-up that began after LISTEN came up leaves a view that notifications keep current.
   */
  private catchUp(session: Session): MaybePromise<void> {
    const epoch = this.listenEpoch;
    const caughtUp = () => this.caughtUpFrom(epoch);
    return then(session.revision(), (latest) => {
      if (latest === this.memory.revision) return caughtUp();
      return then(session.changesSince(this.memory.revision), (log) =>
        then(this.replay(log) ? undefined : this.reload(session), caughtUp),
      );
    });
  }

  /** The view is current as of a catch-up that began in LISTEN's `epoch`: if LISTEN still holds since, it stays current. */
  private caughtUpFrom(epoch: number): void {
    if (this.listener?.up && epoch === this.listenEpoch && epoch > 0 && !this.hearing) {
      this.hearing = true;
      for (const listener of this.healthListeners) listener();
    }
  }

  /** Publishes change log entries revision by revision; false when they do not follow the view's revision. */
  private replay(log: readonly CommittedChange[]): boolean {
    if (log.length === 0 || log[0]!.revision !== this.memory.revision + 1) return false;
    let i = 0;
    while (i < log.length) {
      const revision = log[i]!.revision;
      const batch: Change[] = [];
      for (; i < log.length && log[i]!.revision === revision; i++) batch.push(log[i]!);
      this.publish({ revision, changes: batch });
    }
    return true;
  }

  /**
   * Replaces the view with the database's records. The revision is read first: a write that
   * commits during the reload is then replayed on top of records that may already hold it,
   * which ends in the same state, where the other order could miss it.
   */
  private reload(session: Session): MaybePromise<void> {
    return then(session.revision(), (revision) =>
      then(
        inOrder(KIND_NAMES, (kind) =>
          then(session.records(KINDS[kind].table), (records) => {
            const table = this.memory.table(kind);
            table.clear();
            for (const record of records) table.put(record);
          }),
        ),
        () => {
          this.memory.revision = revision;
          this.oldestRevision = revision;
        },
      ),
    );
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

  count<K extends Kind>(kind: K, index: IndexName<K>, key: string): number {
    return this.overlay.count(kind, index, key);
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
