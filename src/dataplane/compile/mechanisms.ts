/**
 * The L2 mechanisms a host can run (ML2's mechanism drivers with their agents), each a pure
 * compiler of the plan's L2 part: `openvswitch` (l2/) and `linuxbridge` (linuxbridge/). The
 * other parts (firewall, DHCP, L3) are the same on both; the devices of DHCP and router ports
 * join the bridge that carries their network here, named by `portBridge`.
 */
import { INTEGRATION_BRIDGE, linuxBridge } from '../../model/names.js';
import type { HostFacts, HostSettings, L2MechanismName, ReplicaView } from './inputs.js';
import { type L2Result, compileL2 } from './l2/compile-l2.js';
import { compileLinuxBridge } from './linuxbridge/compile-linuxbridge.js';

export const L2_MECHANISMS: Readonly<
  Record<L2MechanismName, (replica: ReplicaView, facts: HostFacts, settings: HostSettings) => L2Result>
> = {
  openvswitch: compileL2,
  linuxbridge: compileLinuxBridge,
};

/** The bridge a port of `networkId` joins on this host: br-int, or the network's brq…. */
export function portBridge(settings: Pick<HostSettings, 'mechanism'>, networkId: string): string {
  return settings.mechanism === 'linuxbridge' ? linuxBridge(networkId) : INTEGRATION_BRIDGE;
}
