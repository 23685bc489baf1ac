/**
 * How a server hears what the other servers of its PostgreSQL database do: one dedicated
 * connection (never from the pool, which recycles connections and would drop the LISTEN) that
 * LISTENs on the store's channels. A writer NOTIFYs inside its write transaction, so
 * PostgreSQL delivers the notification when, and only if, the transaction commits.
 *
 * While the connection is down this server cannot know what others commit, so it reports
 * itself deaf (`onDown`) and reconnects with a backoff; after LISTEN succeeds again it reports
 * `onUp`, and the store catches up before it counts its view current. A connection that dies
 * without an error (a frozen server, a cable pulled) is found by a ping every `pingMs` with a
 * deadline: notifications need no polling, but silence must not pass for "nothing happened".
 */
import pg from 'pg';
import { DeadlineExceeded, unavailableCause } from './store-errors.js';

/** Channels of the servers sharing one database. */
export const COMMIT_CHANNEL = 'quark_commit';
export const PEER_CHANNEL = 'quark_peer';

export interface ListenerEvents {
  onNotify(channel: string, payload: string): void;
  /** LISTEN holds again (also the first time): anything may have been missed before. */
  onUp(): void;
  /** The connection is lost; notifications are missed until `onUp`. */
  onDown(cause: string): void;
}

export interface ListenerOptions {
  readonly url: string;
  readonly connectMs: number;
  /** Milliseconds between pings of an idle connection; a ping without an answer in `connectMs` drops it. */
  readonly pingMs: number;
  /** First and longest wait between attempts to connect again. */
  readonly retryMs: readonly [number, number];
}

export class PostgresListener {
  private client: pg.Client | null = null;
  private listening = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private backoff: number;

  constructor(
    private readonly options: ListenerOptions,
    private readonly events: ListenerEvents,
  ) {
    this.backoff = options.retryMs[0];
  }

  /** Whether notifications reach this server now. */
  get up(): boolean {
    return this.listening;
  }

  /** Connects and LISTENs; resolves either way (a failure schedules the next attempt). */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    const client = this.client;
    this.client = null;
    this.listening = false;
    if (client) await Promise.race([client.end().catch(() => undefined), delay(this.options.connectMs)]);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: this.options.connectMs,
      keepAlive: true,
      application_name: 'quark-server-listen',
    });
    // Without listeners a connection error would end the process.
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client, new Error('Connection ended')));
    client.on('notification', (n) => {
      if (this.client === client && n.payload !== undefined) this.events.onNotify(n.channel, n.payload);
    });
    this.client = client;
    try {
      await withDeadline(client.connect(), this.options.connectMs, 'connecting to PostgreSQL to listen');
      await withDeadline(client.query(`LISTEN ${COMMIT_CHANNEL}; LISTEN ${PEER_CHANNEL}`), this.options.connectMs, 'LISTEN');
    } catch (e) {
      this.lost(client, e);
      return;
    }
    if (this.client !== client || this.closed) return;
    this.listening = true;
    this.backoff = this.options.retryMs[0];
    this.pingTimer = setInterval(() => this.ping(client), this.options.pingMs);
    this.pingTimer.unref();
    this.events.onUp();
  }

  private ping(client: pg.Client): void {
    withDeadline(client.query('select 1'), this.options.connectMs, 'ping of the listening connection').catch((e: unknown) =>
      this.lost(client, e),
    );
  }

  /** Drops `client` (once) and schedules a new connection. */
  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    const wasUp = this.listening;
    this.listening = false;
    // end() may itself hang on a frozen server: never wait for it.
    void client.end().catch(() => undefined);
    if (this.closed) return;
    const cause = unavailableCause(error) ?? (error instanceof Error ? error.message : String(error));
    if (wasUp || this.backoff === this.options.retryMs[0]) this.events.onDown(cause);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.backoff);
    this.retryTimer.unref();
    this.backoff = Math.min(this.backoff * 2, this.options.retryMs[1]);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
