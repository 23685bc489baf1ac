/**
 * A client of the OVSDB management protocol (RFC 7047) for ovsdb-server's unix socket, e.g.
 * `<OVS_RUNDIR>/db.sock`. It does what `ovsdb-client` does from the command line: list databases,
 * read schemas, run transactions, and monitor tables, over one long-lived session.
 *
 * Failures reject with QuarkError('HostCommandFailed'); `ovsdbErrorOf(e)` gives OVSDB's own error.
 * When the session ends, `closed` resolves, pending calls reject and monitors' loops throw: the
 * caller reconnects and re-reads, as an IDL client does after a reconnect.
 */
import { QuarkError } from '../../../model/errors.js';
import { errorInfo, ovsdbFailure } from './errors.js';
import { type CloseReason, type ConnectOptions, JsonRpcSession } from './jsonrpc.js';
import { Monitor, type MonitorRequests, type TableUpdates } from './monitor.js';
import type { Operation, TransactResults } from './operations.js';

export interface ColumnSchema {
  readonly type: unknown;
  readonly ephemeral?: boolean;
  readonly mutable?: boolean;
}
export interface TableSchema {
  readonly columns: Readonly<Record<string, ColumnSchema>>;
  readonly isRoot?: boolean;
  readonly maxRows?: number;
  readonly indexes?: readonly (readonly string[])[];
}
/** RFC 7047 §3.2 `<database-schema>`. */
export interface DatabaseSchema {
  readonly name: string;
  readonly version: string;
  readonly cksum?: string;
  readonly tables: Readonly<Record<string, TableSchema>>;
}

export interface TransactOptions {
  /** Aborting sends `cancel`: useful for a transaction that waits (a `wait` operation with a timeout). */
  readonly signal?: AbortSignal;
}

export interface MonitorOptions {
  /**
   * Receive updates through this callback, synchronously and in order, instead of iterating. As
   * ovsdb-server sends a session's monitor updates before its reply to a transaction, a callback
   * on the writer's own client has seen the transaction's effects by the time `transact` resolves.
   * Updates that follow the snapshot at once may reach the callback before `monitor()` resolves:
   * apply them after `initial` (see SwitchMirror.start).
   */
  readonly onUpdate?: (updates: TableUpdates) => void;
}

export class OvsdbClient {
  private readonly monitors = new Map<string, Monitor>();
  private nextMonitor = 1;

  private constructor(private readonly session: JsonRpcSession) {
    session.onNotification((method, params) => {
      if (method !== 'update' || !Array.isArray(params)) return;
      this.monitors.get(String(params[0]))?.deliver(params[1] as TableUpdates);
    });
    void session.closed.then((reason) => {
      for (const m of this.monitors.values()) m.finish(reason.error);
      this.monitors.clear();
    });
  }

  /** Connects to `path` (`ovsdb-client … unix:<path>`); rejects with HostCommandFailed when nothing listens there. */
  static async connect(path: string, options: ConnectOptions = {}): Promise<OvsdbClient> {
    return new OvsdbClient(await JsonRpcSession.connect(path, options));
  }

  get path(): string {
    return this.session.path;
  }

  /** Resolves as soon as the session ends: `error` is set unless `close()` ended it. Never rejects. */
  get closed(): Promise<CloseReason> {
    return this.session.closed;
  }

  get isClosed(): boolean {
    return this.session.isClosed;
  }

  /** `ovsdb-client list-dbs` */
  async listDbs(): Promise<string[]> {
    const result = await this.session.request('list_dbs', []);
    if (!Array.isArray(result) || !result.every((d) => typeof d === 'string')) throw this.malformed('list_dbs', result);
    return result;
  }

  /** `ovsdb-client get-schema <db>` */
  async getSchema(db: string): Promise<DatabaseSchema> {
    const result = await this.session.request('get_schema', [db]);
    if (typeof result !== 'object' || result === null || !('tables' in result)) throw this.malformed('get_schema', result);
    return result as DatabaseSchema;
  }

  /**
   * `ovsdb-client transact '["<db>", <op>…]'`: runs the operations atomically and resolves with
   * one result per operation. When any operation (or the commit) fails, nothing is applied and
   * the call rejects with OVSDB's error and the failing operation's index.
   */
  async transact<const Ops extends readonly Operation[]>(
    db: string,
    ops: Ops,
    options: TransactOptions = {},
  ): Promise<TransactResults<Ops>> {
    const params = [db, ...ops];
    const results = await this.session.request('transact', params, options.signal);
    if (!Array.isArray(results)) throw this.malformed('transact', results);
    const failed = results.findIndex((r) => typeof r === 'object' && r !== null && 'error' in r);
    if (failed >= 0) throw ovsdbFailure('transact', params, errorInfo(results[failed], failed));
    if (results.length < ops.length) throw this.malformed('transact', results);
    return results as TransactResults<Ops>;
  }

  /**
   * `ovsdb-client monitor <db> <table> <columns>`: resolves once the server has sent the initial
   * rows (`monitor.initial`); every later commit that touches them arrives through the monitor's
   * async iterator, with no polling.
   */
  async monitor(db: string, requests: MonitorRequests, options: MonitorOptions = {}): Promise<Monitor> {
    const id = `m${this.nextMonitor++}`;
    const monitor = new Monitor(id, () => this.cancelMonitor(id), options.onUpdate);
    this.monitors.set(id, monitor);
    try {
      monitor.begin(((await this.session.request('monitor', [db, id, requests])) ?? {}) as TableUpdates);
      return monitor;
    } catch (e) {
      this.monitors.delete(id);
      throw e;
    }
  }

  /** `ovsdb-client` sends `echo` as a liveness check; resolves when the server answered. */
  async echo(): Promise<void> {
    await this.session.request('echo', ['quark']);
  }

  /** Ends the session; pending calls reject and monitors end. Idempotent. */
  close(): void {
    this.session.close();
  }

  private async cancelMonitor(id: string): Promise<void> {
    this.monitors.delete(id);
    if (this.session.isClosed) return;
    try {
      await this.session.request('monitor_cancel', [id]);
    } catch (e) {
      if (!this.session.isClosed) throw e;
    }
  }

  private malformed(method: string, result: unknown): QuarkError {
    return new QuarkError('HostCommandFailed', `ovsdb ${method}: unexpected answer`, {
      detail: JSON.stringify(result).slice(0, 4096),
    });
  }
}
