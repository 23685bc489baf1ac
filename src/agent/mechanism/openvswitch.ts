/**
 * The Open vSwitch mechanism: the agent keeps one OVSDB connection, watches the Interface table
 * with a monitor (a new interface with `external_ids:iface-id` is a plugged VIF), reads the
 * switch in one transaction before each pass, and applies the L2 part with three steps: the
 * OVSDB transaction (switch), the flows of each bridge (flows) and, on the userspace datapath,
 * ARP for new tunnel endpoints (tunnel-neighbours). Ports are reported ACTIVE once
 * ovs-vswitchd applied the transaction (cur_cfg).
 */
import type { Logger } from 'pino';
import type { HostPlan } from '../../dataplane/compile/plan.js';
import type { OvsEnvironment } from '../../dataplane/drivers/ovs-ofctl.js';
import { OWNED, factsFrom } from '../../dataplane/drivers/ovs-switch.js';
import {
  type InterfaceEvent,
  type InterfaceWatch,
  OvsdbClient,
  type SwitchState,
  readSwitch,
  waitForCurCfg,
  watchInterfaces,
} from '../../dataplane/drivers/ovsdb/index.js';
import { FlowsStep } from '../steps/flows.js';
import { SwitchStep } from '../steps/switch.js';
import { TunnelNeighboursStep, tunnelEndpoints } from '../steps/tunnel-neighbours.js';
import { INTEGRATION_BRIDGE } from '../../model/names.js';
import type { AgentHealth } from '../health.js';
import type { L2Mechanism, MechanismHooks } from './mechanism.js';

/** How long the port report waits for ovs-vswitchd to apply the pass's switch change. */
const VSWITCHD_WAIT_MS = 10_000;

export class OpenVswitchMechanism implements L2Mechanism {
  readonly name = 'openvswitch' as const;
  readonly steps;
  readonly wiredBy = ['switch', 'flows'];
  private readonly switchStep: SwitchStep;
  private ovs: OvsdbClient | null = null;
  private watch: InterfaceWatch | null = null;
  private hooks: MechanismHooks | null = null;
  private stopped = false;
  /** Interface errors already logged, by interface. */
  private readonly reported = new Map<string, string>();

  constructor(
    private readonly env: OvsEnvironment,
    private readonly log: Logger,
    private readonly ovsHealth: AgentHealth,
  ) {
    this.switchStep = new SwitchStep(() => this.connect());
    this.steps = [this.switchStep, new FlowsStep(env), new TunnelNeighboursStep()];
  }

  async start(hooks: MechanismHooks): Promise<void> {
    this.hooks = hooks;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watch?.cancel().catch(() => undefined);
    this.ovs?.close();
  }

  async observe() {
    const state = await readSwitch(await this.connect());
    const facts = factsFrom(state, INTEGRATION_BRIDGE);
    for (const [name, error] of facts.ovsInterfaceErrors ?? []) {
      if (this.reported.get(name) === error) continue;
      this.reported.set(name, error);
      this.log.warn(
        { interface: name, error },
        'ovs-vswitchd cannot open an interface (an AF_XDP one: --afxdp off uses AF_PACKET)',
      );
    }
    return { facts, observed: { switch: state } };
  }

  async datapathApplied(): Promise<void> {
    const nextCfg = this.switchStep.nextCfg;
    if (nextCfg === undefined) return;
    await waitForCurCfg(await this.connect(), nextCfg, VSWITCHD_WAIT_MS).catch((e: unknown) => {
      this.log.warn({ err: e }, 'ovs-vswitchd has not applied the switch change yet; reporting port states anyway');
    });
  }

  counters(plan: HostPlan | null): Record<string, unknown> {
    return { devices: plan ? plan.vifBindings.length : 0, tunnels: tunnelEndpoints(plan).size };
  }

  async switchState(): Promise<SwitchState> {
    return readSwitch(await this.connect());
  }

  health(): Record<string, string> {
    return this.ovsHealth.configurations();
  }

  /** Connects to OVSDB (waiting for it) and keeps the VIF watch running. */
  private async connect(): Promise<OvsdbClient> {
    if (this.ovs && !this.ovs.isClosed) return this.ovs;
    const socket = `${this.env.rundir || '/run/openvswitch'}/db.sock`;
    for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
      try {
        this.ovs = await OvsdbClient.connect(socket);
        this.ovsHealth.ovsConnected(socket);
        break;
      } catch (e) {
        if (this.stopped) throw e;
        this.ovsHealth.ovsUnreachable(socket, e);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    const ovs = this.ovs;
    void ovs.closed.then(() => {
      if (!this.stopped) {
        this.log.warn('ovsdb connection lost');
        this.hooks?.changed(true);
      }
    });
    this.watch = await watchInterfaces(ovs);
    void this.follow(this.watch);
    return ovs;
  }

  private async follow(watch: InterfaceWatch): Promise<void> {
    try {
      for await (const events of watch) {
        // A new VIF, a VIF gone, or ovs-vswitchd (re)assigning ofports after a restart.
        const restart = events.filter((e) => e.kind === 'changed' && e.previous.ofport !== e.interface.ofport).length > 1;
        for (const e of events) this.noteVif(e);
        if (events.some((e) => e.interface.externalIds['iface-id'] || e.kind !== 'changed') || restart)
          this.hooks?.changed(restart);
      }
    } catch {
      // the connection dropped; connect() starts a new watch
    }
  }

  /** The plug time of an instance's VIF (the agent's own router and DHCP ports are not instances). */
  private noteVif(e: InterfaceEvent): void {
    const port = e.interface.externalIds['iface-id'];
    if (!port || e.interface.externalIds[OWNED] === 'true') return;
    if (e.kind === 'removed') this.hooks?.unplugged(port);
    else if (e.kind === 'added' || !e.previous.externalIds['iface-id']) this.hooks?.plugged(port);
  }
}
