/**
 * What the agent tells the server: heartbeats (one agent record per role, as Neutron has one
 * binary per role) and the ports it wired or lost, in batches.
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import { DEFAULT_DHCP_SETTINGS, type HostSettings } from '../dataplane/compile/inputs.js';
import type { HostPlan } from '../dataplane/compile/plan.js';
import type { AgentReport } from '../model/feed.js';

export type Role = 'l2' | 'dhcp' | 'l3';

const TYPES: Readonly<Record<Role, { type: AgentReport['agent_type']; binary: string; topic: string }>> = {
  l2: { type: 'Open vSwitch agent', binary: 'quark-openvswitch-agent', topic: 'N/A' },
  dhcp: { type: 'DHCP agent', binary: 'quark-dhcp-agent', topic: 'dhcp_agent' },
  l3: { type: 'L3 agent', binary: 'quark-l3-agent', topic: 'l3_agent' },
};

export interface ReportContext {
  readonly settings: HostSettings;
  readonly roles: readonly Role[];
  /** Role-specific counters for `configurations` (devices, networks, routers…). */
  readonly counters: () => Readonly<Record<Role, Record<string, unknown>>>;
}

export function agentReports(ctx: ReportContext, startFlag: boolean): AgentReport[] {
  const s = ctx.settings;
  const counters = ctx.counters();
  return ctx.roles.map((role) => {
    const base: Record<string, unknown> =
      role === 'l2'
        ? {
            tunneling_ip: s.tunnelIp ?? '',
            tunnel_types: s.tunnelTypes,
            bridge_mappings: s.bridgeMappings,
            datapath_type: s.datapathType,
            integration_bridge: 'br-int',
            l2_population: true,
            arp_responder_enabled: false,
            enable_distributed_routing: false,
            firewall_driver: s.firewallDriver ?? 'iptables_hybrid',
          }
        : role === 'dhcp'
          ? { dhcp_driver: 'quark.dnsmasq', dhcp_lease_duration: (s.dhcp ?? DEFAULT_DHCP_SETTINGS).leaseSeconds }
          : { agent_mode: 'legacy', ex_gw_ports: 0, external_network_bridge: '', handle_internal_only_routers: true };
    return {
      host: s.host,
      agent_type: TYPES[role].type,
      binary: TYPES[role].binary,
      topic: TYPES[role].topic,
      configurations: { ...base, ...counters[role] },
      start_flag: startFlag,
    };
  });
}

/** The L3 agent's counters, as Neutron's L3 agent reports them in `configurations`. */
export function l3Counters(plan: HostPlan | null): Record<string, number> {
  const ports = plan?.servicePorts ?? [];
  return {
    routers: plan?.namespaces.filter((n) => n.origin.kind === 'router').length ?? 0,
    ex_gw_ports: ports.filter((p) => p.device.startsWith('qg-')).length,
    interfaces: ports.filter((p) => p.device.startsWith('qr-')).length,
    floating_ips: plan?.floatingIps.length ?? 0,
  };
}

export async function sendReports(client: QuarkClient, reports: readonly AgentReport[]): Promise<void> {
  for (const agent of reports) await client.post('/v2.0/quark/agents/report', { agent });
}

/** Remembers what was reported and sends only changes in port status. */
export class PortStatusReporter {
  private reported = new Map<string, 'ACTIVE' | 'DOWN'>();

  constructor(
    private readonly client: QuarkClient,
    private readonly host: string,
    private readonly log: Logger,
  ) {}

  /** Forget what was reported (after a snapshot: the server may have changed things meanwhile). */
  reset(): void {
    this.reported.clear();
  }

  /**
   * Reports what changed. `plugged` holds when newly plugged VIFs appeared (performance.now());
   * the ones reported ACTIVE now are sent as `wired_ms` (the server's plug-to-ACTIVE metric) and
   * taken out of it.
   */
  async report(
    states: ReadonlyMap<string, 'ACTIVE' | 'DOWN'>,
    serverStatus: (id: string) => string | undefined,
    plugged: Map<string, number> = new Map(),
  ): Promise<void> {
    const up: string[] = [];
    const down: string[] = [];
    for (const [id, state] of states) {
      if (serverStatus(id) === state) {
        // Nothing to report (a VIF plugged again for a port still ACTIVE gives no figure).
        this.reported.set(id, state);
        if (state === 'ACTIVE') plugged.delete(id);
        continue;
      }
      (state === 'ACTIVE' ? up : down).push(id);
    }
    if (up.length === 0 && down.length === 0) return;
    const now = performance.now();
    const wired = Object.fromEntries(up.filter((id) => plugged.has(id)).map((id) => [id, Math.round(now - plugged.get(id)!)]));
    await this.client.post('/v2.0/quark/ports/status', { host: this.host, up, down, wired_ms: wired });
    for (const id of up) {
      this.reported.set(id, 'ACTIVE');
      plugged.delete(id);
    }
    for (const id of down) this.reported.set(id, 'DOWN');
    this.log.info({ up: up.length, down: down.length }, 'reported port status');
  }
}
