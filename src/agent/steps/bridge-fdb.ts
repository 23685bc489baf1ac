/**
 * Linux bridge hosts: l2population's entries on the VXLAN devices, the forwarding entries with
 * `bridge fdb` and the neighbour entries with `ip neigh` (dataplane/drivers/bridge-fdb.ts,
 * neighbours.ts), one batch each. It runs after the devices exist (linux-bridges). A pass whose
 * entries are what this step last applied reads nothing; a full resync reads them again.
 */
import { applyFdb, fdbCommands, observeFdb } from '../../dataplane/drivers/bridge-fdb.js';
import { applyNeighbours, neighbourCommands, observePermanentNeighbours } from '../../dataplane/drivers/neighbours.js';
import { HOST, type Pass, type ReconcileStep, type StepResult } from '../reconcile/step.js';

export class BridgeFdbStep implements ReconcileStep {
  readonly name = 'fdb';
  readonly requires = ['linux-bridges'];
  private applied: string | null = null;

  objects(): string[] {
    return [HOST];
  }

  async apply(pass: Pass): Promise<StepResult> {
    if (!pass.due(HOST)) return { changes: 0 };
    const digest = JSON.stringify([pass.plan.fdbEntries, pass.plan.neighbours]);
    if (!pass.full && digest === this.applied) return { changes: 0 };
    this.applied = null;
    const [fdb, neighbours] = await Promise.all([observeFdb(), observePermanentNeighbours()]);
    const fdbLines = fdbCommands(pass.plan.fdbEntries, fdb, pass.synced);
    const neighbourLines = neighbourCommands(pass.plan.neighbours, neighbours, pass.synced);
    await applyFdb(fdbLines);
    await applyNeighbours(neighbourLines);
    this.applied = digest;
    return { changes: fdbLines.length + neighbourLines.length };
  }

  reset(): void {
    this.applied = null;
  }
}
