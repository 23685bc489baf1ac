/**
 * PostgreSQL behind the store, shared by several servers. Every way the database can fail must
 * end in an error within a bounded time, never in a crash or a hang:
 * - the pool and every connection have an `error` listener (a connection that dies while idle
 *   or in use emits one; without a listener Node ends the process);
 * - opening a connection and waiting for a free one are bounded (connectionTimeoutMillis);
 * - a statement and a wait for a lock are bounded on the server (statement_timeout,
 *   lock_timeout), an abandoned transaction too (idle_in_transaction_session_timeout), and on
 *   the client: a server that is frozen (SIGSTOP, a hung disk) answers nothing, so each query
 *   also has a deadline after which its connection is thrown away, not reused.
 */
import {
  Kysely,
  type PostgresCursor,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
  sql,
} from 'kysely';
import pg from 'pg';
import type { LoggedChange, OpenedDatabase, StoreTimeouts, Tables, Tx } from './database.js';
import { KyselySession } from './persist.js';
import { COMMIT_CHANNEL } from './postgres-listener.js';
import { DeadlineExceeded, redactUrl } from './store-errors.js';

/** A fixed key for PostgreSQL's advisory lock: every writer of every server takes the same one. */
const WRITE_LOCK_KEY = 0x717561726b; // "quark"

/** What the server side may take longer than the client waits: the server's own timeout fires first. */
const CLIENT_MARGIN_MS = 1000;

export function openPostgres(url: string, timeouts: StoreTimeouts): OpenedDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: 8,
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    lock_timeout: timeouts.statementMs,
    idle_in_transaction_session_timeout: timeouts.statementMs * 2,
    keepAlive: true,
    application_name: 'quark-server',
  });
  // Errors of idle connections: the pool drops the connection; the next query opens a new one
  // or fails and makes the store unavailable (store.ts). Nothing to do here but not to crash.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const deadlinePool = new DeadlinePool(pool, timeouts.statementMs + CLIENT_MARGIN_MS);
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: deadlinePool }) });
  return {
    db,
    dialect: 'postgres',
    session: new KyselySession(db),
    target: redactUrl(url),
    // One advisory lock serialises writers across servers, so revisions commit in order and
    // the change feed never skips a revision that commits late: PostgreSQL releases a
    // transaction's locks only after its commit is visible, so the next writer, and every
    // reader after it, sees revision N before N + 1 can exist.
    writeTransaction: (body) =>
      db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${WRITE_LOCK_KEY})`.execute(trx);
        return body(new NotifyingSession(trx));
      }),
    probe: async () => {
      await db.selectFrom('meta').select('value').where('key', '=', 'revision').execute();
    },
  };
}

/**
 * A write transaction's session that also NOTIFYs the other servers of the revision it
 * persists: PostgreSQL delivers the notification at commit, and never for a rollback.
 */
class NotifyingSession extends KyselySession {
  constructor(private readonly trx: Tx) {
    super(trx);
  }

  override async persist(changes: readonly LoggedChange[], revision: number | null): Promise<void> {
    await super.persist(changes, revision);
    if (revision !== null) await sql`select pg_notify(${COMMIT_CHANNEL}, ${String(revision)})`.execute(this.trx);
  }
}

/**
 * pg's Pool with a deadline on every query. A query without an answer in time fails with
 * DeadlineExceeded and condemns its connection: later queries on it (Kysely's ROLLBACK) fail at
 * once, and releasing it closes it instead of handing it to the next caller behind a query that
 * may never finish.
 */
class DeadlinePool implements PostgresPool {
  private readonly clients = new WeakMap<pg.PoolClient, DeadlineClient>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly deadlineMs: number,
  ) {}

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.pool.connect();
    let wrapped = this.clients.get(client);
    if (!wrapped) {
      wrapped = new DeadlineClient(client, this.deadlineMs);
      this.clients.set(client, wrapped);
    }
    return wrapped;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

class DeadlineClient implements PostgresPoolClient {
  /** Set when a query missed its deadline: the connection is not to be used again. */
  condemned: DeadlineExceeded | null = null;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly deadlineMs: number,
  ) {}

  query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    text: string | PostgresCursor<R>,
    parameters: readonly unknown[] = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof text !== 'string') throw new Error('the store does not stream query results');
    if (this.condemned) return Promise.reject(this.condemned);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.condemned = new DeadlineExceeded('PostgreSQL query', this.deadlineMs);
        reject(this.condemned);
      }, this.deadlineMs);
      this.client.query(text, [...parameters]).then(
        (result) => {
          clearTimeout(timer);
          resolve(result as PostgresQueryResult<R>);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  release(destroy?: boolean): void {
    this.client.release(destroy || this.condemned !== null);
  }
}
