/**
 * The DHCP role's ports, through the API (agent/dhcp-ports.ts): one per served network, created,
 * updated and deleted as the served networks change. Objects are the served networks; a
 * network whose port request failed is asked again with backoff.
 */
import { servedNetworks } from '../../dataplane/compile/dhcp/served.js';
import type { DhcpPortKeeper } from '../dhcp-ports.js';
import type { Pass, ReconcileStep, StepResult } from '../reconcile/step.js';

export class DhcpPortsStep implements ReconcileStep {
  readonly name = 'dhcp-ports';

  constructor(private readonly keeper: DhcpPortKeeper) {}

  objects(pass: Pass): string[] {
    return servedNetworks(pass.replica, pass.settings.host).map((s) => s.network.id);
  }

  async apply(pass: Pass): Promise<StepResult> {
    // A full resync asks again what earlier passes asked and the feed never confirmed.
    if (pass.full) this.keeper.reset();
    const { done, failed } = await this.keeper.sync(pass.replica, (network) => pass.due(network));
    return { changes: done, failed };
  }

  reset(): void {
    this.keeper.reset();
  }
}
