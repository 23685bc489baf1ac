/**
 * Which ports and networks concern this host: ports bound here (instances, and the DHCP and
 * router ports the agent itself creates), their networks, and the ports of other hosts on those
 * networks (the tunnel and unicast-flow endpoints, as l2population computes them).
 */
import type { Network, Port } from '../../../model/resources.js';
import type { ReplicaView } from '../inputs.js';

export function boundHere(port: Port, host: string): boolean {
  return port['binding:host_id'] === host && port['binding:vif_type'] === 'ovs';
}

export interface HostPorts {
  /** Ports bound to this host. */
  readonly local: readonly Port[];
  /** Networks with at least one local port, by id. */
  readonly networks: ReadonlyMap<string, Network>;
  /** Ports of other hosts on those networks, by network id. */
  readonly remote: ReadonlyMap<string, readonly Port[]>;
}

export function hostPorts(replica: ReplicaView, host: string): HostPorts {
  const local: Port[] = [];
  const networks = new Map<string, Network>();
  for (const p of replica.ports.values()) {
    if (!boundHere(p, host)) continue;
    const net = replica.networks.get(p.network_id);
    if (!net) continue;
    local.push(p);
    networks.set(net.id, net);
  }
  const remote = new Map<string, Port[]>();
  for (const p of replica.ports.values()) {
    if (!networks.has(p.network_id) || p['binding:host_id'] === host || p['binding:vif_type'] !== 'ovs') continue;
    const list = remote.get(p.network_id) ?? [];
    list.push(p);
    remote.set(p.network_id, list);
  }
  local.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { local, networks, remote };
}
