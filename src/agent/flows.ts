/**
 * Applies the plan's OpenFlow flows bridge by bridge. A bridge whose flows did not change since
 * the last apply is skipped (which also spares the flows br-tun learnt); a full resync also
 * checks the bridge really holds the agent's flows, which catches an ovs-vswitchd restart
 * (it forgets every flow) and flows deleted by hand.
 */
import { decodeCookie } from '../dataplane/compile/cookies.js';
import type { FlowItem, HostPlan } from '../dataplane/compile/plan.js';
import { type OvsEnvironment, dumpFlows, flowLine, replaceFlows } from '../dataplane/drivers/ovs-ofctl.js';

function byBridge(flows: readonly FlowItem[]): Map<string, FlowItem[]> {
  const out = new Map<string, FlowItem[]>();
  for (const f of flows) out.set(f.bridge, [...(out.get(f.bridge) ?? []), f]);
  return out;
}

export async function applyFlows(
  ovs: OvsEnvironment,
  plan: HostPlan,
  applied: Map<string, string>,
  full: boolean,
): Promise<number> {
  let changed = 0;
  const wanted = byBridge(plan.flows);
  for (const bridge of plan.bridges.map((b) => b.name)) {
    const flows = wanted.get(bridge) ?? [];
    const text = flows.map(flowLine).sort().join('\n');
    let stale = applied.get(bridge) !== text;
    if (!stale && full) {
      const ours = (await dumpFlows(ovs, bridge)).filter((f) => decodeCookie(f.cookie) !== null).length;
      stale = ours !== flows.length;
    }
    if (!stale) continue;
    await replaceFlows(ovs, bridge, flows);
    applied.set(bridge, text);
    changed++;
  }
  return changed;
}
