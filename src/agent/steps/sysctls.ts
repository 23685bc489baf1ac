/** The sysctls of the agent's namespaces (`sysctl -w net.ipv4.ip_forward=1` in a qrouter), one call per namespace. */
import type { HostPlan, SysctlItem } from '../../dataplane/compile/plan.js';
import { applySysctls } from '../../dataplane/drivers/namespaces.js';
import { NamespaceStep, visited } from '../reconcile/namespace-step.js';
import type { StepResult } from '../reconcile/step.js';

export class SysctlsStep extends NamespaceStep<SysctlItem> {
  readonly name = 'sysctls';
  override readonly requires = ['namespaces', 'service-ports'];

  protected items(plan: HostPlan): readonly SysctlItem[] {
    return plan.sysctls;
  }

  protected applyTo(visit: ReadonlyMap<string, readonly SysctlItem[]>): Promise<StepResult> {
    return applySysctls(visited(visit));
  }
}
