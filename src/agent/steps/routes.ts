/**
 * The static routes of the agent's namespaces (a router's default route via the external
 * gateway): exactly the plan's, once the devices they go through carry traffic.
 */
import type { HostPlan, RouteItem } from '../../dataplane/compile/plan.js';
import { applyRoutes } from '../../dataplane/drivers/namespaces.js';
import { NamespaceStep, visited } from '../reconcile/namespace-step.js';
import type { StepResult } from '../reconcile/step.js';

export class RoutesStep extends NamespaceStep<RouteItem> {
  readonly name = 'routes';
  override readonly requires = ['namespaces', 'service-ports'];

  protected items(plan: HostPlan): readonly RouteItem[] {
    return plan.routes;
  }

  protected applyTo(visit: ReadonlyMap<string, readonly RouteItem[]>): Promise<StepResult> {
    return applyRoutes(visited(visit), [...visit.keys()]);
  }
}
