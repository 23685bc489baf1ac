/**
 * Linux bridge hosts: the network bridges, their uplinks (VXLAN devices, VLAN sub-interfaces,
 * flat interfaces) and the taps in them (dataplane/drivers/linux-bridge.ts), one `ip -batch`
 * for everything. Objects are the bridges; taps that belong in no bridge and stale devices are
 * the host's. It requires the firewall: no tap joins a bridge while its filter cannot be applied.
 *
 * An incremental pass whose bridges, uplinks and taps are what this step last applied, with
 * the same devices on the host, reads nothing; a full resync reads the links again, so a tap taken out of its bridge by hand, or a
 * bridge deleted, is put back.
 */
import { applyBridgeCommands, bridgeCommands, observeLinks } from '../../dataplane/drivers/linux-bridge.js';
import { HOST, type Pass, type ReconcileStep, type StepResult } from '../reconcile/step.js';

export class LinuxBridgesStep implements ReconcileStep {
  readonly name = 'linux-bridges';
  readonly requires = ['firewall'];
  /** The plan's bridge part as last applied without failure. */
  private applied: string | null = null;

  objects(pass: Pass): string[] {
    return [...pass.plan.linuxBridges.map((b) => b.name), HOST];
  }

  async apply(pass: Pass): Promise<StepResult> {
    const { linuxBridges, bridgeUplinks, bridgePorts } = pass.plan;
    const part = { linuxBridges, bridgeUplinks, bridgePorts };
    // A tap that appeared since does not change the plan, only what of it can be applied.
    const devices = (pass.observed.links ?? []).map((l) => l.name);
    const digest = JSON.stringify([part, devices]);
    if (!pass.full && digest === this.applied) return { changes: 0 };
    this.applied = null;
    // The links read before the pass are still the host's unless this pass made devices (service ports).
    const links = pass.full || pass.renewed.size > 0 || !pass.observed.links ? await observeLinks() : pass.observed.links;
    const commands = bridgeCommands(part, links, pass.synced).filter((c) => pass.due(c.object));
    const failed = await applyBridgeCommands(commands);
    if (failed.size === 0) this.applied = digest;
    return { changes: commands.length, failed };
  }

  reset(): void {
    this.applied = null;
  }
}
