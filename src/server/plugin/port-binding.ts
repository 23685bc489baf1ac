/**
 * Port binding, as ML2's agent-based mechanism drivers do it: a port whose binding:host_id
 * names a host with a live L2 agent that can carry the port's network is bound with that
 * agent's mechanism; otherwise `binding_failed`. A port without a host stays `unbound`.
 *
 * - `openvswitch` (Open vSwitch agent): vif_type `ovs` and the details Nova needs for the
 *   hybrid plug into br-int.
 * - `linuxbridge` (Linux bridge agent): vif_type `bridge`, details `port_filter` and
 *   `connectivity` as neutron/plugins/ml2/drivers/linuxbridge/mech_driver/mech_linuxbridge.py
 *   sets them; Nova plugs the tap into `brq` + 11 characters of the network id.
 *
 * What an agent can carry is what ML2's SimpleAgentMechanismDriverBase checks: the network type
 * among the agent's tunnel_types (plus local, flat and vlan), and a flat or vlan network's
 * physical network among its mappings (bridge_mappings for OVS; interface_mappings and
 * bridge_mappings for Linux bridge). A Linux bridge agent reports only vxlan tunnels: GRE needs
 * Open vSwitch, so a GRE network's port on such a host fails to bind, and `bindingProblem` says why.
 * A trunk's parent or subport fails to bind on a Linux bridge host too: Quark's Linux bridge
 * agent does not wire trunks.
 */
import { type Agent, type AgentType, L2_AGENT_TYPES, type Network, type Port, type VifType } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';
import { isAlive } from './agents.js';
import { INTEGRATION_BRIDGE, trunkBridge } from '../../model/names.js';
import { agentKey } from '../../store/kinds.js';

export type Binding = Pick<Port, 'binding:vif_type' | 'binding:vif_details'>;

interface Mechanism {
  readonly vifType: VifType;
  /** Physical networks the agent can reach (its mappings' keys). */
  physnets(agent: Agent): readonly string[];
  details(agent: Agent): Readonly<Record<string, unknown>>;
}

const keysOf = (v: unknown): string[] => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v) : []);

const MECHANISMS: Readonly<Partial<Record<AgentType, Mechanism>>> = {
  'Open vSwitch agent': {
    vifType: 'ovs',
    physnets: (a) => keysOf(a.configurations.bridge_mappings),
    details: (a) => ({
      port_filter: true,
      ovs_hybrid_plug: true,
      bridge_name: INTEGRATION_BRIDGE,
      datapath_type: (a.configurations as { datapath_type?: string }).datapath_type ?? 'system',
      connectivity: 'l2',
    }),
  },
  'Linux bridge agent': {
    vifType: 'bridge',
    physnets: (a) => [...keysOf(a.configurations.interface_mappings), ...keysOf(a.configurations.bridge_mappings)],
    details: () => ({ port_filter: true, connectivity: 'l2' }),
  },
};

/**
 * The host's L2 agent: the one alive (the most recent heartbeat when a host changed mechanism
 * and both records are still alive), else the most recent one.
 */
export function l2AgentOf(view: ReadView, host: string, now?: Date, downTime?: number): Agent | undefined {
  const agents = L2_AGENT_TYPES.flatMap((t) => view.by('agent', 'typeHost', agentKey(t, host)));
  const byBeat = agents.sort((a, b) => (a.heartbeat_timestamp < b.heartbeat_timestamp ? 1 : -1));
  if (now && downTime !== undefined) return byBeat.find((a) => isAlive(a, now, downTime)) ?? byBeat[0];
  return byBeat[0];
}

/** Why `agent` cannot carry `net`, in an operator's words; null when it can. */
function cannotCarry(agent: Agent, net: Network): string | null {
  const mechanism = MECHANISMS[agent.agent_type]!;
  const type = net['provider:network_type'];
  const tunnels = (agent.configurations as { tunnel_types?: string[] }).tunnel_types ?? [];
  switch (type) {
    case 'gre':
    case 'vxlan':
      if (tunnels.includes(type)) return null;
      if (type === 'gre' && agent.agent_type === 'Linux bridge agent')
        return `its Linux bridge agent cannot carry GRE networks (GRE needs Open vSwitch; Linux bridge hosts tunnel with VXLAN only)`;
      return `its ${agent.agent_type} does not terminate ${type} tunnels (tunnel_types: ${tunnels.join(', ') || 'none'})`;
    case 'flat':
    case 'vlan': {
      const physnet = net['provider:physical_network'];
      if (physnet !== null && mechanism.physnets(agent).includes(physnet)) return null;
      return `its ${agent.agent_type} has no mapping for physical network ${physnet ?? '(none)'}`;
    }
    case 'local':
      return null;
  }
}

/**
 * Why the host's agent cannot wire the port as a trunk's parent or subport, or null. Neutron's
 * Linux bridge agent wires trunks with VLAN subinterfaces of the instance's tap device
 * (services/trunk/drivers/linuxbridge/agent/trunk_plumber.py); Quark's does not wire trunks,
 * so such a port fails to bind there rather than bind and never carry its VLANs.
 */
function cannotWireTrunk(view: ReadView, agent: Agent, portId: string | undefined): string | null {
  if (agent.agent_type !== 'Linux bridge agent' || portId === undefined) return null;
  const trunk = view.by('trunk', 'port', portId)[0] ?? view.by('trunk', 'subport', portId)[0];
  if (!trunk) return null;
  return `its Linux bridge agent does not wire trunks (trunk ${trunk.name || trunk.id}); trunk ports bind on Open vSwitch hosts`;
}

/**
 * Why a port on `host` cannot be bound now (no L2 agent, agent down or disabled, network not
 * carried, a trunk's port on a host that does not wire trunks), or null when it can: the reason
 * behind a `binding_failed`.
 */
export function bindingProblem(
  view: ReadView,
  port: Pick<Port, 'binding:host_id' | 'network_id'> & { readonly id?: string },
  nowIso: string,
  downTime: number,
): string | null {
  const host = port['binding:host_id'];
  if (!host) return null;
  const now = new Date(nowIso);
  const agent = l2AgentOf(view, host, now, downTime);
  const net = view.get('network', port.network_id);
  if (!agent) return `host ${host} has no L2 agent (Open vSwitch or Linux bridge)`;
  if (!net) return `network ${port.network_id} does not exist`;
  if (!agent.admin_state_up) return `the ${agent.agent_type} of host ${host} is disabled`;
  if (!isAlive(agent, now, downTime)) return `the ${agent.agent_type} of host ${host} is down`;
  const why = cannotCarry(agent, net);
  if (why) return `host ${host} cannot carry network ${net.name || net.id} (${net['provider:network_type']}): ${why}`;
  const trunk = cannotWireTrunk(view, agent, port.id);
  return trunk ? `host ${host} cannot wire port ${port.id}: ${trunk}` : null;
}

export function bindingFor(
  view: ReadView,
  port: Pick<Port, 'binding:host_id' | 'network_id'> & { readonly id?: string },
  nowIso: string,
  downTime: number,
): Binding {
  const host = port['binding:host_id'];
  if (!host) return { 'binding:vif_type': 'unbound', 'binding:vif_details': {} };
  const agent = l2AgentOf(view, host, new Date(nowIso), downTime);
  if (!agent || bindingProblem(view, port, nowIso, downTime) !== null) {
    return { 'binding:vif_type': 'binding_failed', 'binding:vif_details': {} };
  }
  const mechanism = MECHANISMS[agent.agent_type]!;
  const details = mechanism.details(agent);
  // A trunk's parent is plugged into its trunk bridge (Neutron's OVS trunk driver,
  // vif_details_bridge_name_handler), which the agent patches to br-int (docs/trunks.md).
  const trunk = port.id === undefined ? undefined : view.by('trunk', 'port', port.id)[0];
  if (trunk && mechanism.vifType === 'ovs') {
    return { 'binding:vif_type': mechanism.vifType, 'binding:vif_details': { ...details, bridge_name: trunkBridge(trunk.id) } };
  }
  return { 'binding:vif_type': mechanism.vifType, 'binding:vif_details': details };
}

/** The vif_type a host's ports get from its L2 agent's mechanism. */
export function vifTypeOf(agent: Agent): VifType | null {
  return MECHANISMS[agent.agent_type]?.vifType ?? null;
}
