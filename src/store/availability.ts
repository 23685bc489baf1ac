/**
 * Whether the store's database can be used now. A call that fails for a reason that means "not
 * now" (store-errors.ts) marks the store down; while it is down, calls fail at once with
 * ServiceUnavailable instead of each waiting for its own timeout, and a probe runs every
 * `retryMs` until the database answers. Then the store catches up with what was committed
 * meanwhile (`recover`) and is up again: no restart, no operator.
 */
import { QuarkError } from '../model/errors.js';
import type { MaybePromise } from './maybe-async.js';
import { unavailableCause } from './store-errors.js';

export type StoreHealth =
  | { readonly state: 'up' }
  | {
      readonly state: 'down';
      /** When the store went down (ISO 8601). */
      readonly since: string;
      /** What the last failure or probe said, for operators; never sent to API clients. */
      readonly cause: string;
    };

export interface AvailabilityOptions {
  /** One round trip to the database; throws while it cannot take writes. */
  readonly probe: () => MaybePromise<void>;
  /** Runs after a probe succeeded and before the store is up again. */
  readonly recover: () => Promise<void>;
  /** Milliseconds between probes while down. */
  readonly retryMs: number;
  /** Longest a health check waits for the probe before it counts the database as down. */
  readonly checkMs: number;
  readonly now?: () => Date;
}

const UP: StoreHealth = { state: 'up' };

/** The 503 every caller gets while the store is down: the cause is for the log, not the client. */
export function serviceUnavailable(): QuarkError {
  return new QuarkError('ServiceUnavailable', 'The service is unavailable: its database cannot be reached. Try again later.');
}

export class Availability {
  private health: StoreHealth = UP;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<StoreHealth> | null = null;
  private readonly listeners = new Set<(health: StoreHealth) => void>();
  private closed = false;

  constructor(private readonly options: AvailabilityOptions) {}

  get current(): StoreHealth {
    return this.health;
  }

  get up(): boolean {
    return this.health.state === 'up';
  }

  /** Called on every change between up and down (and when the cause of being down changes). */
  onChange(listener: (health: StoreHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Throws ServiceUnavailable while the store is down. */
  assertUp(): void {
    if (!this.up) throw serviceUnavailable();
  }

  /**
   * What a caller throws for an error of a database call: ServiceUnavailable (and the store goes
   * down) when the database is unreachable or cannot take writes, else StoreFailure (a 500 whose
   * cause is logged).
   */
  failure(error: unknown): QuarkError {
    const cause = unavailableCause(error);
    if (cause === null) {
      const message = error instanceof Error ? error.message : String(error);
      return new QuarkError('StoreFailure', `database error: ${message}`, { cause: error });
    }
    this.markDown(cause);
    return serviceUnavailable();
  }

  /** Probes the database now (a health check): the health it finds, within `checkMs`. */
  check(): Promise<StoreHealth> {
    if (!this.up) return Promise.resolve(this.health);
    this.checking ??= this.probeWithin(this.options.checkMs).finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async probeWithin(ms: number): Promise<StoreHealth> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ms);
    });
    try {
      const outcome = await Promise.race([Promise.resolve().then(this.options.probe), late]);
      if (outcome === 'late') this.markDown(`no answer from the database within ${ms / 1000} s`);
    } catch (e) {
      this.markDown(unavailableCause(e) ?? (e instanceof Error ? e.message : String(e)));
    } finally {
      clearTimeout(timer);
    }
    return this.health;
  }

  private markDown(cause: string): void {
    if (this.health.state === 'down') {
      if (this.health.cause !== cause) this.set({ ...this.health, cause });
      return;
    }
    this.set({ state: 'down', since: (this.options.now?.() ?? new Date()).toISOString(), cause });
    this.schedule();
  }

  private set(health: StoreHealth): void {
    this.health = health;
    for (const listener of this.listeners) listener(health);
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.retry();
    }, this.options.retryMs);
    this.timer.unref();
  }

  /** One probe while down; the next one is scheduled after this one ended, never in parallel. */
  private async retry(): Promise<void> {
    if (this.closed) return;
    try {
      await this.options.probe();
      await this.options.recover();
      if (!this.closed) this.set(UP);
    } catch (e) {
      this.markDown(unavailableCause(e) ?? (e instanceof Error ? e.message : String(e)));
      this.schedule();
    }
  }
}
