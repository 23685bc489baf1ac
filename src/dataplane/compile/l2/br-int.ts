/**
 * Flows of br-int and of provider bridges. br-int switches with NORMAL between access ports
 * tagged with local VLANs; it drops the dead VLAN of unwired ports; traffic from a provider
 * bridge is translated from the provider's VLAN (or untagged, for flat) to the local VLAN, and
 * the provider bridge does the reverse on the way out.
 */
import { DEAD_VLAN, INTEGRATION_BRIDGE, intToPhysPatch, physToIntPatch } from '../../../model/names.js';
import type { Network } from '../../../model/resources.js';
import type { FlowItem } from '../plan.js';
import { BrInt, BrPhys } from '../tables.js';
import { flow, hostOrigin } from './flow.js';

const B = INTEGRATION_BRIDGE;

export function brIntBaseFlows(host: string): FlowItem[] {
  const o = hostOrigin(host);
  return [
    flow(B, BrInt.LOCAL_SWITCHING, 65535, `dl_vlan=${DEAD_VLAN}`, 'drop', o),
    flow(B, BrInt.LOCAL_SWITCHING, 0, '', `resubmit(,${BrInt.TRANSIENT})`, o),
    flow(B, BrInt.CANARY, 0, '', 'drop', o),
    flow(B, BrInt.TRANSIENT, 3, '', 'NORMAL', o),
  ];
}

/** Base flows of a bridge that only switches (the underlay bridge of the userspace datapath). */
export function switchFlows(bridge: string, host: string): FlowItem[] {
  return [flow(bridge, BrPhys.LOCAL_SWITCHING, 0, '', 'NORMAL', hostOrigin(host))];
}

export interface ProviderInput {
  readonly host: string;
  /** physical network → bridge */
  readonly bridgeMappings: Readonly<Record<string, string>>;
  readonly networks: ReadonlyMap<string, Network>;
  readonly localVlans: ReadonlyMap<string, number>;
}

export function providerFlows(input: ProviderInput): FlowItem[] {
  const out: FlowItem[] = [];
  const o = hostOrigin(input.host);
  for (const bridge of [...new Set(Object.values(input.bridgeMappings))].sort()) {
    out.push(flow(B, BrInt.LOCAL_SWITCHING, 2, `in_port=${intToPhysPatch(bridge)}`, 'drop', o));
    out.push(flow(bridge, BrPhys.LOCAL_SWITCHING, 2, `in_port=${physToIntPatch(bridge)}`, 'drop', o));
    out.push(flow(bridge, BrPhys.LOCAL_SWITCHING, 0, '', 'NORMAL', o));
  }
  for (const [netId, net] of [...input.networks].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const type = net['provider:network_type'];
    const physnet = net['provider:physical_network'];
    const vlan = input.localVlans.get(netId);
    const bridge = physnet ? input.bridgeMappings[physnet] : undefined;
    if ((type !== 'flat' && type !== 'vlan') || vlan === undefined || !bridge) continue;
    const origin = { kind: 'network', id: netId } as const;
    const segment = net['provider:segmentation_id'];
    const fromProvider = type === 'flat' ? 'vlan_tci=0x0000/0x1fff' : `dl_vlan=${segment}`;
    out.push(
      flow(
        B,
        BrInt.LOCAL_SWITCHING,
        3,
        `in_port=${intToPhysPatch(bridge)},${fromProvider}`,
        `mod_vlan_vid:${vlan},resubmit(,${BrInt.TRANSIENT})`,
        origin,
      ),
    );
    const toProvider = type === 'flat' ? 'strip_vlan,NORMAL' : `mod_vlan_vid:${segment},NORMAL`;
    out.push(flow(bridge, BrPhys.LOCAL_SWITCHING, 4, `in_port=${physToIntPatch(bridge)},dl_vlan=${vlan}`, toProvider, origin));
  }
  return out;
}
