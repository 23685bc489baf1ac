/**
 * Reports ports that became wired ACTIVE and ports that lost their VIF DOWN, in one request
 * (agent/reporter.ts). A VIF is wired only once ovs-vswitchd has applied its tag: until then
 * br-int's NORMAL drops or misplaces its frames, and an instance booted on ACTIVE loses its
 * first ARP (a 1-s retry). With a hundred ports on the userspace datapath that reconfiguration
 * takes a second, so the wait comes last in the pass, after the flows and the rest, not right
 * after the transaction; it is bounded, and the ports are reported anyway after it.
 *
 * For a VIF plugged while the agent runs, the report carries the time from the VIF's
 * appearance in OVSDB (the monitor's event, `noteVif`) to this report.
 */
import type { Logger } from 'pino';
import { type InterfaceEvent, type OvsdbClient, waitForCurCfg } from '../../dataplane/drivers/ovsdb/index.js';
import { OWNED } from '../../dataplane/drivers/ovs-switch.js';
import { HOST, type Pass, type ReconcileStep, type StepResult } from '../reconcile/step.js';
import type { PortStatusReporter } from '../reporter.js';
import type { SwitchStep } from './switch.js';

/** How long the report waits for ovs-vswitchd to apply the pass's switch change. */
const VSWITCHD_WAIT_MS = 10_000;

export class PortStatusStep implements ReconcileStep {
  readonly name = 'port-status';
  readonly requires = ['switch', 'flows'];
  /** When each newly plugged instance VIF appeared (by port id), until its port is reported ACTIVE. */
  private readonly vifSeen = new Map<string, number>();

  constructor(
    private readonly reporter: PortStatusReporter,
    private readonly switchStep: SwitchStep,
    private readonly connect: () => Promise<OvsdbClient>,
    private readonly log: Logger,
  ) {}

  objects(): string[] {
    return [HOST];
  }

  async apply(pass: Pass): Promise<StepResult> {
    if (!pass.due(HOST)) return { changes: 0 };
    const present = new Set(pass.plan.vifBindings.map((b) => b.origin.id));
    const changes = this.reporter.changes(
      pass.plan.portStates,
      (id) => pass.replica.ports.get(id)?.status,
      this.vifSeen,
      (id) => present.has(id),
    );
    if (changes.up.length > 0) await this.vswitchdApplied();
    await this.reporter.send(changes, this.vifSeen);
    return { changes: changes.up.length + changes.down.length };
  }

  /** Called for every OVSDB Interface event (the agent's monitor). */
  noteVif(e: InterfaceEvent): void {
    const port = e.interface.externalIds['iface-id'];
    // The agent's own router and DHCP ports are not instances' VIFs.
    if (!port || e.interface.externalIds[OWNED] === 'true') return;
    if (e.kind === 'removed') this.vifSeen.delete(port);
    else if (e.kind === 'added' || !e.previous.externalIds['iface-id']) this.vifSeen.set(port, performance.now());
  }

  private async vswitchdApplied(): Promise<void> {
    const nextCfg = this.switchStep.nextCfg;
    if (nextCfg === undefined) return;
    await waitForCurCfg(await this.connect(), nextCfg, VSWITCHD_WAIT_MS).catch((e: unknown) => {
      this.log.warn({ err: e }, 'ovs-vswitchd has not applied the switch change yet; reporting port states anyway');
    });
  }
}
