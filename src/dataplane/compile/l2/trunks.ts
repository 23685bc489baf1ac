/**
 * Trunks, wired as Neutron's Open vSwitch trunk driver wires them
 * (neutron/services/trunk/drivers/openvswitch/agent/trunk_manager.py): per trunk whose parent is
 * bound here, a trunk bridge `tbr-<trunk id>` that holds the instance's VIF (plugged there by
 * `quark vif plug`, as os-vif plugs into the vif_details' bridge_name), and patch pairs to br-int:
 *
 *   tpt-<parent> (tbr, no tag: carries every VLAN) ⇄ tpi-<parent> (br-int, the parent network's
 *     local VLAN) — the parent's own, untagged traffic;
 *   spt-<subport> (tbr, tag = segmentation id) ⇄ spi-<subport> (br-int, the subport network's
 *     local VLAN) — frames the instance tags with the segmentation id leave the trunk bridge
 *     untagged through spt- and enter br-int in the subport network's local VLAN, and back.
 *
 * Both ends carry the port's iface-id and MAC, as Neutron's get_patch_peer_attrs sets them, so
 * the br-int ends are wired like any VIF (vif-bindings.ts) and make their ports ACTIVE.
 *
 * A subport's frames cross the parent's qbr tagged, which iptables does not see; what guards
 * them is what Neutron's OVS agent installs on every br-int VIF when its firewall driver does not
 * protect against ARP spoofing itself (ovs_neutron_agent.py setup_arp_spoofing_protection,
 * openflow/native/br_int.py): from `spi-`, ARP must name one of the subport's addresses
 * (ARP_SPOOF(24)) and every frame must come from one of its MACs (MAC_SPOOF(25)); the rest is
 * dropped. Not for subports with port security off. The
 * br-int ends are given their tag here too, so a patch port is never a trunk port of br-int,
 * not even before the agent first sees it. Neutron leaves the trunk bridge to OVS's default
 * NORMAL flow; Quark's bridges are `secure` and hold only the agent's flows, so the trunk
 * bridge gets that one NORMAL flow explicitly.
 */
import { DEAD_VLAN, INTEGRATION_BRIDGE, type TrunkPatchPrefix, trunkBridge, trunkPatch } from '../../../model/names.js';
import type { Port } from '../../../model/resources.js';
import type { Trunk } from '../../../model/trunk.js';
import type { HostSettings, ReplicaView } from '../inputs.js';
import type { BridgeItem, FlowItem, Origin, OvsPortItem } from '../plan.js';
import { BrInt, BrPhys } from '../tables.js';
import { flow } from './flow.js';
import { boundHere } from './host-ports.js';

export interface TrunkWiring {
  readonly bridges: BridgeItem[];
  readonly ports: OvsPortItem[];
  readonly flows: FlowItem[];
}

/** The trunks this host wires: those whose parent port is bound here, in id order. */
export function hostTrunks(replica: ReplicaView, host: string): Trunk[] {
  const out: Trunk[] = [];
  for (const t of replica.trunks?.values() ?? []) {
    const parent = replica.ports.get(t.port_id);
    if (parent && boundHere(parent, host)) out.push(t);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

function patchPair(
  trunkBr: string,
  prefix: 'tp' | 'sp',
  port: Port,
  trunkTag: number | null,
  intTag: number,
  origin: Origin,
): OvsPortItem[] {
  const onInt = trunkPatch(`${prefix}i-` as TrunkPatchPrefix, port.id);
  const onTrunk = trunkPatch(`${prefix}t-` as TrunkPatchPrefix, port.id);
  const externalIds = { 'iface-id': port.id, 'attached-mac': port.mac_address };
  return [
    {
      kind: 'ovsPort',
      bridge: trunkBr,
      name: onTrunk,
      type: 'patch',
      options: { peer: onInt },
      tag: trunkTag,
      externalIds,
      origin,
    },
    {
      kind: 'ovsPort',
      bridge: INTEGRATION_BRIDGE,
      name: onInt,
      type: 'patch',
      options: { peer: onTrunk },
      tag: intTag,
      externalIds,
      origin,
    },
  ];
}

export function trunkWiring(replica: ReplicaView, settings: HostSettings, localVlans: ReadonlyMap<string, number>): TrunkWiring {
  const bridges: BridgeItem[] = [];
  const ports: OvsPortItem[] = [];
  const flows: FlowItem[] = [];
  const vlanOf = (p: Port) => {
    const net = replica.networks.get(p.network_id);
    const wired = net && p.admin_state_up && net.admin_state_up && boundHere(p, settings.host);
    return (wired && localVlans.get(net.id)) || DEAD_VLAN;
  };
  for (const trunk of hostTrunks(replica, settings.host)) {
    const parent = replica.ports.get(trunk.port_id)!;
    const name = trunkBridge(trunk.id);
    const origin: Origin = { kind: 'trunk', id: trunk.id };
    bridges.push({
      kind: 'bridge',
      name,
      datapathType: settings.datapathType,
      failMode: 'secure',
      protocols: ['OpenFlow10', 'OpenFlow13', 'OpenFlow14'],
      origin,
    });
    flows.push(flow(name, BrPhys.LOCAL_SWITCHING, 0, '', 'NORMAL', origin));
    ports.push(...patchPair(name, 'tp', parent, null, vlanOf(parent), origin));
    for (const s of [...trunk.sub_ports].sort((a, b) => a.segmentation_id - b.segmentation_id)) {
      const sub = replica.ports.get(s.port_id);
      // A subport is wired once the server bound it here with its parent.
      if (!sub || !boundHere(sub, settings.host)) continue;
      ports.push(...patchPair(name, 'sp', sub, s.segmentation_id, vlanOf(sub), { kind: 'port', id: sub.id }));
      flows.push(...spoofingFlows(sub));
    }
  }
  if (flows.some((f) => f.table === BrInt.MAC_SPOOF)) {
    const host: Origin = { kind: 'host', id: settings.host };
    flows.push(
      flow(INTEGRATION_BRIDGE, BrInt.ARP_SPOOF, 0, '', 'drop', host),
      flow(INTEGRATION_BRIDGE, BrInt.MAC_SPOOF, 0, '', 'drop', host),
    );
  }
  return { bridges, ports, flows };
}

/** Neutron's ARP and MAC spoofing protection for a subport's `spi-` port on br-int. */
function spoofingFlows(sub: Port): FlowItem[] {
  if (sub.port_security_enabled === false) return [];
  const spi = trunkPatch('spi-', sub.id);
  const origin: Origin = { kind: 'port', id: sub.id };
  const macs = [...new Set([sub.mac_address, ...sub.allowed_address_pairs.map((p) => p.mac_address).filter(Boolean)])]
    .map((m) => m.toLowerCase())
    .sort();
  const ipv4 = [...new Set([...sub.fixed_ips.map((f) => f.ip_address), ...sub.allowed_address_pairs.map((p) => p.ip_address)])]
    .filter((a) => !a.includes(':'))
    .sort();
  const out = [
    flow(INTEGRATION_BRIDGE, BrInt.LOCAL_SWITCHING, 9, `in_port=${spi}`, `resubmit(,${BrInt.MAC_SPOOF})`, origin),
    ...macs.map((m) =>
      flow(INTEGRATION_BRIDGE, BrInt.MAC_SPOOF, 2, `in_port=${spi},dl_src=${m}`, `resubmit(,${BrInt.TRANSIENT})`, origin),
    ),
  ];
  // A /0 pair allows any address: Neutron leaves ARP alone then. Without any IPv4 address, no
  // ARP of the port passes (as Neutron: the jump is installed with nothing to allow).
  if (!ipv4.some((a) => a.endsWith('/0'))) {
    out.push(flow(INTEGRATION_BRIDGE, BrInt.LOCAL_SWITCHING, 10, `arp,in_port=${spi}`, `resubmit(,${BrInt.ARP_SPOOF})`, origin));
    for (const a of ipv4) {
      out.push(
        flow(INTEGRATION_BRIDGE, BrInt.ARP_SPOOF, 2, `arp,in_port=${spi},arp_spa=${a}`, `resubmit(,${BrInt.MAC_SPOOF})`, origin),
      );
    }
  }
  return out;
}
