/**
 * The host agent: keeps a replica of the intent for its host (the feed), lets its L2 mechanism
 * watch the host for plugged VIFs (OVSDB, or taps), and after every change compiles the whole
 * host plan and applies the difference. It is level-triggered: every pass starts from the full
 * intent and what the host has, so a missed event, a crash or an OVS restart heals at the next
 * pass.
 *
 * Restarting must not disturb traffic: until the first snapshot arrives the agent touches
 * nothing but its OVS bridges, and local VLANs are read back from OVS so the recompiled flows
 * are the same flows (a Linux bridge host is touched not at all before the snapshot).
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import { compile } from '../dataplane/compile/compile.js';
import type { HostSettings } from '../dataplane/compile/inputs.js';
import type { HostPlan } from '../dataplane/compile/plan.js';
import type { SwitchState } from '../dataplane/drivers/ovsdb/index.js';
import type { AgentQuery, AgentRole, FeedChange, FeedMessage } from '../model/feed.js';
import { tapDevice } from '../model/names.js';
import type { AgentConfig } from './config.js';
import { FeedClient } from './feed-client.js';
import { AgentHealth } from './health.js';
import type { HostFirewall } from './firewall.js';
import type { SecurityGroupLogWriter } from './security-group-log.js';
import { type L2Mechanism, L2_AGENT_MECHANISMS } from './mechanism/index.js';
import { MeteringReporter } from './metering.js';
import { AgentMetrics } from './metrics.js';
import { changesPlan } from './plan-inputs.js';
import { type PassResult, Reconciler, type StepRun, type StepStatus } from './reconcile/reconciler.js';
import { Replica } from './replica.js';
import { agentReports, l3Counters, sendReports } from './reporter.js';
import { agentSteps } from './steps/index.js';
import type { PortStatusStep } from './steps/port-status.js';

export interface ReconcileStats {
  readonly at: string;
  readonly ms: number;
  readonly full: boolean;
  readonly revision: number;
  /** Of `ms`: reading the switch and compiling the plan, before the steps ran. */
  readonly planMs: number;
  /** Changes of all steps: 0 when the host already held the plan (a forced full resync after any change must find 0). */
  readonly changes: number;
  /** Each step's time, changes and failures in this pass, in the order they ran. */
  readonly steps: readonly StepRun[];
  /** Why the pass failed as a whole, or the objects in error after it (`step object: error`); null when none. */
  readonly error: string | null;
}

export interface AgentStatus {
  readonly host: string;
  readonly roles: readonly string[];
  readonly synced: boolean;
  readonly revision: number;
  readonly records: number;
  readonly reconciles: number;
  readonly last: ReconcileStats | null;
  /** Each step's objects: state (pending, applied, error), revision, last error, next retry. */
  readonly steps: Readonly<Record<string, StepStatus>>;
  readonly ports: Readonly<Record<string, 'ACTIVE' | 'DOWN'>>;
}

export class HostAgent {
  readonly replica = new Replica();
  readonly metrics = new AgentMetrics();
  /** The host's L2 mechanism (Open vSwitch or Linux bridge). */
  readonly mechanism: L2Mechanism;
  private feed: FeedClient | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private running: Promise<void> | null = null;
  private dirty = false;
  private fullPending = true;
  private stopped = false;
  /** After a pass failed as a whole, passes wait until this time (backoff doubling up to 5 s). */
  private retryAt = 0;
  private backoffMs = 0;
  /** The pass that retries objects that failed, at the earliest one's backoff. */
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly reconciler: Reconciler;
  /** Security group logging (its tcpdump is stopped with the agent); null without the l2 role. */
  private readonly securityGroupLog: SecurityGroupLogWriter | null;
  /** The L2 role's firewall (security groups); null without the l2 role. */
  private readonly firewall: HostFirewall | null;
  /** Whether OVS and the server answer, for the log and the heartbeats. */
  private readonly health: AgentHealth;
  private readonly portStatus: PortStatusStep;
  /** The L3 role's metering counts (docs/metering.md); null without the role. */
  private readonly metering: MeteringReporter | null;
  private meteringRun: Promise<void> | null = null;
  lastPlan: HostPlan | null = null;
  /** Answers explain, trace and probe queries (see queries.ts); set by whoever starts the agent. */
  onQuery: ((id: string, query: AgentQuery) => void) | null = null;
  lastReconcile: ReconcileStats | null = null;
  reconciles = 0;

  constructor(
    readonly config: AgentConfig,
    readonly settings: HostSettings,
    private readonly client: QuarkClient,
    private readonly log: Logger,
  ) {
    this.health = new AgentHealth(log);
    this.mechanism = L2_AGENT_MECHANISMS[settings.mechanism ?? 'openvswitch']({ ovs: this.ovsEnv, log, health: this.health });
    const ctx = { settings, client, log, mechanism: this.mechanism, networkLogFile: config.networkLogFile };
    const { steps, firewall, portStatus, securityGroupLog } = agentSteps(ctx);
    this.securityGroupLog = securityGroupLog;
    this.reconciler = new Reconciler(steps, this.metrics);
    this.firewall = firewall;
    this.portStatus = portStatus;
    this.metering = config.roles.includes('l3') ? new MeteringReporter(client, settings.host, settings.stateDir, log) : null;
  }

  get roles(): readonly AgentRole[] {
    return this.config.roles;
  }

  get ovsEnv() {
    return { rundir: this.config.ovsRundir || null };
  }

  /** What OVSDB holds now (bridges, ports, interfaces): for explain and trace queries. */
  async switchState(): Promise<SwitchState> {
    return this.mechanism.switchState();
  }

  async start(): Promise<void> {
    // Heartbeats begin before OVS answers: an agent waiting for its switch shows in GET /v2.0/agents (configurations.ovsdb).
    this.timers.push(setInterval(() => void this.heartbeat(false), this.config.reportInterval * 1000));
    this.timers[0]!.unref();
    await this.mechanism.start({
      changed: (full) => this.schedule(full),
      plugged: (port) => this.portStatus.plugged(port),
      unplugged: (port) => this.portStatus.unplugged(port),
      portOfDevice: (name) => this.portOfTap(name),
    });
    // The bridges first, so VIFs can be plugged before the server is reachable.
    this.schedule(false);
    await this.heartbeat(true);
    this.feed = new FeedClient(
      this.client,
      { host: this.settings.host, roles: this.roles, heartbeatSeconds: 5 },
      {
        onMessage: (m) => this.onFeed(m),
        onDisconnected: (reason) => this.log.warn({ reason }, 'feed lost; keeping the host as it is'),
      },
      this.log,
    );
    this.feed.start();
    this.timers.push(setInterval(() => this.schedule(true), this.config.resyncInterval * 1000));
    if (this.metering) this.timers.push(setInterval(() => void this.reportMetering(), this.config.meteringInterval * 1000));
    for (const t of this.timers) t.unref();
    const { host, datapathType: datapath, mechanism } = this.settings;
    this.log.info({ host, roles: this.roles, mechanism: mechanism ?? 'openvswitch', datapath }, 'agent started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.meteringRun?.catch(() => undefined);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.feed?.stop();
    await this.running?.catch(() => undefined);
    await this.securityGroupLog?.close();
    await this.mechanism.stop();
  }

  /** The port bound here whose tap is `name` (Linux bridge hosts find ports by their taps). */
  private portOfTap(name: string) {
    for (const p of this.replica.ports.values()) {
      if (p['binding:host_id'] === this.settings.host && tapDevice(p.id) === name) return p;
    }
    return undefined;
  }

  /** Asks for a reconcile pass; passes never overlap, requests made during one coalesce. */
  schedule(full: boolean): void {
    if (full) this.fullPending = true;
    this.dirty = true;
    if (this.running || Date.now() < this.retryAt) return;
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  /** Resolves once no pass is running or pending (tests and `--wait`). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      const full = this.fullPending;
      this.fullPending = false;
      const started = performance.now();
      let result: PassResult & { planMs: number } = { steps: [], changes: 0, planMs: 0 };
      let error: string | null = null;
      try {
        result = await this.pass(full);
        this.backoffMs = 0;
      } catch (e) {
        error = (e as Error).message;
        this.failed(e);
      }
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const failures = this.reconciler.errors();
      if (result.steps.some((r) => r.failed > 0)) this.log.warn({ failures }, 'objects failed; retrying them with backoff');
      this.retryFailedObjects();
      this.reconciles++;
      this.metrics.observePass(full, ms / 1000);
      this.lastReconcile = {
        at: new Date().toISOString(),
        ms,
        full,
        revision: this.replica.revision,
        planMs: result.planMs,
        changes: result.changes,
        steps: result.steps,
        error: error ?? (failures.length > 0 ? failures.join('; ') : null),
      };
      const steps = Object.fromEntries(result.steps.map((r) => [r.step, r.ms]));
      this.log.debug(
        { ms, full, planMs: result.planMs, changes: result.changes, steps, revision: this.replica.revision },
        'pass',
      );
    }
  }

  /** One pass: read the switch, compile the whole plan, run every step. */
  private async pass(full: boolean): Promise<PassResult & { planMs: number }> {
    const started = performance.now();
    const host = await this.mechanism.observe();
    const facts = { ...host.facts, conntrackZones: await this.firewall?.zones() };
    const plan = compile(this.replica, facts, this.settings);
    const synced = this.replica.synced;
    const planMs = Math.round((performance.now() - started) * 10) / 10;
    const result = await this.reconciler.run({
      plan,
      full,
      synced,
      revision: this.replica.revision,
      replica: this.replica,
      settings: this.settings,
      observed: host.observed,
    });
    // Before the first snapshot the plan is partial: queries and counters keep the last whole one.
    if (synced) this.lastPlan = plan;
    return { ...result, planMs };
  }

  /** A pass that failed as a whole (OVSDB away, the plan could not be made): a full resync after a backoff. */
  private failed(e: unknown): void {
    this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 100), 5000);
    this.log.error({ err: e, retryInMs: this.backoffMs }, 'reconcile failed; retrying');
    this.fullPending = true;
    this.retryAt = Date.now() + this.backoffMs;
    setTimeout(() => this.schedule(true), this.backoffMs).unref();
    this.dirty = false;
  }

  /** An incremental pass when the first failed object's backoff ends. */
  private retryFailedObjects(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const at = this.reconciler.nextRetry();
    if (at === null || this.stopped) return;
    this.retryTimer = setTimeout(() => this.schedule(false), Math.max(0, at - Date.now()));
    this.retryTimer.unref();
  }

  status(): AgentStatus {
    return {
      host: this.settings.host,
      roles: this.roles,
      synced: this.replica.synced,
      revision: this.replica.revision,
      records: this.replica.size(),
      reconciles: this.reconciles,
      last: this.lastReconcile,
      steps: this.reconciler.status(),
      ports: Object.fromEntries(this.lastPlan?.portStates ?? []),
    };
  }

  private onFeed(message: FeedMessage): void {
    if (message.type === 'heartbeat') return;
    if (message.type === 'query') {
      this.onQuery?.(message.id, message.query);
      return;
    }
    if (message.type === 'snapshot') {
      this.replica.replace(message.records, message.revision, message.dhcpNetworks);
      this.reconciler.reset();
      this.schedule(true);
    } else {
      const states = this.lastPlan?.portStates ?? null;
      const previous = (c: FeedChange) =>
        c.kind === 'port' ? this.replica.ports.get(c.id) : c.kind === 'agent' ? this.replica.agents.get(c.id) : undefined;
      const relevant = message.dhcpNetworks !== undefined || message.changes.some((c) => changesPlan(c, previous(c), states));
      this.replica.apply(message.changes, message.revision, message.dhcpNetworks);
      if (relevant) this.schedule(false);
    }
  }

  /** Reads the routers' metering counters and reports them; one at a time, and only with a whole plan. */
  async reportMetering(): Promise<void> {
    if (!this.metering || !this.lastPlan || this.meteringRun) return;
    const plan = this.lastPlan;
    this.meteringRun = this.metering
      .report(plan)
      .then(() => undefined)
      .catch((e) => this.log.warn({ err: (e as Error).message }, 'metering report failed; its counts go with the next one'))
      .finally(() => {
        this.meteringRun = null;
      });
    await this.meteringRun;
  }

  private async heartbeat(startFlag: boolean): Promise<void> {
    try {
      await sendReports(
        this.client,
        agentReports({ settings: this.settings, roles: this.roles, counters: () => this.counters() }, startFlag),
      );
      this.health.serverReachable(this.config.server);
    } catch (e) {
      this.health.serverUnreachable(this.config.server, e, this.config.username || null);
    }
  }

  private counters(): Record<AgentRole, Record<string, unknown>> {
    const plan = this.lastPlan;
    // How Open vSwitch answers, where the host runs it (configurations.ovsdb).
    const ovs = this.mechanism.health();
    return {
      l2: { ...this.mechanism.counters(plan), ...ovs },
      dhcp: { ...this.dhcpCounters(plan), ...ovs },
      l3: { ...l3Counters(plan), ...ovs },
    };
  }

  /** Neutron's DHCP agent reports how many networks, subnets and ports it serves. */
  private dhcpCounters(plan: HostPlan | null): Record<string, number> {
    const served = new Set(plan?.dnsmasq.map((d) => d.networkId) ?? []);
    let subnets = 0;
    let ports = 0;
    for (const s of this.replica.subnets.values()) if (served.has(s.network_id) && s.enable_dhcp) subnets++;
    for (const p of this.replica.ports.values()) if (served.has(p.network_id)) ports++;
    return { networks: served.size, subnets, ports };
  }
}
