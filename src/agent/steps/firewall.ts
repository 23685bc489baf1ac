/**
 * The L2 role's firewall in the host's own namespace (security groups, agent/firewall.ts): one
 * batch for the whole host, so its object is the host. It runs before the OVSDB step, which
 * requires it: no VIF is wired while its filter cannot be applied.
 */
import type { HostFirewall } from '../firewall.js';
import { HOST, type Pass, type ReconcileStep, type StepResult } from '../reconcile/step.js';

export class FirewallStep implements ReconcileStep {
  readonly name = 'firewall';

  constructor(private readonly firewall: HostFirewall) {}

  objects(): string[] {
    return [HOST];
  }

  async apply(pass: Pass): Promise<StepResult> {
    if (!pass.due(HOST)) return { changes: 0 };
    const r = await this.firewall.apply(pass.plan, pass.full);
    const detail = { revoked: r.revoked, tablesMs: r.tablesMs, conntrackMs: r.conntrackMs };
    return { changes: r.changed ? 1 : 0, ...(r.changed || r.revoked > 0 ? { detail } : {}) };
  }
}
