/**
 * Runs the agent's steps in order for one pass and keeps the status of every step's objects.
 * A step's failure for one object neither stops the step's other objects nor the steps after
 * it; only steps that require it hold that object back (or everything, when it failed for the
 * host as a whole). Failed objects are tried again with backoff (ledger.ts): the agent asks for
 * an incremental pass at `nextRetry()`.
 */
import type { AgentMetrics } from '../metrics.js';
import { ObjectLedger, type StateCounts } from './ledger.js';
import { HOST, type ObjectStatus, type Pass, type ReconcileStep, type StepResult, failureMessage } from './step.js';

/** One step's share of a pass. */
export interface StepRun {
  readonly step: string;
  readonly ms: number;
  readonly changes: number;
  /** Objects that failed in this pass. */
  readonly failed: number;
  /** The step could not run: a step it requires failed for the whole host. */
  readonly heldBy: string | null;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface PassResult {
  readonly steps: readonly StepRun[];
  /** Changes of all steps: 0 when the host already held the plan. */
  readonly changes: number;
}

/** A step's objects as the status socket shows them. */
export interface StepStatus {
  readonly counts: StateCounts;
  readonly objects: Readonly<Record<string, ObjectStatus>>;
}

export type PassInput = Omit<Pass, 'due' | 'renewed'>;

export class Reconciler {
  private readonly ledgers = new Map<string, ObjectLedger>();

  constructor(
    readonly steps: readonly ReconcileStep[],
    private readonly metrics: AgentMetrics | null = null,
  ) {
    for (const step of steps) {
      if (this.ledgers.has(step.name)) throw new Error(`two reconcile steps are named ${step.name}`);
      for (const r of step.requires ?? []) {
        if (!this.ledgers.has(r) && steps.some((s) => s.name === r))
          throw new Error(`step ${step.name} requires ${r}, which runs after it`);
      }
      this.ledgers.set(step.name, new ObjectLedger());
    }
  }

  async run(input: PassInput): Promise<PassResult> {
    const renewed = new Set<string>();
    const runs: StepRun[] = [];
    for (const step of this.steps) {
      if (input.synced || step.beforeSync) runs.push(await this.runStep(step, input, renewed));
    }
    return { steps: runs, changes: runs.reduce((n, r) => n + r.changes, 0) };
  }

  private async runStep(step: ReconcileStep, input: PassInput, renewed: Set<string>): Promise<StepRun> {
    const ledger = this.ledgers.get(step.name)!;
    const required = (step.requires ?? []).filter((r) => this.ledgers.has(r));
    const heldBy = (object: string) => required.find((r) => this.ledgers.get(r)!.blocks(object));
    const now = Date.now();
    const due = (object: string) => heldBy(object) === undefined && ledger.due(object, now, input.full);
    const pass: Pass = { ...input, renewed, due };
    const blocker = required.find((r) => this.ledgers.get(r)!.blocksAll());
    if (blocker !== undefined) {
      ledger.holdAll(step.objects(pass), blocker);
      this.metrics?.observeStep(step.name, null, 0, 0, ledger.counts());
      return { step: step.name, ms: 0, changes: 0, failed: 0, heldBy: blocker };
    }
    const started = performance.now();
    let result: StepResult;
    let failed: Map<string, string>;
    try {
      result = await step.apply(pass);
      failed = new Map([...(result.failed ?? [])].map(([k, e]) => [k, failureMessage(e)]));
    } catch (e) {
      result = { changes: 0 };
      const touched = [...step.objects(pass)].filter(due);
      failed = new Map((touched.length > 0 ? touched : [HOST]).map((k) => [k, failureMessage(e)]));
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
    ledger.record({ objects: step.objects(pass), failed, heldBy, revision: input.revision, full: input.full, now });
    this.metrics?.observeStep(step.name, ms / 1000, result.changes, failed.size, ledger.counts());
    return {
      step: step.name,
      ms,
      changes: result.changes,
      failed: failed.size,
      heldBy: null,
      ...(result.detail ? { detail: result.detail } : {}),
    };
  }

  /** Epoch ms of the earliest retry a failed object waits for; null when nothing failed. */
  nextRetry(): number | null {
    const all = [...this.ledgers.values()].map((l) => l.nextRetry()).filter((t): t is number => t !== null);
    return all.length > 0 ? Math.min(...all) : null;
  }

  /** `step object: error` for every object in error, the first `limit` of them. */
  errors(limit = 5): string[] {
    const out: string[] = [];
    for (const [name, ledger] of this.ledgers)
      for (const [object, error] of ledger.errors()) out.push(`${name} ${object}: ${error}`);
    return out.slice(0, limit);
  }

  status(): Record<string, StepStatus> {
    return Object.fromEntries([...this.ledgers].map(([name, l]) => [name, { counts: l.counts(), objects: l.status() }]));
  }

  /** A new snapshot: every step forgets what it applied or sent. */
  reset(): void {
    for (const step of this.steps) step.reset?.();
  }
}
