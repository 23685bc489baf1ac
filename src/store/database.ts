/**
 * Opens the SQL database behind the store: SQLite (better-sqlite3, WAL) for one server, or
 * PostgreSQL for several servers sharing one database. Everything above this file is
 * dialect-free except the write lock, which each dialect takes its own way.
 */
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Transaction, sql } from 'kysely';
import pg from 'pg';
import { QuarkError } from '../model/errors.js';
import { migrationProvider } from './migrations.js';

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
}

/** Record tables (networks, ports…) all have the same shape; their names come from KINDS. */
export type RecordTables = Record<string, RecordRow>;

export type Db = Kysely<Tables>;
export type Tx = Transaction<Tables> | Kysely<Tables>;
export type DialectName = 'sqlite' | 'postgres';

export interface OpenedDatabase {
  readonly db: Db;
  readonly dialect: DialectName;
  /** Runs `fn` inside a transaction that holds the store-wide write lock. */
  writeTransaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** SQLite only: the connection itself, for the synchronous write path (sqlite-writer.ts). */
  readonly sqlite?: SQLite.Database;
}

/** A fixed key for PostgreSQL's advisory lock: every writer of every server takes the same one. */
const WRITE_LOCK_KEY = 0x717561726b; // "quark"

export function dialectOf(url: string): DialectName {
  return url.startsWith('postgres://') || url.startsWith('postgresql://') ? 'postgres' : 'sqlite';
}

export async function openDatabase(url: string): Promise<OpenedDatabase> {
  const dialect = dialectOf(url);
  const opened = dialect === 'sqlite' ? openSqlite(url) : openPostgres(url);
  const migrator = new Migrator({ db: opened.db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new QuarkError('StoreFailure', `database migration ${failed} failed`, { cause: error });
  }
  return opened;
}

function openSqlite(path: string): OpenedDatabase {
  const file = path.startsWith('sqlite:') ? path.slice('sqlite:'.length) : path;
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  // WAL + NORMAL: a commit survives a process crash; only an OS crash can lose the last ones.
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    dialect: 'sqlite',
    sqlite: database,
    // BEGIN IMMEDIATE takes SQLite's write lock up front, so a second process on the same
    // file waits instead of failing at commit.
    writeTransaction: (fn) =>
      db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          const out = await fn(conn);
          await sql`commit`.execute(conn);
          return out;
        } catch (e) {
          await sql`rollback`.execute(conn);
          throw e;
        }
      }),
  };
}

function openPostgres(url: string): OpenedDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    // One advisory lock serialises writers across servers, so revisions commit in order and
    // the change feed never skips a revision that commits late.
    writeTransaction: (fn) =>
      db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${WRITE_LOCK_KEY})`.execute(trx);
        return fn(trx);
      }),
  };
}
