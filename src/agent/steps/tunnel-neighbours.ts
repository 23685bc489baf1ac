/**
 * Userspace datapath: OVS learns tunnel neighbours only from ARP replies it sees pass, so the
 * agent ARPs for each remote endpoint when its tunnel appears and for all of them at every full
 * resync (agent/underlay.ts). A refresh changes nothing the plan describes: it counts no change.
 */
import type { HostPlan } from '../../dataplane/compile/plan.js';
import { HOST, type Pass, type ReconcileStep, type StepResult } from '../reconcile/step.js';
import { refreshNeighbours } from '../underlay.js';

/** The remote endpoints of the plan's tunnels. */
export function tunnelEndpoints(plan: HostPlan | null): Set<string> {
  const tunnels = (plan?.ovsPorts ?? []).filter((p) => p.type === 'gre' || p.type === 'vxlan');
  return new Set(tunnels.map((p) => p.options.remote_ip!));
}

export class TunnelNeighboursStep implements ReconcileStep {
  readonly name = 'tunnel-neighbours';
  readonly requires = ['switch'];
  private known = new Set<string>();

  objects(): string[] {
    return [HOST];
  }

  async apply(pass: Pass): Promise<StepResult> {
    if (!pass.due(HOST)) return { changes: 0 };
    const tunnels = tunnelEndpoints(pass.plan);
    const fresh = [...tunnels].filter((t) => pass.full || !this.known.has(t));
    this.known = tunnels;
    if (fresh.length === 0 || !pass.settings.underlay) return { changes: 0 };
    await refreshNeighbours(pass.settings, fresh);
    return { changes: 0, detail: { arped: fresh.length } };
  }
}
