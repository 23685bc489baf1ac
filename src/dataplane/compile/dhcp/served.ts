/**
 * Which networks this host's DHCP agent serves and with which port. The server schedules
 * networks to DHCP agents and the feed names them (ReplicaView.dhcpNetworks); a scheduled
 * network is served while it is up and has a DHCP-enabled subnet. The agent keeps one port per
 * served network (`device_owner` network:dhcp, Neutron's device_id), and the compiler plumbs
 * and serves a network once that port is in the replica. Both read this module, so they agree.
 */
import { dhcpPortDeviceId } from '../../../model/names.js';
import { DeviceOwner, type Network, type Port, type Subnet } from '../../../model/resources.js';
import type { ReplicaView } from '../inputs.js';

export interface ServedNetwork {
  readonly network: Network;
  /** Every subnet of the network in creation order (on-link routes name the others too). */
  readonly subnets: readonly Subnet[];
  /** The DHCP-enabled ones: the port needs an address on each. */
  readonly dhcpSubnets: readonly Subnet[];
  /** This host's DHCP port on the network, once it exists. */
  readonly port: Port | null;
}

const byCreation = (a: Subnet, b: Subnet) =>
  a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Subnets of each network in the replica, in creation order. */
function subnetsByNetwork(replica: ReplicaView): Map<string, Subnet[]> {
  const out = new Map<string, Subnet[]>();
  for (const s of replica.subnets.values()) {
    const list = out.get(s.network_id) ?? [];
    list.push(s);
    out.set(s.network_id, list);
  }
  for (const list of out.values()) list.sort(byCreation);
  return out;
}

/** Ports with this host's DHCP device_id, by network id, lowest port id first. */
export function dhcpPortsOf(replica: ReplicaView, host: string): Map<string, Port[]> {
  const out = new Map<string, Port[]>();
  for (const p of replica.ports.values()) {
    if (p.device_owner !== DeviceOwner.dhcp || p.device_id !== dhcpPortDeviceId(host, p.network_id)) continue;
    const list = out.get(p.network_id) ?? [];
    list.push(p);
    out.set(p.network_id, list);
  }
  for (const list of out.values()) list.sort((a, b) => (a.id < b.id ? -1 : 1));
  return out;
}

/** The networks this host serves, by network id order. */
export function servedNetworks(replica: ReplicaView, host: string): ServedNetwork[] {
  const subnets = subnetsByNetwork(replica);
  const ports = dhcpPortsOf(replica, host);
  const out: ServedNetwork[] = [];
  for (const id of [...replica.dhcpNetworks].sort()) {
    const network = replica.networks.get(id);
    if (!network?.admin_state_up) continue;
    const all = subnets.get(id) ?? [];
    const dhcpSubnets = all.filter((s) => s.enable_dhcp);
    if (dhcpSubnets.length === 0) continue;
    out.push({ network, subnets: all, dhcpSubnets, port: ports.get(id)?.[0] ?? null });
  }
  return out;
}
