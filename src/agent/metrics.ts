/**
 * Prometheus metrics of one agent, served on its status socket (`GET /metrics`): passes, and
 * per reconcile step its time, its changes, the objects it failed for and how many of its
 * objects are pending, applied or in error. Each agent has its own registry.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StateCounts } from './reconcile/ledger.js';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class AgentMetrics {
  readonly registry = new Registry();
  private readonly passes = this.histogram(
    'quark_agent_pass_seconds',
    'Duration of reconcile passes, full resyncs and incremental passes.',
    'full',
  );
  private readonly stepSeconds = this.histogram('quark_agent_step_seconds', 'Duration of each reconcile step in a pass.', 'step');
  private readonly changes = new Counter({
    name: 'quark_agent_step_changes_total',
    help: 'Changes a reconcile step made to the host (commands that changed something, API requests).',
    labelNames: ['step'] as const,
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'quark_agent_step_failures_total',
    help: 'Objects a reconcile step failed for (each is retried with backoff).',
    labelNames: ['step'] as const,
    registers: [this.registry],
  });
  private readonly objects = new Gauge({
    name: 'quark_agent_objects',
    help: 'Objects of each reconcile step by state: pending, applied, error.',
    labelNames: ['step', 'state'] as const,
    registers: [this.registry],
  });

  private histogram<L extends string>(name: string, help: string, label: L): Histogram<L> {
    return new Histogram({ name, help, labelNames: [label], buckets: SECONDS, registers: [this.registry] });
  }

  observePass(full: boolean, seconds: number): void {
    this.passes.observe({ full: String(full) }, seconds);
  }

  /** `seconds` is null when the step was held back and did not run. */
  observeStep(step: string, seconds: number | null, changes: number, failures: number, counts: StateCounts): void {
    if (seconds !== null) this.stepSeconds.observe({ step }, seconds);
    if (changes > 0) this.changes.inc({ step }, changes);
    if (failures > 0) this.failures.inc({ step }, failures);
    for (const [state, n] of Object.entries(counts)) this.objects.set({ step, state }, n);
  }
}
