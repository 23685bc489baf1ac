/**
 * The host's bridges and the ports that join them: br-int; br-tun with the patch pair
 * patch-tun/patch-int when tunnels are configured; one provider bridge per bridge mapping with
 * int-<bridge>/phy-<bridge> patches; and, for the userspace datapath, the underlay bridge that
 * owns the tunnel address, with the underlay interface opened through AF_XDP when asked
 * (`afxdp: auto`) and ovs-vswitchd offers it (`afxdp-nonpmd`, generic XDP: +85 % TCP across
 * hosts, but ovs-vswitchd answers the agent 3-6 times slower; docs/flows.md).
 */
import {
  INTEGRATION_BRIDGE,
  PATCH_INT_TO_TUN,
  PATCH_TUN_TO_INT,
  TUNNEL_BRIDGE,
  intToPhysPatch,
  physToIntPatch,
} from '../../../model/names.js';
import type { HostFacts, HostSettings } from '../inputs.js';
import type { BridgeItem, OvsPortItem } from '../plan.js';
import { hostOrigin } from './flow.js';

const PROTOCOLS = ['OpenFlow10', 'OpenFlow13', 'OpenFlow14'];

function bridge(settings: HostSettings, name: string): BridgeItem {
  return {
    kind: 'bridge',
    name,
    datapathType: settings.datapathType,
    failMode: 'secure',
    protocols: PROTOCOLS,
    origin: hostOrigin(settings.host),
  };
}

function patch(settings: HostSettings, bridgeName: string, name: string, peer: string): OvsPortItem {
  return {
    kind: 'ovsPort',
    bridge: bridgeName,
    name,
    type: 'patch',
    options: { peer },
    tag: null,
    externalIds: {},
    origin: hostOrigin(settings.host),
  };
}

/** AF_XDP for the userspace datapath's own ports where it is asked for and ovs-vswitchd can open them so. */
export function afxdpPort(settings: Pick<HostSettings, 'afxdp'>, facts: Pick<HostFacts, 'ovsIfaceTypes'>): boolean {
  return settings.afxdp === 'auto' && (facts.ovsIfaceTypes ?? []).includes('afxdp-nonpmd');
}

export function bridgesOf(
  settings: HostSettings,
  facts: Pick<HostFacts, 'ovsIfaceTypes'> = {},
): { bridges: BridgeItem[]; ports: OvsPortItem[] } {
  const bridges = [bridge(settings, INTEGRATION_BRIDGE)];
  const ports: OvsPortItem[] = [];
  if (settings.tunnelTypes.length > 0) {
    bridges.push(bridge(settings, TUNNEL_BRIDGE));
    ports.push(patch(settings, INTEGRATION_BRIDGE, PATCH_INT_TO_TUN, PATCH_TUN_TO_INT));
    ports.push(patch(settings, TUNNEL_BRIDGE, PATCH_TUN_TO_INT, PATCH_INT_TO_TUN));
  }
  for (const name of [...new Set(Object.values(settings.bridgeMappings))].sort()) {
    bridges.push(bridge(settings, name));
    ports.push(patch(settings, INTEGRATION_BRIDGE, intToPhysPatch(name), physToIntPatch(name)));
    ports.push(patch(settings, name, physToIntPatch(name), intToPhysPatch(name)));
  }
  if (settings.underlay && settings.datapathType === 'netdev') {
    bridges.push(bridge(settings, settings.underlay.bridge));
    ports.push({
      kind: 'ovsPort',
      bridge: settings.underlay.bridge,
      name: settings.underlay.interface,
      ...(afxdpPort(settings, facts)
        ? { type: 'afxdp-nonpmd' as const, options: { 'xdp-mode': 'generic' } }
        : { type: 'system' as const, options: {} }),
      tag: null,
      externalIds: {},
      origin: hostOrigin(settings.host),
    });
  }
  return { bridges, ports };
}
