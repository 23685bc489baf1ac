/**
 * The L3 role binds the ports of the routers served here to this host through the API, and
 * unbinds those of routers gone elsewhere (agent/router-bindings.ts). It runs first in the
 * pass: a router port is wired only once its binding comes back through the feed. Its objects
 * are the ports whose request failed, until one succeeds.
 */
import type { RouterPortBinder } from '../router-bindings.js';
import { routerPortBindings } from '../router-bindings.js';
import type { Pass, ReconcileStep, StepResult } from '../reconcile/step.js';

export class RouterBindingsStep implements ReconcileStep {
  readonly name = 'router-bindings';

  constructor(private readonly binder: RouterPortBinder) {}

  objects(): string[] {
    return [];
  }

  async apply(pass: Pass): Promise<StepResult> {
    const changes = routerPortBindings(pass.replica, pass.settings.host, pass.observed.vrrp);
    const { sent, failed } = await this.binder.apply(changes, (port) => pass.due(port));
    return { changes: sent, failed };
  }
}
