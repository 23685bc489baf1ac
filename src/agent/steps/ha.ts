/**
 * The L3 role's HA routers besides their keepalived (a daemon step, daemons.ts): the HA port of
 * each through the API (agent/ha-ports.ts), made first in the pass (keepalived needs its `ha-`
 * device, which the port brings), and after the daemons the state keepalived says, reported to
 * the server (agent/ha-states.ts). Objects are the HA routers.
 */
import type { HaPortKeeper } from '../ha-ports.js';
import { type HaStateReporter, haStatesOf } from '../ha-states.js';
import type { Pass, ReconcileStep, StepResult } from '../reconcile/step.js';
import { HOST } from '../reconcile/step.js';
import { isHaRouter } from '../../model/resources.js';

const haRouters = (pass: Pass) => [...pass.replica.routers.values()].filter(isHaRouter).map((r) => r.id);

export class HaPortsStep implements ReconcileStep {
  readonly name = 'ha-ports';

  constructor(private readonly keeper: HaPortKeeper) {}

  objects(pass: Pass): string[] {
    return haRouters(pass);
  }

  async apply(pass: Pass): Promise<StepResult> {
    if (pass.full) this.keeper.reset();
    const { done, failed } = await this.keeper.sync(pass.replica, (router) => pass.due(router));
    return { changes: done, failed };
  }

  reset(): void {
    this.keeper.reset();
  }
}

export class HaStatesStep implements ReconcileStep {
  readonly name = 'ha-states';
  readonly requires = ['keepalived'];

  constructor(private readonly reporter: HaStateReporter) {}

  objects(): string[] {
    return [HOST];
  }

  async apply(pass: Pass): Promise<StepResult> {
    if (pass.full) this.reporter.reset();
    const states = haStatesOf(pass.plan, pass.observed.vrrp ?? new Map());
    return { changes: await this.reporter.report(pass.replica, states) };
  }

  reset(): void {
    this.reporter.reset();
  }
}
