/**
 * One JSON-RPC 1.0 session with ovsdb-server over its unix socket (RFC 7047 §4): requests carry
 * an id and get exactly one response; notifications (`update`, …) carry `id: null`. The server's
 * `echo` requests, its liveness probe, are answered here, so callers never see them.
 *
 * Reconnecting is the caller's job: when the socket closes, every pending request is rejected and
 * `closed` resolves, at once.
 */
import { type Socket, createConnection } from 'node:net';
import { QuarkError } from '../../../model/errors.js';
import { describeCall, errorInfo, ovsdbFailure } from './errors.js';
import { JsonStreamParser } from './json-stream.js';

export interface ConnectOptions {
  /**
   * Send our own `echo` after this long without traffic and close the session when the server
   * does not answer within the same time; 0 (the default, as ovs-vsctl does on unix sockets)
   * relies on the socket alone, which closes as soon as ovsdb-server exits.
   */
  readonly probeIntervalMs?: number;
}

/** Why the session ended: `error` is absent when `close()` ended it. */
export interface CloseReason {
  readonly error?: QuarkError;
}

interface Pending {
  readonly method: string;
  readonly params: unknown;
  resolve(result: unknown): void;
  reject(error: QuarkError): void;
}

const CANCELED = { error: 'canceled', details: 'cancelled by the caller' } as const;

type Message = { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };

export class JsonRpcSession {
  readonly closed: Promise<CloseReason>;
  private resolveClosed!: (reason: CloseReason) => void;
  private readonly pending = new Map<number, Pending>();
  private readonly parser = new JsonStreamParser();
  private readonly notificationListeners: ((method: string, params: unknown) => void)[] = [];
  private nextId = 1;
  private closeReason: CloseReason | undefined;
  private lastReceived = Date.now();
  private probeSent = false;
  private probeTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly path: string,
    probeIntervalMs: number,
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (e) => this.end(new QuarkError('HostCommandFailed', `ovsdb connection to ${path} failed: ${e.message}`)));
    socket.on('close', () => this.end(new QuarkError('HostCommandFailed', `ovsdb connection to ${path} closed by the server`)));
    if (probeIntervalMs > 0) this.startProbe(probeIntervalMs);
  }

  /** Opens the session; rejects with HostCommandFailed when nothing listens on `path`. */
  static connect(path: string, options: ConnectOptions = {}): Promise<JsonRpcSession> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ path });
      const fail = (e: Error) =>
        reject(new QuarkError('HostCommandFailed', `cannot connect to ovsdb at ${path}: ${e.message}`, { cause: e }));
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.off('error', fail);
        resolve(new JsonRpcSession(socket, path, options.probeIntervalMs ?? 0));
      });
    });
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  /**
   * Sends a request and resolves with its `result`. An error answer rejects with HostCommandFailed
   * whose cause is OVSDB's error. Aborting `signal` sends RFC 7047's `cancel` for it (which makes
   * ovsdb-server drop a `transact` blocked in a `wait`) and rejects at once with the error
   * `canceled`: the ovsdb-server 3.1 we run answers nothing for a cancelled request (RFC 7047
   * says it answers `canceled`), so nothing is awaited, and a late answer is ignored.
   */
  request(method: string, params: readonly unknown[], signal?: AbortSignal): Promise<unknown> {
    if (this.closeReason) return Promise.reject(this.closedError(method, params));
    if (signal?.aborted) return Promise.reject(ovsdbFailure(method, params, CANCELED));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        this.notify('cancel', [id]);
        reject(ovsdbFailure(method, params, CANCELED));
      };
      const settle = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        method,
        params,
        resolve: (r) => {
          settle();
          resolve(r);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.send({ method, params, id });
    });
  }

  notify(method: string, params: readonly unknown[]): void {
    if (!this.closeReason) this.send({ method, params, id: null });
  }

  onNotification(listener: (method: string, params: unknown) => void): void {
    this.notificationListeners.push(listener);
  }

  /** Closes the session; pending requests are rejected. Safe to call more than once. */
  close(): void {
    this.end(undefined);
  }

  private send(message: object): void {
    this.socket.write(JSON.stringify(message));
  }

  private receive(chunk: Buffer): void {
    this.lastReceived = Date.now();
    this.probeSent = false;
    let messages: unknown[];
    try {
      messages = this.parser.push(chunk);
    } catch (e) {
      this.end(e as QuarkError);
      return;
    }
    for (const m of messages) this.dispatch(m as Message);
  }

  private dispatch(m: Message): void {
    if (typeof m.method === 'string') {
      if (m.id === null || m.id === undefined) {
        for (const listener of this.notificationListeners) listener(m.method, m.params);
      } else if (m.method === 'echo') {
        this.send({ result: m.params, error: null, id: m.id });
      } else {
        this.send({ result: null, error: { error: 'unknown method', details: m.method }, id: m.id });
      }
      return;
    }
    const pending = typeof m.id === 'number' ? this.pending.get(m.id) : undefined;
    if (!pending) return; // an answer to our probe `echo`, or to a request already given up
    this.pending.delete(m.id as number);
    if (m.error !== null && m.error !== undefined)
      pending.reject(ovsdbFailure(pending.method, pending.params, errorInfo(m.error)));
    else pending.resolve(m.result);
  }

  private startProbe(interval: number): void {
    this.probeTimer = setInterval(() => {
      const idle = Date.now() - this.lastReceived;
      if (idle < interval) return;
      if (this.probeSent) {
        this.end(new QuarkError('HostCommandFailed', `ovsdb at ${this.path} did not answer an echo within ${interval} ms`));
        this.socket.destroy();
      } else {
        this.probeSent = true;
        this.send({ method: 'echo', params: [], id: 'probe' });
      }
    }, interval);
    this.probeTimer.unref();
  }

  private end(error: QuarkError | undefined): void {
    if (this.closeReason) return;
    this.closeReason = error ? { error } : {};
    clearInterval(this.probeTimer);
    this.socket.destroy();
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(this.closedError(p.method, p.params));
    }
    this.resolveClosed(this.closeReason);
  }

  private closedError(method: string, params: unknown): QuarkError {
    const why = this.closeReason?.error?.message ?? `ovsdb connection to ${this.path} was closed`;
    return new QuarkError('HostCommandFailed', `ovsdb ${method} not answered: ${why}`, {
      detail: describeCall(method, params),
      ...(this.closeReason?.error ? { cause: this.closeReason.error } : {}),
    });
  }
}
