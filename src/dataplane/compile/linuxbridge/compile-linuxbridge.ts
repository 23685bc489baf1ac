/**
 * The L2 part of the plan on a Linux bridge host, as Neutron's Linux bridge agent builds it:
 * a bridge per network present here with its uplink (VXLAN device, VLAN sub-interface or flat
 * interface), the taps of the ports bound here in their bridges, and l2population's forwarding
 * and neighbour entries on the VXLAN devices. No Open vSwitch, no local VLANs.
 */
import type { HostFacts, HostSettings, ReplicaView } from '../inputs.js';
import { hostPorts } from '../l2/host-ports.js';
import type { L2Result } from '../l2/compile-l2.js';
import type { BridgeUplinkItem } from '../plan.js';
import { linuxBridges, uplinkOf } from './bridges.js';
import { l2population } from './l2population.js';
import { wireTaps } from './taps.js';

export function compileLinuxBridge(replica: ReplicaView, facts: HostFacts, settings: HostSettings): L2Result {
  const hp = hostPorts(replica, settings.host, 'bridge');
  const uplinks = [...hp.networks.values()]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((n) => uplinkOf(n, settings))
    .filter((u): u is BridgeUplinkItem => u !== null);
  const taps = wireTaps(hp.local, hp.networks, facts.taps ?? []);
  const l2pop = l2population(replica, settings, hp.networks, hp.remote);
  return {
    part: {
      linuxBridges: linuxBridges(hp.networks),
      bridgeUplinks: uplinks,
      bridgePorts: taps.bridgePorts,
      fdbEntries: l2pop.fdbEntries,
      neighbours: l2pop.neighbours,
    },
    localVlans: new Map(),
    portStates: taps.portStates,
  };
}
