/**
 * What the agent tells the server: heartbeats (one agent record per role, as Neutron has one
 * binary per role) and the ports it wired or lost, in batches.
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import { DEFAULT_DHCP_SETTINGS, type HostSettings } from '../dataplane/compile/inputs.js';
import type { HostPlan } from '../dataplane/compile/plan.js';
import type { AgentReport, AgentRole } from '../model/feed.js';
import { INTEGRATION_BRIDGE, isDevice } from '../model/names.js';

const TYPES: Readonly<Record<AgentRole, { type: AgentReport['agent_type']; binary: string; topic: string }>> = {
  l2: { type: 'Open vSwitch agent', binary: 'quark-openvswitch-agent', topic: 'N/A' },
  dhcp: { type: 'DHCP agent', binary: 'quark-dhcp-agent', topic: 'dhcp_agent' },
  l3: { type: 'L3 agent', binary: 'quark-l3-agent', topic: 'l3_agent' },
};

export interface ReportContext {
  readonly settings: HostSettings;
  readonly roles: readonly AgentRole[];
  /** Role-specific counters for `configurations` (devices, networks, routers…). */
  readonly counters: () => Readonly<Record<AgentRole, Record<string, unknown>>>;
}

/**
 * The Linux bridge agent's record, as Neutron's (linuxbridge_neutron_agent.py): agent_type
 * `Linux bridge agent`, its interface mappings, and VXLAN as its only tunnel type.
 */
const LINUX_BRIDGE_L2 = { type: 'Linux bridge agent', binary: 'quark-linuxbridge-agent', topic: 'N/A' } as const;

function l2Configuration(s: HostSettings): Record<string, unknown> {
  if (s.mechanism === 'linuxbridge') {
    return {
      tunneling_ip: s.tunnelIp ?? '',
      tunnel_types: s.tunnelTypes,
      interface_mappings: s.interfaceMappings ?? {},
      bridge_mappings: {},
      l2_population: true,
      firewall_driver: s.firewallDriver ?? 'iptables',
    };
  }
  return {
    tunneling_ip: s.tunnelIp ?? '',
    tunnel_types: s.tunnelTypes,
    bridge_mappings: s.bridgeMappings,
    datapath_type: s.datapathType,
    integration_bridge: INTEGRATION_BRIDGE,
    l2_population: true,
    arp_responder_enabled: false,
    enable_distributed_routing: false,
    firewall_driver: s.firewallDriver ?? 'iptables_hybrid',
  };
}

export function agentReports(ctx: ReportContext, startFlag: boolean): AgentReport[] {
  const s = ctx.settings;
  const counters = ctx.counters();
  return ctx.roles.map((role) => {
    const base: Record<string, unknown> =
      role === 'l2'
        ? l2Configuration(s)
        : role === 'dhcp'
          ? { dhcp_driver: 'quark.dnsmasq', dhcp_lease_duration: (s.dhcp ?? DEFAULT_DHCP_SETTINGS).leaseSeconds }
          : { agent_mode: 'legacy', ex_gw_ports: 0, external_network_bridge: '', handle_internal_only_routers: true };
    const kind = role === 'l2' && s.mechanism === 'linuxbridge' ? LINUX_BRIDGE_L2 : TYPES[role];
    return {
      host: s.host,
      agent_type: kind.type,
      binary: kind.binary,
      topic: kind.topic,
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
    ex_gw_ports: ports.filter((p) => isDevice('qg-', p.device)).length,
    interfaces: ports.filter((p) => isDevice('qr-', p.device)).length,
    floating_ips: plan?.floatingIps.length ?? 0,
  };
}

export async function sendReports(client: QuarkClient, reports: readonly AgentReport[]): Promise<void> {
  for (const agent of reports) await client.post('/v2.0/quark/agents/report', { agent });
}

/** The ports whose status the server has otherwise than the host. */
export interface PortStatusChanges {
  readonly up: readonly string[];
  readonly down: readonly string[];
}

/** Sends the changes in port status, judged against the server's status in the agent's replica. */
export class PortStatusReporter {
  constructor(
    private readonly client: QuarkClient,
    private readonly host: string,
    private readonly log: Logger,
  ) {}

  /**
   * What to report. `plugged` holds when newly plugged VIFs appeared (performance.now()); a port
   * the server already has ACTIVE, or that the host holds DOWN with its VIF there (admin down),
   * gives no plug-to-ACTIVE figure, so its entry goes. A port DOWN because the pass read the
   * host before its VIF appeared (`vifPresent`: the pass saw it) keeps its entry: its next pass wires it.
   */
  changes(
    states: ReadonlyMap<string, 'ACTIVE' | 'DOWN'>,
    serverStatus: (id: string) => string | undefined,
    plugged: Map<string, number>,
    vifPresent: (id: string) => boolean,
  ): PortStatusChanges {
    const up: string[] = [];
    const down: string[] = [];
    for (const [id, state] of states) {
      if (state === 'DOWN' && vifPresent(id)) plugged.delete(id);
      if (serverStatus(id) === state) {
        if (state === 'ACTIVE') plugged.delete(id);
        continue;
      }
      (state === 'ACTIVE' ? up : down).push(id);
    }
    return { up, down };
  }

  /** Sends them; the ports going ACTIVE carry `wired_ms` (the server's plug-to-ACTIVE metric). */
  async send(changes: PortStatusChanges, plugged: Map<string, number>): Promise<void> {
    const { up, down } = changes;
    if (up.length === 0 && down.length === 0) return;
    const now = performance.now();
    const wired = Object.fromEntries(up.filter((id) => plugged.has(id)).map((id) => [id, Math.round(now - plugged.get(id)!)]));
    await this.client.post('/v2.0/quark/ports/status', { host: this.host, up, down, wired_ms: wired });
    for (const id of up) plugged.delete(id);
    this.log.info({ up: up.length, down: down.length }, 'reported port status');
  }
}
