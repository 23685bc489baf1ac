/**
 * Reports ports that became wired ACTIVE and ports that lost their VIF DOWN, in one request
 * (agent/reporter.ts). A port is wired only once the datapath carries it: on Open vSwitch,
 * once ovs-vswitchd applied its tag (until then br-int's NORMAL drops or misplaces its frames,
 * and an instance booted on ACTIVE loses its first ARP, a 1-s retry). With a hundred ports on
 * the userspace datapath that reconfiguration takes a second, so the wait comes last in the
 * pass, after the flows and the rest, not right after the transaction; it is bounded, and the
 * ports are reported anyway after it. A Linux bridge host has nothing to wait for.
 *
 * For a VIF plugged while the agent runs, the report carries the time from the VIF's
 * appearance (the mechanism's watch: `plugged`) to this report.
 */
import { tapDevice } from '../../model/names.js';
import { HOST, type Pass, type ReconcileStep, type StepResult } from '../reconcile/step.js';
import type { PortStatusReporter } from '../reporter.js';

export interface Datapath {
  /** The steps after which wired ports carry traffic. */
  readonly wiredBy: readonly string[];
  /** Waits (bounded) until the datapath applied this pass's wiring. */
  datapathApplied(): Promise<void>;
}

export class PortStatusStep implements ReconcileStep {
  readonly name = 'port-status';
  readonly requires: readonly string[];
  /** When each newly plugged instance VIF appeared (by port id), until its port is reported ACTIVE. */
  private readonly vifSeen = new Map<string, number>();

  constructor(
    private readonly reporter: PortStatusReporter,
    private readonly datapath: Datapath,
  ) {
    this.requires = datapath.wiredBy;
  }

  objects(): string[] {
    return [HOST];
  }

  async apply(pass: Pass): Promise<StepResult> {
    if (!pass.due(HOST)) return { changes: 0 };
    const status = (id: string) => pass.replica.ports.get(id)?.status;
    // The VIFs the pass read: Open vSwitch interfaces with their iface-id, Linux bridge taps.
    const vifs = new Set(pass.plan.vifBindings.map((b) => b.origin.id));
    const taps = new Set((pass.observed.links ?? []).map((l) => l.name));
    const present = (id: string) => vifs.has(id) || taps.has(tapDevice(id));
    const changes = this.reporter.changes(pass.plan.portStates, status, this.vifSeen, present);
    if (changes.up.length > 0) await this.datapath.datapathApplied();
    await this.reporter.send(changes, this.vifSeen);
    return { changes: changes.up.length + changes.down.length };
  }

  /** An instance's VIF appeared (the mechanism's watch). */
  plugged(portId: string): void {
    this.vifSeen.set(portId, performance.now());
  }

  unplugged(portId: string): void {
    this.vifSeen.delete(portId);
  }
}
