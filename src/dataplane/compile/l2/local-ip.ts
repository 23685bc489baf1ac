/**
 * Local IPs on br-int, as Neutron's Open vSwitch agent extension installs them
 * (neutron/agent/l2/extensions/local_ip.py, br_int.py's setup_local_egress_flows and its ARP
 * responder and gratuitous ARP blocker), for the associations whose port is bound to this host:
 *
 *   LOCAL_SWITCHING(0)  prio 8   in_port=<instance VIF>                 → resubmit(,30)
 *                       prio 10  arp,dl_vlan=V,arp_spa=LIP               → drop (nobody else may claim the local IP)
 *                       prio 11  arp,dl_vlan=V,arp_spa=LIP,arp_tpa=FIXED → resubmit(,60)
 *   LOCAL_EGRESS(30)    prio 10  in_port=<instance VIF>                 → reg6 = its local VLAN, resubmit(,31)
 *                       prio 0                                          → resubmit(,60)
 *   LOCAL_IP(31)        prio 1   arp,reg6=V,arp_tpa=LIP                  → answer with the fixed port's MAC
 *                       prio 10  ip,reg6=V,nw_dst=LIP                    → to the fixed port's MAC, ct(commit,zone=V,nat(dst=FIXED)), on to 60
 *                       prio 10  ip,reg6=V,dl_src=MAC,nw_src=FIXED,ct_state=-trk → ct(zone=V,nat) (the replies), on to 60
 *                       prio 11  ip,reg6=V,nw_src=FIXED,nw_dst=LIP       → resubmit(,60) (the port itself reaches the real owner)
 *                       prio 0                                          → resubmit(,60)
 *
 * So an instance on this host that sends to the local IP reaches the associated port on the same
 * host, whatever holds the address elsewhere. Neutron goes from tables 30 and 31 to its packet
 * rate limit table (59), which goes on to 60; Quark has no table 59. Instances' traffic passes
 * through table 30 only while the host has an association, as in Neutron only with the extension
 * loaded. This is Neutron's `static_nat = False` (conntrack NAT); the learnt static NAT it needs
 * with its openvswitch firewall is not needed with the hybrid iptables firewall.
 */
import { DEAD_VLAN, INTEGRATION_BRIDGE } from '../../../model/names.js';
import type { LocalIpAssociation, Port } from '../../../model/resources.js';
import type { ReplicaView } from '../inputs.js';
import type { FlowItem, VifBindingItem } from '../plan.js';
import { BrInt } from '../tables.js';
import { flow, hostOrigin } from './flow.js';

const B = INTEGRATION_BRIDGE;

/** Neutron's ARP responder: the request turned into a reply from `mac`, sent back where it came from. */
const arpReply = (mac: string, ip: string) =>
  [
    'set_field:2->arp_op',
    'move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[]',
    'move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[]',
    `set_field:${mac}->arp_sha`,
    `set_field:${ip}->arp_spa`,
    'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]',
    `set_field:${mac}->eth_src`,
    'IN_PORT',
  ].join(',');

export function localIpFlows(
  replica: ReplicaView,
  host: string,
  vifs: readonly VifBindingItem[],
  local: readonly Port[],
): FlowItem[] {
  const here = new Map(local.map((p) => [p.id, p]));
  const tags = new Map(vifs.filter((v) => v.tag !== DEAD_VLAN).map((v) => [v.portId, v]));
  const associations = [...(replica.localIpAssociations?.values() ?? [])]
    .filter((a) => here.has(a.fixed_port_id) && tags.has(a.fixed_port_id) && replica.localIps?.has(a.local_ip_id))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  if (associations.length === 0) return [];
  const o = hostOrigin(host);
  const { LOCAL_SWITCHING, LOCAL_EGRESS, LOCAL_IP, TRANSIENT } = BrInt;
  const out: FlowItem[] = [
    flow(B, LOCAL_EGRESS, 0, '', `resubmit(,${TRANSIENT})`, o),
    flow(B, LOCAL_IP, 0, '', `resubmit(,${TRANSIENT})`, o),
  ];
  for (const v of vifs) {
    const port = here.get(v.portId);
    if (!port?.device_owner.startsWith('compute:') || v.tag === DEAD_VLAN) continue;
    const origin = { kind: 'port', id: port.id } as const;
    out.push(flow(B, LOCAL_SWITCHING, 8, `in_port=${v.portName}`, `resubmit(,${LOCAL_EGRESS})`, origin));
    out.push(flow(B, LOCAL_EGRESS, 10, `in_port=${v.portName}`, `set_field:${v.tag}->reg6,resubmit(,${LOCAL_IP})`, origin));
  }
  for (const a of associations)
    out.push(...associationFlows(a, replica, here.get(a.fixed_port_id)!, tags.get(a.fixed_port_id)!.tag));
  return out;
}

function associationFlows(a: LocalIpAssociation, replica: ReplicaView, port: Port, vlan: number): FlowItem[] {
  const lip = replica.localIps!.get(a.local_ip_id)!.local_ip_address;
  const mac = port.mac_address;
  const fixed = a.fixed_ip;
  const o = { kind: 'local_ip', id: a.local_ip_id } as const;
  const { LOCAL_SWITCHING, LOCAL_IP, TRANSIENT } = BrInt;
  return [
    flow(B, LOCAL_SWITCHING, 10, `arp,dl_vlan=${vlan},arp_spa=${lip}`, 'drop', o),
    flow(B, LOCAL_SWITCHING, 11, `arp,dl_vlan=${vlan},arp_spa=${lip},arp_tpa=${fixed}`, `resubmit(,${TRANSIENT})`, o),
    flow(B, LOCAL_IP, 1, `arp,reg6=${vlan},arp_tpa=${lip}`, arpReply(mac, lip), o),
    flow(
      B,
      LOCAL_IP,
      10,
      `ip,reg6=${vlan},nw_dst=${lip}`,
      `mod_dl_dst:${mac},ct(commit,table=${TRANSIENT},zone=${vlan},nat(dst=${fixed}))`,
      o,
    ),
    flow(
      B,
      LOCAL_IP,
      10,
      `ct_state=-trk,ip,reg6=${vlan},dl_src=${mac},nw_src=${fixed}`,
      `ct(table=${TRANSIENT},zone=${vlan},nat)`,
      o,
    ),
    flow(B, LOCAL_IP, 11, `ip,reg6=${vlan},nw_src=${fixed},nw_dst=${lip}`, `resubmit(,${TRANSIENT})`, o),
  ];
}
