/**
 * l2population on a Linux bridge host: for every VXLAN network here, the forwarding and
 * neighbour entries of the ports other hosts hold on it, as Neutron's agent installs them on
 * fdb_add (linuxbridge_neutron_agent.py add_fdb_entries):
 *
 *   bridge fdb append 00:00:00:00:00:00 dev vxlan-1001 dst 198.18.1.12   flooding, one per remote host
 *   bridge fdb replace fa:16:3e:… dev vxlan-1001 dst 198.18.1.12        each remote port's MAC
 *   ip neigh replace 10.0.0.5 lladdr fa:16:3e:… dev vxlan-1001 nud permanent
 *
 * Remote hosts are those whose L2 agent (Open vSwitch or Linux bridge) reports a tunneling_ip
 * and terminates VXLAN: a network that spans both mechanisms floods to all of them.
 */
import { vxlanDevice } from '../../../model/names.js';
import { L2_AGENT_TYPES, type Network, type Port } from '../../../model/resources.js';
import type { HostSettings, ReplicaView } from '../inputs.js';
import { tunnelIpOf } from '../l2/tunnels.js';
import type { FdbEntryItem, NeighbourItem } from '../plan.js';

export const FLOOD_MAC = '00:00:00:00:00:00';

/** Tunnel address of each host whose L2 agent terminates VXLAN. */
function vxlanEndpoints(replica: ReplicaView): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of replica.agents.values()) {
    const ip = L2_AGENT_TYPES.includes(a.agent_type) ? tunnelIpOf(a) : null;
    const types = (a.configurations as { tunnel_types?: unknown }).tunnel_types;
    if (ip && Array.isArray(types) && types.includes('vxlan')) out.set(a.host, ip);
  }
  return out;
}

export function l2population(
  replica: ReplicaView,
  settings: HostSettings,
  networks: ReadonlyMap<string, Network>,
  remote: ReadonlyMap<string, readonly Port[]>,
): { fdbEntries: FdbEntryItem[]; neighbours: NeighbourItem[] } {
  const fdbEntries: FdbEntryItem[] = [];
  const neighbours: NeighbourItem[] = [];
  if (!settings.tunnelIp || !settings.tunnelTypes.includes('vxlan')) return { fdbEntries, neighbours };
  const endpoints = vxlanEndpoints(replica);
  for (const net of [...networks.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const vni = net['provider:segmentation_id'];
    if (net['provider:network_type'] !== 'vxlan' || vni === null) continue;
    const device = vxlanDevice(vni);
    const ports = [...(remote.get(net.id) ?? [])]
      .filter((p) => {
        const ip = endpoints.get(p['binding:host_id']);
        return ip !== undefined && ip !== settings.tunnelIp;
      })
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const hosts = [...new Set(ports.map((p) => p['binding:host_id']))].sort();
    // The flooding entries exist for the network (one per host that has a port on it).
    const flood = { kind: 'network', id: net.id } as const;
    for (const host of hosts)
      fdbEntries.push({ kind: 'fdbEntry', device, mac: FLOOD_MAC, dst: endpoints.get(host)!, origin: flood });
    for (const p of ports) {
      const dst = endpoints.get(p['binding:host_id'])!;
      const mac = p.mac_address.toLowerCase();
      const origin = { kind: 'port', id: p.id } as const;
      fdbEntries.push({ kind: 'fdbEntry', device, mac, dst, origin });
      for (const f of p.fixed_ips) neighbours.push({ kind: 'neighbour', device, ip: f.ip_address, mac, origin });
    }
  }
  return { fdbEntries, neighbours };
}
