/**
 * Open vSwitch's database (dataplane/drivers/ovs-switch.ts): bridges, patch and tunnel ports,
 * the outer ends of service ports and the VLAN tags of VIFs, in one transaction; then, on the
 * userspace datapath, the tunnel address on the underlay bridge (agent/underlay.ts). It also
 * runs before the first snapshot, with only the bridges and their patch and system ports, and
 * prunes nothing then: flows, tags and namespaces stay as the previous process left them.
 */
import type { HostPlan } from '../../dataplane/compile/plan.js';
import { type OvsdbClient, applySwitchChange } from '../../dataplane/drivers/ovsdb/index.js';
import { switchChangeFor } from '../../dataplane/drivers/ovs-switch.js';
import { HOST, type Pass, type ReconcileStep, type StepResult } from '../reconcile/step.js';
import { ensureUnderlayAddress } from '../underlay.js';

/** The part of a partial plan that is safe before the first snapshot: the bridges and their own ports. */
function bridgesOnly(plan: HostPlan): HostPlan {
  return {
    ...plan,
    ovsPorts: plan.ovsPorts.filter((p) => p.type === 'patch' || p.type === 'system' || p.type === 'afxdp-nonpmd'),
    vifBindings: [],
    servicePorts: [],
  };
}

export class SwitchStep implements ReconcileStep {
  readonly name = 'switch';
  readonly requires = ['firewall'];
  readonly beforeSync = true;
  /**
   * The `next_cfg` the last transaction raised, until ovs-vswitchd copied it to `cur_cfg`: the
   * port-status step waits for it before it reports ports ACTIVE.
   */
  nextCfg: number | undefined = undefined;

  constructor(private readonly connect: () => Promise<OvsdbClient>) {}

  objects(): string[] {
    return [HOST];
  }

  async apply(pass: Pass): Promise<StepResult> {
    this.nextCfg = undefined;
    if (!pass.due(HOST)) return { changes: 0 };
    const plan = pass.synced ? pass.plan : bridgesOnly(pass.plan);
    const observed = pass.observed.switch;
    if (!observed) throw new Error('the switch step runs on Open vSwitch hosts only: the pass read no switch');
    const change = switchChangeFor(plan, observed, pass.synced);
    const r = await applySwitchChange(await this.connect(), change, pass.synced ? { waitForVswitchd: 'later' } : {});
    this.nextCfg = r.nextCfg;
    await ensureUnderlayAddress(pass.settings);
    return { changes: r.changed ? 1 : 0 };
  }
}
