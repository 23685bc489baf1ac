/**
 * Port binding, as ML2's openvswitch mechanism driver does it: a port whose binding:host_id
 * names a host with a live Open vSwitch agent that can carry the port's network gets vif_type
 * `ovs` and the details Nova needs for the hybrid plug; otherwise `binding_failed`. A port
 * without a host stays `unbound`.
 */
import type { Agent, Network, Port } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';
import { isAlive } from './agents.js';
import { INTEGRATION_BRIDGE, trunkBridge } from '../../model/names.js';
import { agentKey } from '../../store/kinds.js';

export type Binding = Pick<Port, 'binding:vif_type' | 'binding:vif_details'>;

export function ovsAgentOf(view: ReadView, host: string): Agent | undefined {
  return view.by('agent', 'typeHost', agentKey('Open vSwitch agent', host))[0];
}

function carries(agent: Agent, net: Network): boolean {
  const c = agent.configurations as { tunnel_types?: string[]; bridge_mappings?: Record<string, string> };
  switch (net['provider:network_type']) {
    case 'gre':
    case 'vxlan':
      return (c.tunnel_types ?? []).includes(net['provider:network_type']);
    case 'flat':
    case 'vlan':
      return net['provider:physical_network'] !== null && net['provider:physical_network'] in (c.bridge_mappings ?? {});
    case 'local':
      return true;
  }
}

export function bindingFor(
  view: ReadView,
  port: Pick<Port, 'binding:host_id' | 'network_id'> & { readonly id?: string },
  nowIso: string,
  downTime: number,
): Binding {
  const host = port['binding:host_id'];
  if (!host) return { 'binding:vif_type': 'unbound', 'binding:vif_details': {} };
  const agent = ovsAgentOf(view, host);
  const net = view.get('network', port.network_id);
  if (!agent || !net || !agent.admin_state_up || !isAlive(agent, new Date(nowIso), downTime) || !carries(agent, net)) {
    return { 'binding:vif_type': 'binding_failed', 'binding:vif_details': {} };
  }
  // A trunk's parent is plugged into its trunk bridge (Neutron's OVS trunk driver,
  // vif_details_bridge_name_handler), which the agent patches to br-int (docs/trunks.md).
  const trunk = port.id === undefined ? undefined : view.by('trunk', 'port', port.id)[0];
  return {
    'binding:vif_type': 'ovs',
    'binding:vif_details': {
      port_filter: true,
      ovs_hybrid_plug: true,
      bridge_name: trunk ? trunkBridge(trunk.id) : INTEGRATION_BRIDGE,
      datapath_type: (agent.configurations as { datapath_type?: string }).datapath_type ?? 'system',
      connectivity: 'l2',
    },
  };
}
