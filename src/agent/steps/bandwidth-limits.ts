/**
 * The bandwidth limits of QoS policies on instance VIFs (dataplane/drivers/tc.ts): one read of
 * every device's root qdisc and one `tc -batch` for the difference, so what tc really has is
 * what the plan says, Quark's filters on devices the plan no longer limits included. Visited
 * when the plan's limits changed since the last apply, and on every full pass (which repairs a
 * filter removed or changed by hand).
 */
import type { BandwidthLimitItem } from '../../dataplane/compile/plan.js';
import { applyBandwidthLimits, observeBandwidthLimits, sameLimit } from '../../dataplane/drivers/tc.js';
import { HOST, type Pass, type ReconcileStep, type StepResult } from '../reconcile/step.js';

export class BandwidthLimitsStep implements ReconcileStep {
  readonly name = 'bandwidth-limits';
  /** The devices exist once the switch step wired their VIFs. */
  readonly requires = ['switch'];
  /** The limits as last applied (a digest). */
  private applied: string | null = null;

  objects(): string[] {
    return [HOST];
  }

  async apply(pass: Pass): Promise<StepResult> {
    if (!pass.synced || !pass.due(HOST)) return { changes: 0 };
    const wanted: readonly BandwidthLimitItem[] = pass.plan.bandwidthLimits ?? [];
    const digest = JSON.stringify(wanted);
    if (!pass.full && digest === this.applied) return { changes: 0 };
    this.applied = null;
    const observed = await observeBandwidthLimits();
    const set = wanted.filter((l) => !sameLimit(observed.get(l.device), l));
    const planned = new Set(wanted.map((l) => l.device));
    const remove = [...observed.keys()].filter((d) => !planned.has(d));
    await applyBandwidthLimits(set, remove);
    this.applied = digest;
    return { changes: set.length + remove.length };
  }

  reset(): void {
    this.applied = null;
  }
}
