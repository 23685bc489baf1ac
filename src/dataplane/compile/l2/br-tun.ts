/**
 * Flows of br-tun, table by table as Neutron's agent (with l2population) installs them:
 * traffic from br-int is split into unicast and flood; unicast to a MAC known to live behind a
 * tunnel goes straight there, the rest floods to the tunnels of the hosts that share the
 * network; traffic from a tunnel is mapped from its key to the local VLAN and learnt.
 */
import { PATCH_TUN_TO_INT, TUNNEL_BRIDGE } from '../../../model/names.js';
import type { Network, Port } from '../../../model/resources.js';
import type { FlowItem } from '../plan.js';
import { BrTun } from '../tables.js';
import { flow, hostOrigin } from './flow.js';
import type { RemoteEndpoint } from './tunnels.js';
import { isTunnelled } from './tunnels.js';

const B = TUNNEL_BRIDGE;
const hex = (n: number) => `0x${n.toString(16)}`;

const LEARN =
  'learn(table=20,priority=1,hard_timeout=300,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],' +
  'load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[])';

export interface BrTunInput {
  readonly host: string;
  readonly networks: ReadonlyMap<string, Network>;
  readonly localVlans: ReadonlyMap<string, number>;
  readonly endpoints: ReadonlyMap<string, readonly RemoteEndpoint[]>;
  readonly remotePorts: ReadonlyMap<string, readonly Port[]>;
}

export function brTunFlows(input: BrTunInput): FlowItem[] {
  const host = hostOrigin(input.host);
  const out: FlowItem[] = [
    flow(B, BrTun.CLASSIFY, 1, `in_port=${PATCH_TUN_TO_INT}`, `resubmit(,${BrTun.PATCH_LV_TO_TUN})`, host),
    flow(B, BrTun.CLASSIFY, 0, '', 'drop', host),
    flow(B, BrTun.PATCH_LV_TO_TUN, 0, 'dl_dst=00:00:00:00:00:00/01:00:00:00:00:00', `resubmit(,${BrTun.UCAST_TO_TUN})`, host),
    flow(B, BrTun.PATCH_LV_TO_TUN, 0, 'dl_dst=01:00:00:00:00:00/01:00:00:00:00:00', `resubmit(,${BrTun.FLOOD_TO_TUN})`, host),
    flow(B, BrTun.GRE_TUN_TO_LV, 0, '', 'drop', host),
    flow(B, BrTun.VXLAN_TUN_TO_LV, 0, '', 'drop', host),
    flow(B, BrTun.LEARN_FROM_TUN, 1, '', `${LEARN},output:${PATCH_TUN_TO_INT}`, host),
    flow(B, BrTun.UCAST_TO_TUN, 0, '', `resubmit(,${BrTun.FLOOD_TO_TUN})`, host),
    flow(B, BrTun.FLOOD_TO_TUN, 0, '', 'drop', host),
  ];
  const tunnels = new Map<string, RemoteEndpoint>();
  for (const list of input.endpoints.values()) for (const e of list) tunnels.set(e.portName, e);
  for (const e of [...tunnels.values()].sort((a, b) => (a.portName < b.portName ? -1 : 1))) {
    const table = e.type === 'gre' ? BrTun.GRE_TUN_TO_LV : BrTun.VXLAN_TUN_TO_LV;
    out.push(flow(B, BrTun.CLASSIFY, 1, `in_port=${e.portName}`, `resubmit(,${table})`, hostOrigin(e.host)));
  }
  for (const [netId, net] of [...input.networks].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const vlan = input.localVlans.get(netId);
    if (vlan === undefined || !isTunnelled(net)) continue;
    const key = hex(net['provider:segmentation_id'] ?? 0);
    const origin = { kind: 'network', id: netId } as const;
    const table = net['provider:network_type'] === 'gre' ? BrTun.GRE_TUN_TO_LV : BrTun.VXLAN_TUN_TO_LV;
    out.push(flow(B, table, 1, `tun_id=${key}`, `mod_vlan_vid:${vlan},resubmit(,${BrTun.LEARN_FROM_TUN})`, origin));
    const endpoints = input.endpoints.get(netId) ?? [];
    if (endpoints.length === 0) continue;
    const outputs = endpoints.map((e) => `output:${e.portName}`).join(',');
    out.push(flow(B, BrTun.FLOOD_TO_TUN, 1, `dl_vlan=${vlan}`, `strip_vlan,set_tunnel:${key},${outputs}`, origin));
    const byHost = new Map(endpoints.map((e) => [e.host, e]));
    for (const p of input.remotePorts.get(netId) ?? []) {
      const e = byHost.get(p['binding:host_id']);
      if (!e) continue;
      out.push(
        flow(
          B,
          BrTun.UCAST_TO_TUN,
          2,
          `dl_vlan=${vlan},dl_dst=${p.mac_address}`,
          `strip_vlan,set_tunnel:${key},output:${e.portName}`,
          { kind: 'port', id: p.id },
        ),
      );
    }
  }
  return out;
}
