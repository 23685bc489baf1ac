/**
 * The plan's OpenFlow flows, bridge by bridge (one bundle each: `ovs-ofctl --bundle
 * replace-flows`). A bridge whose flows did not change since this step last applied them is
 * skipped, which also spares the flows br-tun learnt; a full resync also checks the bridge
 * really holds the agent's flows (by counting those with Quark's cookie), which catches an
 * ovs-vswitchd restart (it forgets every flow) and flows deleted by hand.
 */
import { decodeCookie } from '../../dataplane/compile/cookies.js';
import type { FlowItem } from '../../dataplane/compile/plan.js';
import { type OvsEnvironment, dumpFlows, flowLine, replaceFlows } from '../../dataplane/drivers/ovs-ofctl.js';
import type { Pass, ReconcileStep, StepResult } from '../reconcile/step.js';

function byBridge(flows: readonly FlowItem[]): Map<string, FlowItem[]> {
  const out = new Map<string, FlowItem[]>();
  for (const f of flows) out.set(f.bridge, [...(out.get(f.bridge) ?? []), f]);
  return out;
}

export class FlowsStep implements ReconcileStep {
  readonly name = 'flows';
  readonly requires = ['switch'];
  /** Each bridge's flows as last applied (sorted lines). */
  private readonly applied = new Map<string, string>();

  constructor(private readonly ovs: OvsEnvironment) {}

  objects(pass: Pass): string[] {
    return pass.plan.bridges.map((b) => b.name);
  }

  async apply(pass: Pass): Promise<StepResult> {
    let changes = 0;
    const failed = new Map<string, unknown>();
    const wanted = byBridge(pass.plan.flows);
    const bridges = this.objects(pass);
    for (const bridge of this.applied.keys()) if (!bridges.includes(bridge)) this.applied.delete(bridge);
    for (const bridge of bridges.filter((b) => pass.due(b))) {
      const flows = wanted.get(bridge) ?? [];
      const text = flows.map(flowLine).sort().join('\n');
      try {
        if (!(await this.stale(bridge, text, flows.length, pass.full))) continue;
        this.applied.delete(bridge);
        await replaceFlows(this.ovs, bridge, flows);
        this.applied.set(bridge, text);
        changes++;
      } catch (e) {
        failed.set(bridge, e);
      }
    }
    return { changes, failed };
  }

  private async stale(bridge: string, text: string, count: number, full: boolean): Promise<boolean> {
    if (this.applied.get(bridge) !== text) return true;
    if (!full) return false;
    const ours = (await dumpFlows(this.ovs, bridge)).filter((f) => decodeCookie(f.cookie) !== null).length;
    return ours !== count;
  }

  reset(): void {
    this.applied.clear();
  }
}
