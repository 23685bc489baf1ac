/**
 * The status of one step's objects across passes, and when a failed one is tried again: after
 * 100 ms, then twice as long after each further failure, at most 5 s. Full passes try every
 * object whatever its backoff. An object that leaves the plan leaves the ledger once the step
 * did not fail for it (a failed deletion stays, as an error, until it succeeds).
 */
import { HOST, type ObjectState, type ObjectStatus } from './step.js';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5000;

interface Entry {
  readonly state: ObjectState;
  readonly revision: number;
  readonly error: string | null;
  readonly failures: number;
  /** Epoch ms of the next attempt (errors only). */
  readonly retryAt: number;
}

/** One run of a step, as the ledger records it. */
export interface StepRecord {
  /** The objects the step keeps for this pass's plan. */
  readonly objects: Iterable<string>;
  readonly failed: ReadonlyMap<string, string>;
  /** Objects held back, with the step they wait for. */
  readonly heldBy: (object: string) => string | undefined;
  readonly revision: number;
  readonly full: boolean;
  readonly now: number;
}

export type StateCounts = Record<ObjectState, number>;

export class ObjectLedger {
  private entries = new Map<string, Entry>();

  /** Whether `object` may be tried at `now`: it is not waiting out a backoff (full passes try all). */
  due(object: string, now: number, full: boolean): boolean {
    const e = this.entries.get(object);
    return full || e?.state !== 'error' || e.retryAt <= now;
  }

  /** Whether a step that requires this one must not run at all: this one is not applied for the host as a whole. */
  blocksAll(): boolean {
    return (this.entries.get(HOST)?.state ?? 'applied') !== 'applied';
  }

  /**
   * Whether a step that requires this one must hold `object` back: the object (or the host as a
   * whole) is not applied here. A host-wide object waits for every object of this step.
   */
  blocks(object: string): boolean {
    if (object === HOST) return [...this.entries.values()].some((e) => e.state !== 'applied');
    return (
      (this.entries.get(object)?.state ?? 'applied') !== 'applied' || (this.entries.get(HOST)?.state ?? 'applied') !== 'applied'
    );
  }

  record(run: StepRecord): void {
    const next = new Map<string, Entry>();
    for (const key of new Set([...run.objects, ...run.failed.keys()])) {
      const old = this.entries.get(key);
      const error = run.failed.get(key);
      const waiting = run.heldBy(key);
      if (error !== undefined) {
        const failures = (old?.state === 'error' ? old.failures : 0) + 1;
        const delay = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), MAX_RETRY_MS);
        next.set(key, { state: 'error', revision: run.revision, error, failures, retryAt: run.now + delay });
      } else if (waiting !== undefined) {
        next.set(key, {
          state: 'pending',
          revision: old?.revision ?? 0,
          error: `waiting for ${waiting}`,
          failures: 0,
          retryAt: 0,
        });
      } else if (old && !this.due(key, run.now, run.full)) {
        next.set(key, old);
      } else {
        next.set(key, { state: 'applied', revision: run.revision, error: null, failures: 0, retryAt: 0 });
      }
    }
    this.entries = next;
  }

  /** Every object pending while `step` cannot run at all. */
  holdAll(objects: Iterable<string>, step: string): void {
    this.record({ objects, failed: new Map(), heldBy: () => step, revision: 0, full: false, now: 0 });
  }

  /** Epoch ms of the earliest retry of a failed object; null when none failed. */
  nextRetry(): number | null {
    let at: number | null = null;
    for (const e of this.entries.values()) if (e.state === 'error' && (at === null || e.retryAt < at)) at = e.retryAt;
    return at;
  }

  counts(): StateCounts {
    const counts: StateCounts = { pending: 0, applied: 0, error: 0 };
    for (const e of this.entries.values()) counts[e.state]++;
    return counts;
  }

  /** The objects in error, with their last error. */
  errors(): [string, string][] {
    return [...this.entries].filter(([, e]) => e.state === 'error').map(([k, e]) => [k, e.error ?? '']);
  }

  status(): Record<string, ObjectStatus> {
    const out: Record<string, ObjectStatus> = {};
    for (const [key, e] of this.entries) {
      out[key] = {
        state: e.state,
        revision: e.revision,
        error: e.error,
        failures: e.failures,
        retryAt: e.state === 'error' ? new Date(e.retryAt).toISOString() : null,
      };
    }
    return out;
  }
}
