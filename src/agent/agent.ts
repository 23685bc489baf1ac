/**
 * The host agent: keeps a replica of the intent for its host (the feed), watches OVSDB for
 * plugged VIFs, and after every change compiles the whole host plan and applies the
 * difference. It is level-triggered: every pass starts from the full intent and what the host
 * has, so a missed event, a crash or an OVS restart heals at the next pass.
 *
 * Restarting must not disturb traffic: until the first snapshot arrives the agent touches
 * nothing but its bridges, and local VLANs are read back from OVS so the recompiled flows are
 * the same flows.
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import { compile } from '../dataplane/compile/compile.js';
import type { HostSettings } from '../dataplane/compile/inputs.js';
import type { HostPlan } from '../dataplane/compile/plan.js';
import {
  type InterfaceEvent,
  type InterfaceWatch,
  OvsdbClient,
  type SwitchState,
  applySwitchChange,
  readSwitch,
  waitForCurCfg,
  watchInterfaces,
} from '../dataplane/drivers/ovsdb/index.js';
import { OWNED, factsFrom, switchChangeFor } from '../dataplane/drivers/ovs-switch.js';
import { type DnsmasqReport, dnsmasqReportChanged, emptyDnsmasqReport } from '../dataplane/drivers/dnsmasq.js';
import type { AgentQuery, FeedMessage } from '../model/feed.js';
import type { AgentConfig } from './config.js';
import { FeedClient } from './feed-client.js';
import { AgentHealth } from './health.js';
import { DhcpPortKeeper } from './dhcp-ports.js';
import { applyFlows } from './flows.js';
import { HostFirewall } from './firewall.js';
import { applyAfterOvs, applyBeforeOvs, namespaceDigests } from './host-apply.js';
import { L3Role } from './l3.js';
import { Replica } from './replica.js';
import { PortStatusReporter, type Role, agentReports, l3Counters, sendReports } from './reporter.js';
import { ensureUnderlayAddress, refreshNeighbours } from './underlay.js';

/** How long a pass waits for ovs-vswitchd to apply its switch change before reporting ports. */
const VSWITCHD_WAIT_MS = 10_000;

export interface ReconcileStats {
  readonly at: string;
  readonly ms: number;
  readonly full: boolean;
  readonly revision: number;
  /**
   * What the pass changed on the host: OVSDB transaction, bridges whose flows were replaced,
   * the firewall's iptables or ipsets, and the number of changes to namespaces, devices,
   * addresses, routes, sysctls and iptables of the agent's namespaces.
   */
  readonly changed: PassChanges;
  /** What the DHCP role did: dnsmasq starts, reloads, releases, stops; DHCP port API calls. */
  readonly dhcp: { readonly dnsmasq: DnsmasqReport; readonly portChanges: number };
  readonly error: string | null;
}

export interface PassChanges {
  readonly ovsdb: boolean;
  readonly flowBridges: number;
  readonly firewall: boolean;
  readonly linux: number;
}

export interface AgentStatus {
  readonly host: string;
  readonly roles: readonly string[];
  readonly synced: boolean;
  readonly revision: number;
  readonly records: number;
  readonly reconciles: number;
  readonly last: ReconcileStats | null;
  readonly ports: Readonly<Record<string, 'ACTIVE' | 'DOWN'>>;
}

export class HostAgent {
  readonly replica = new Replica();
  private ovs: OvsdbClient | null = null;
  private watch: InterfaceWatch | null = null;
  private feed: FeedClient | null = null;
  private readonly ports: PortStatusReporter;
  private readonly vifSeen = new Map<string, number>();
  /** The DHCP role's ports (null without the role). */
  private readonly dhcpPorts: DhcpPortKeeper | null;
  private readonly timers: NodeJS.Timeout[] = [];
  private running: Promise<void> | null = null;
  private dirty = false;
  private fullPending = true;
  private stopped = false;
  /** After a failed pass, passes wait until this time (backoff doubling up to 5 s). */
  private retryAt = 0;
  private backoffMs = 0;
  private readonly appliedFlows = new Map<string, string>();
  /** Digest of each namespace's items as last applied (see host-apply.ts). */
  private appliedNamespaces = new Map<string, string>();
  private readonly l3: L3Role | null;
  private knownTunnels = new Set<string>();
  /** The L2 role's firewall (security groups); null without the l2 role. */
  private readonly firewall: HostFirewall | null;
  /** Whether OVS and the server answer, for the log and the heartbeats. */
  private readonly health: AgentHealth;
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
    this.ports = new PortStatusReporter(client, settings.host, log);
    this.health = new AgentHealth(log);
    this.dhcpPorts = settings.roles.includes('dhcp') ? new DhcpPortKeeper(client, settings.host, log) : null;
    this.firewall = settings.roles.includes('l2') ? new HostFirewall(log) : null;
    this.l3 = settings.roles.includes('l3') ? new L3Role(client, settings.host, log) : null;
  }

  get roles(): Role[] {
    return this.config.roles as Role[];
  }

  get ovsEnv() {
    return { rundir: this.config.ovsRundir || null };
  }

  /** What OVSDB holds now (bridges, ports, interfaces): for explain and trace queries. */
  async switchState(): Promise<SwitchState> {
    return readSwitch(await this.connectOvs());
  }

  async start(): Promise<void> {
    // Heartbeats begin before OVS answers: an agent waiting for its switch shows in GET /v2.0/agents (configurations.ovsdb).
    this.timers.push(setInterval(() => void this.heartbeat(false), this.config.reportInterval * 1000));
    this.timers[0]!.unref();
    await this.connectOvs();
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
    for (const t of this.timers) t.unref();
    this.log.info({ host: this.settings.host, roles: this.roles, datapath: this.settings.datapathType }, 'agent started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.feed?.stop();
    await this.watch?.cancel().catch(() => undefined);
    await this.running?.catch(() => undefined);
    this.ovs?.close();
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
      let error: string | null = null;
      let changed: PassChanges = { ovsdb: false, flowBridges: 0, firewall: false, linux: 0 };
      let dhcp = { dnsmasq: emptyDnsmasqReport(), portChanges: 0 };
      try {
        ({ dhcp, ...changed } = await this.reconcile(full));
      } catch (e) {
        error = (e as Error).message;
        this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 100), 5000);
        this.log.error({ err: e, retryInMs: this.backoffMs }, 'reconcile failed; retrying');
        this.fullPending = true;
        this.retryAt = Date.now() + this.backoffMs;
        setTimeout(() => this.schedule(true), this.backoffMs).unref();
        this.dirty = false;
      }
      if (error === null) this.backoffMs = 0;
      this.log.debug({ ms: Math.round(performance.now() - started), full, changed, revision: this.replica.revision }, 'pass');
      this.reconciles++;
      this.lastReconcile = {
        at: new Date().toISOString(),
        ms: Math.round((performance.now() - started) * 10) / 10,
        full,
        revision: this.replica.revision,
        changed,
        dhcp,
        error,
      };
    }
  }

  private async reconcile(full: boolean): Promise<PassChanges & { dhcp: { dnsmasq: DnsmasqReport; portChanges: number } }> {
    const ovs = await this.connectOvs();
    const state = await readSwitch(ovs);
    const facts = { ...factsFrom(state, 'br-int'), conntrackZones: await this.firewall?.zones() };
    const plan = compile(this.replica, facts, this.settings);
    if (!this.replica.synced) {
      // Before the first snapshot the agent knows nothing: keep every flow and tag as it is.
      const base = {
        ...plan,
        ovsPorts: plan.ovsPorts.filter((p) => p.type === 'patch' || p.type === 'system'),
        vifBindings: [],
        servicePorts: [],
      };
      const r = await applySwitchChange(ovs, switchChangeFor(base, state, false));
      await ensureUnderlayAddress(this.settings);
      return {
        ovsdb: r.changed,
        flowBridges: 0,
        firewall: false,
        linux: 0,
        dhcp: { dnsmasq: emptyDnsmasqReport(), portChanges: 0 },
      };
    }
    // With the replica synced the plan is the whole truth, so whatever it lacks is stale.
    const binding = this.l3?.bindPorts(this.replica);
    const digests = namespaceDigests(plan);
    const unchanged = new Set(
      full ? [] : [...digests].filter(([ns, d]) => this.appliedNamespaces.get(ns) === d).map(([ns]) => ns),
    );
    this.appliedNamespaces = new Map();
    let linux = await applyBeforeOvs(plan, this.settings, true, unchanged);
    // Before OVS wires a new VIF, so its traffic never flows unfiltered.
    const firewall = (await this.firewall?.apply(plan, full)) ?? { changed: false };
    const ovsResult = await applySwitchChange(ovs, switchChangeFor(plan, state, true), { waitForVswitchd: 'later' });
    await ensureUnderlayAddress(this.settings);
    const flowBridges = await applyFlows(this.ovsEnv, plan, this.appliedFlows, full);
    const after = await applyAfterOvs(plan, this.settings, true, full, unchanged);
    linux += after.changes;
    this.appliedNamespaces = digests;
    this.logDnsmasq(after.dnsmasq);
    const tunnels = new Set(plan.ovsPorts.filter((p) => p.type === 'gre' || p.type === 'vxlan').map((p) => p.options.remote_ip!));
    const fresh = [...tunnels].filter((t) => full || !this.knownTunnels.has(t));
    this.knownTunnels = tunnels;
    if (fresh.length > 0) await refreshNeighbours(this.settings, fresh);
    this.lastPlan = plan;
    const portChanges = await this.syncDhcpPorts(full);
    await binding;
    await this.l3?.afterApply(plan, this.replica);
    const statusChanges = this.ports.changes(plan.portStates, (id) => this.replica.ports.get(id)?.status, this.vifSeen);
    if (statusChanges.up.length > 0) await this.vswitchdApplied(ovs, ovsResult.nextCfg);
    await this.ports.send(statusChanges, this.vifSeen);
    return {
      ovsdb: ovsResult.changed,
      flowBridges,
      firewall: firewall.changed,
      linux,
      dhcp: { dnsmasq: after.dnsmasq, portChanges },
    };
  }

  /**
   * A VIF is wired only once ovs-vswitchd has applied its tag: until then br-int's NORMAL drops
   * or misplaces its frames, and an instance booted on ACTIVE loses its first ARP (a 1-s retry).
   * With a hundred ports on the userspace datapath that reconfiguration takes a second, so the
   * wait comes after the flows and the rest of the pass, not right after the transaction.
   */
  private async vswitchdApplied(ovs: OvsdbClient, nextCfg: number | undefined): Promise<void> {
    if (nextCfg === undefined) return;
    await waitForCurCfg(ovs, nextCfg, VSWITCHD_WAIT_MS).catch((e: unknown) => {
      this.log.warn({ err: e }, 'ovs-vswitchd has not applied the switch change yet; reporting port states anyway');
    });
  }

  /** When each newly plugged instance VIF appeared (by port id), until its port is reported ACTIVE. */
  private noteVif(e: InterfaceEvent): void {
    const port = e.interface.externalIds['iface-id'];
    // The agent's own router and DHCP ports are not instances' VIFs.
    if (!port || e.interface.externalIds[OWNED] === 'true') return;
    if (e.kind === 'removed') this.vifSeen.delete(port);
    else if (e.kind === 'added' || !e.previous.externalIds['iface-id']) this.vifSeen.set(port, performance.now());
  }

  /** Creates, updates and deletes this host's DHCP ports; failures retry on a later pass. */
  private async syncDhcpPorts(full: boolean): Promise<number> {
    if (!this.dhcpPorts) return 0;
    if (full) this.dhcpPorts.reset();
    const { done, failed } = await this.dhcpPorts.sync(this.replica);
    if (failed > 0) setTimeout(() => this.schedule(false), 5000).unref();
    return done;
  }

  private logDnsmasq(r: DnsmasqReport): void {
    if (!dnsmasqReportChanged(r)) return;
    for (const network of r.revived) this.log.warn({ network }, 'dnsmasq had died; started it again');
    const { started, restarted, reloaded, released, stopped } = r;
    this.log.info({ started, restarted, reloaded, released, stopped }, 'dnsmasq changed');
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
      this.dhcpPorts?.reset();
      this.l3?.reset();
      this.schedule(true);
    } else {
      this.replica.apply(message.changes, message.revision, message.dhcpNetworks);
      this.schedule(false);
    }
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

  private counters(): Record<Role, Record<string, unknown>> {
    const plan = this.lastPlan;
    const ovs = this.health.configurations();
    return {
      l2: { devices: plan ? plan.vifBindings.length : 0, tunnels: this.knownTunnels.size, ...ovs },
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

  /** Connects to OVSDB (waiting for it) and keeps the VIF watch running. */
  private async connectOvs(): Promise<OvsdbClient> {
    if (this.ovs && !this.ovs.isClosed) return this.ovs;
    const socket = `${this.config.ovsRundir || '/run/openvswitch'}/db.sock`;
    for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
      try {
        this.ovs = await OvsdbClient.connect(socket);
        this.health.ovsConnected(socket);
        break;
      } catch (e) {
        if (this.stopped) throw e;
        this.health.ovsUnreachable(socket, e);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    const ovs = this.ovs;
    void ovs.closed.then(() => {
      if (!this.stopped) {
        this.log.warn('ovsdb connection lost');
        this.schedule(true);
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
        if (events.some((e) => e.interface.externalIds['iface-id'] || e.kind !== 'changed') || restart) this.schedule(restart);
      }
    } catch {
      // the connection dropped; connectOvs() starts a new watch
    }
  }
}
