/**
 * Opens the SQL database behind the store: SQLite (better-sqlite3, WAL) for one server, or
 * PostgreSQL for several servers sharing one database. Each dialect hands the store a Session:
 * the same few operations on the same tables, synchronous on SQLite, asynchronous on
 * PostgreSQL, so that the store's one write algorithm (store.ts) runs on both.
 */
import { type Kysely, Migrator, type Transaction, sql } from 'kysely';
import { QuarkError } from '../model/errors.js';
import type { AnyRecord } from './kinds.js';
import type { MaybePromise } from './maybe-async.js';
import { migrationProvider } from './migrations.js';
import { openPostgres } from './postgres-database.js';
import { openSqlite } from './sqlite-database.js';
import { unavailableCause } from './store-errors.js';
import type { Change, CommittedChange } from './view.js';

export interface RecordRow {
  id: string;
  project_id: string;
  body: string;
}

export interface ChangeRow {
  revision: number;
  seq: number;
  kind: string;
  id: string;
  op: string;
  body: string;
  /** The record before the write as JSON (`null` when it did not exist); SQL NULL on entries older than migration 0004. */
  prior: string | null;
}

export interface PeerMessageRow {
  id: string;
  created_ms: number;
  body: string;
}

/** A change with the record as it was before the write (null: it did not exist). */
export interface LoggedChange extends Change {
  readonly prior: AnyRecord | null;
}

/** A change log entry with the record before it; `prior` is undefined when the entry predates migration 0004. */
export interface HistoryEntry extends CommittedChange {
  readonly prior: AnyRecord | null | undefined;
}

export interface IpAllocationRow {
  network_id: string;
  ip_address: string;
  subnet_id: string;
  port_id: string;
}

export interface MetaRow {
  key: string;
  value: string;
}

export interface Tables {
  changes: ChangeRow;
  ip_allocations: IpAllocationRow;
  meta: MetaRow;
  peer_messages: PeerMessageRow;
}

/** Record tables (networks, ports…) all have the same shape; their names come from KINDS. */
export type RecordTables = Record<string, RecordRow>;

export type Db = Kysely<Tables>;
export type Tx = Transaction<Tables> | Kysely<Tables>;
export type DialectName = 'sqlite' | 'postgres';

/** What the store reads and writes, on one connection, inside a write transaction or not. */
export interface Session {
  /** The global revision of the last committed write (the `meta` table). */
  revision(): MaybePromise<number>;
  /** Change log entries after `revision`, in order. */
  changesSince(revision: number): MaybePromise<CommittedChange[]>;
  /** Every record of one table. */
  records(table: string): MaybePromise<AnyRecord[]>;
  /** Writes one transaction's net changes and, when `revision` is not null, its change log. */
  persist(changes: readonly LoggedChange[], revision: number | null): MaybePromise<void>;
}

export interface StoreTimeouts {
  /** Milliseconds to open a PostgreSQL connection or to wait for a free one. */
  readonly connectMs: number;
  /**
   * Milliseconds one statement, or one wait for a lock, may take: PostgreSQL's statement_timeout
   * and lock_timeout plus a deadline on the client's side (a frozen server answers nothing);
   * SQLite's busy_timeout.
   */
  readonly statementMs: number;
}

export const DEFAULT_TIMEOUTS: StoreTimeouts = { connectMs: 3000, statementMs: 5000 };

export interface OpenedDatabase {
  readonly db: Db;
  readonly dialect: DialectName;
  /** Reads outside a write transaction: loading the view, catching up. */
  readonly session: Session;
  /**
   * Runs `body` in a transaction that holds the store-wide write lock. On SQLite the session
   * answers synchronously and so does this (from BEGIN to COMMIT without yielding).
   */
  writeTransaction<T>(body: (session: Session) => MaybePromise<T>): MaybePromise<T>;
  /** One cheap round trip that fails when the database cannot take writes now. */
  probe(): MaybePromise<void>;
  /** Where the database is, for messages: a path, or the URL without its password. */
  readonly target: string;
}

export function dialectOf(url: string): DialectName {
  return url.startsWith('postgres://') || url.startsWith('postgresql://') ? 'postgres' : 'sqlite';
}

/**
 * Opens the database and brings its schema up to date. A database that cannot be reached says
 * why and where (refused, authentication failed, no such database), never only that a
 * migration failed.
 */
export async function openDatabase(url: string, timeouts: StoreTimeouts = DEFAULT_TIMEOUTS): Promise<OpenedDatabase> {
  const opened = dialectOf(url) === 'sqlite' ? openSqlite(url, timeouts) : openPostgres(url, timeouts);
  try {
    await sql`select 1`.execute(opened.db);
  } catch (e) {
    await opened.db.destroy();
    throw new QuarkError('StoreFailure', `cannot use the database at ${opened.target}: ${reason(e)}`, { cause: e });
  }
  const migrator = new Migrator({ db: opened.db, provider: migrationProvider(opened.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await opened.db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const step = failed ? `migration ${failed}` : 'reading the migration state';
    throw new QuarkError('StoreFailure', `database at ${opened.target}: ${step} failed: ${reason(error)}`, { cause: error });
  }
  return opened;
}

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  return unavailableCause(error) ?? (error instanceof Error ? error.message : String(error));
}
