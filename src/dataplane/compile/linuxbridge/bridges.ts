/**
 * The bridges of a Linux bridge host, as Neutron's Linux bridge agent makes them: one bridge
 * `brq…` per network with a port bound here, and the device that carries the network off the
 * host, enslaved to it:
 *
 * - vxlan: `vxlan-<vni>` (`ip link add vxlan-1001 type vxlan id 1001 local 198.18.1.11 dstport
 *   4789 noudpcsum`), the network's MTU. UDP port 4789 (IANA's) rather than the kernel's
 *   default 8472, so VXLAN between these hosts and Open vSwitch hosts (which use 4789) meets; no
 *   outer UDP checksum, as RFC 7348 recommends for IPv4 and Open vSwitch sends (recent kernels
 *   send one by default, which a userspace Open vSwitch drops when a veth left it unfinished);
 * - vlan: a sub-interface of the physical network's interface, `eth2.100`;
 * - flat: the physical network's interface itself;
 * - local: nothing (the network stays on this host); gre: cannot be carried (the server does not
 *   bind a GRE network's port to a Linux bridge host).
 */
import { linuxBridge, vlanSubinterface, vxlanDevice } from '../../../model/names.js';
import type { Network } from '../../../model/resources.js';
import type { HostSettings } from '../inputs.js';
import type { BridgeUplinkItem, LinuxBridgeItem } from '../plan.js';

/** The UDP port of VXLAN (RFC 7348), as Open vSwitch uses it. */
export const VXLAN_UDP_PORT = 4789;

export function linuxBridges(networks: ReadonlyMap<string, Network>): LinuxBridgeItem[] {
  return [...networks.values()]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((n) => ({
      kind: 'linuxBridge',
      name: linuxBridge(n.id),
      networkId: n.id,
      mtu: n.mtu,
      origin: { kind: 'network', id: n.id },
    }));
}

/** The uplink of one network's bridge on this host, or null when it has none (local, or not carried here). */
export function uplinkOf(net: Network, settings: HostSettings): BridgeUplinkItem | null {
  const bridge = linuxBridge(net.id);
  const origin = { kind: 'network', id: net.id } as const;
  const segment = net['provider:segmentation_id'];
  const physnet = net['provider:physical_network'];
  const iface = physnet ? settings.interfaceMappings?.[physnet] : undefined;
  switch (net['provider:network_type']) {
    case 'vxlan':
      if (segment === null || !settings.tunnelIp || !settings.tunnelTypes.includes('vxlan')) return null;
      return {
        kind: 'bridgeUplink',
        bridge,
        name: vxlanDevice(segment),
        link: { type: 'vxlan', vni: segment, local: settings.tunnelIp, dstport: VXLAN_UDP_PORT, udpCsum: false },
        mtu: net.mtu,
        origin,
      };
    case 'vlan':
      if (segment === null || !iface) return null;
      return {
        kind: 'bridgeUplink',
        bridge,
        name: vlanSubinterface(iface, segment),
        link: { type: 'vlan', parent: iface, vlan: segment },
        mtu: net.mtu,
        origin,
      };
    case 'flat':
      return iface ? { kind: 'bridgeUplink', bridge, name: iface, link: { type: 'physical' }, mtu: null, origin } : null;
    case 'local':
    case 'gre':
      return null;
  }
}
