/**
 * A monitor (RFC 7047 §4.1.5): the rows a monitor request selects as they are when it starts
 * (`initial`), then every committed change to them, in commit order, as an async stream of
 * `update` notifications. ovsdb-server pushes them; nothing polls.
 */
import { QuarkError } from '../../../model/errors.js';
import type { Row } from './values.js';

/** `old` is absent for an insert (and in `initial`), `new` for a delete. For a modify, `old` holds only the changed columns. */
export interface RowUpdate {
  readonly old?: Row;
  readonly new?: Row;
}
/** table → row uuid → change. */
export type TableUpdates = Readonly<Record<string, Readonly<Record<string, RowUpdate>>>>;

export interface MonitorSelect {
  readonly initial?: boolean;
  readonly insert?: boolean;
  readonly delete?: boolean;
  readonly modify?: boolean;
}
/** Which columns of a table to watch (all but `_uuid`/`_version` when omitted) and which changes. */
export interface MonitorRequest {
  readonly columns?: readonly string[];
  readonly select?: MonitorSelect;
}
export type MonitorRequests = Readonly<Record<string, MonitorRequest | readonly MonitorRequest[]>>;

/**
 * Receives the updates of one monitor. With an `onUpdate` callback, each update is handed to it
 * synchronously, in order, as it arrives (and the iterator only reports the end). Otherwise, iterate it once (`for await (const u of monitor)`); the
 * loop ends after `cancel()`, and throws HostCommandFailed when the connection is lost, which
 * means the caller must reconnect and start from a new snapshot. Leaving the loop early cancels
 * the monitor. Updates queue up while the consumer is busy; none is dropped.
 */
export class Monitor implements AsyncIterable<TableUpdates> {
  private readonly queue: TableUpdates[] = [];
  private wake: (() => void) | undefined;
  private ending: { error?: QuarkError } | undefined;
  private snapshot: TableUpdates = {};

  /** Made by the client before it sends the request, so no update can arrive before the monitor exists. */
  constructor(
    readonly id: string,
    private readonly cancelOnServer: () => Promise<void>,
    private readonly onUpdate?: (updates: TableUpdates) => void,
  ) {}

  /** The rows as they were when the monitor started (every update is `new` only). */
  get initial(): TableUpdates {
    return this.snapshot;
  }

  /** Called by the client with the reply to `monitor`. */
  begin(initial: TableUpdates): void {
    this.snapshot = initial;
  }

  get ended(): boolean {
    return this.ending !== undefined;
  }

  /** Stops the monitor on the server (`monitor_cancel`) and ends the stream. Idempotent. */
  async cancel(): Promise<void> {
    if (this.ending) return;
    this.finish(undefined);
    await this.cancelOnServer();
  }

  /** Called by the client for each `update` notification of this monitor. */
  deliver(updates: TableUpdates): void {
    if (this.ending) return;
    if (this.onUpdate) {
      try {
        this.onUpdate(updates);
      } catch (e) {
        const error = e instanceof QuarkError ? e : new QuarkError('HostCommandFailed', `ovsdb monitor ${this.id}: ${String(e)}`);
        void this.cancel().catch(() => undefined);
        this.finish(error);
      }
      return;
    }
    this.queue.push(updates);
    this.wake?.();
  }

  /** Called by the client when the connection ends (with the reason) or the monitor is cancelled. */
  finish(error: QuarkError | undefined): void {
    if (this.ending) return;
    this.ending = error ? { error } : {};
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TableUpdates> {
    try {
      for (;;) {
        const next = this.queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.ending) {
          if (this.ending.error) throw this.ending.error;
          return;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
    } finally {
      if (!this.ending) await this.cancel().catch(() => undefined);
    }
  }
}

/** Rows of one table kept current from a monitor: apply `initial`, then each update. */
export function applyUpdates(rows: Map<string, Row>, updates: Readonly<Record<string, RowUpdate>> | undefined): void {
  for (const [id, change] of Object.entries(updates ?? {})) {
    if (change.new) rows.set(id, change.new);
    else rows.delete(id);
  }
}
