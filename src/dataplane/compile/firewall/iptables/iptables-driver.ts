/**
 * The `iptables` driver of the Linux bridge mechanism, as Neutron's IptablesFirewallDriver: the
 * chains of the hybrid driver (iptables-hybrid/hybrid-driver.ts), matched with `physdev` on
 * the instance's tap, which sits in its network's bridge `brq…` (there is no qbr). Only the
 * conntrack zones differ: a frame between two ports of one network on this host crosses
 * netfilter once, in that bridge, so both ends must be tracked in the same zone; the zone is
 * the network's (CONNTRACK_ZONE_PER_PORT False in neutron/agent/linux/iptables_firewall.py),
 * set as Neutron's `_get_jump_rules` does, on frames from the bridge, routed in from it and from
 * each tap:
 *
 *   -m physdev --physdev-in brq1a2b3c4d-5e -m comment --comment "Set zone for …" -j CT --zone 4097
 *   -i brq1a2b3c4d-5e -m comment --comment "Set zone for …" -j CT --zone 4097
 *   -m physdev --physdev-in tap3c9b4a1e-2f -m comment --comment "Set zone for …" -j CT --zone 4097
 *
 * Neutron repeats the bridge's two rules for every port; Quark writes them once per network. A
 * stateless port's tap is untracked (`-j CT --notrack`) before any zone is set.
 */
import { linuxBridge, tapDevice } from '../../../../model/names.js';
import type { FirewallPortItem } from '../../plan.js';
import type { FirewallDriver } from '../driver.js';
import { comment } from '../iptables-hybrid/rule-args.js';
import { iptablesFirewall } from '../iptables-hybrid/hybrid-driver.js';
import type { FirewallScheme } from '../model.js';

export const LINUX_BRIDGE_SCHEME: FirewallScheme = { vifType: 'bridge', zoneKey: (p) => linuxBridge(p.network_id) };

const zone = (match: string, what: string, z: number) => `${match} ${comment(`Set zone for ${what}`)} -j CT --zone ${z}`;

function networkZoneRules(ports: readonly FirewallPortItem[]): string[] {
  // A stateless port's own frames go untracked (its tap only: the bridge's zone stays the others').
  const untracked = ports
    .filter((p) => p.stateful === false)
    .map((p) => `-m physdev --physdev-in ${tapDevice(p.portId)} ${comment(`Make ${p.portId} stateless`)} -j CT --notrack`);
  const byBridge = new Map<string, FirewallPortItem[]>();
  for (const p of ports) {
    if (p.zone === null) continue;
    const bridge = linuxBridge(p.networkId);
    const members = byBridge.get(bridge);
    if (members) members.push(p);
    else byBridge.set(bridge, [p]);
  }
  const zoned = [...byBridge.keys()].sort().flatMap((bridge) => {
    const members = byBridge.get(bridge)!;
    const z = members[0]!.zone!;
    const net = members[0]!.networkId;
    return [
      zone(`-m physdev --physdev-in ${bridge}`, net, z),
      zone(`-i ${bridge}`, net, z),
      ...members.map((p) => zone(`-m physdev --physdev-in ${tapDevice(p.portId)}`, p.portId, z)),
    ];
  });
  return [...untracked, ...zoned];
}

export const iptablesLinuxBridge: FirewallDriver = iptablesFirewall('iptables', LINUX_BRIDGE_SCHEME, networkZoneRules);
