/**
 * Which ports and networks concern this host: ports bound here (instances, and the DHCP and
 * router ports the agent itself creates), their networks, and the ports of other hosts on those
 * networks (the tunnel and unicast-flow endpoints, as l2population computes them). A host's
 * ports are those bound to it with its mechanism's vif_type (`ovs`, or `bridge` on a Linux
 * bridge host); remote ports are those bound to any L2 mechanism, so a network that spans Open
 * vSwitch and Linux bridge hosts is one network to both.
 */
import type { Network, Port, VifType } from '../../../model/resources.js';
import type { ReplicaView } from '../inputs.js';

/** vif_types of ports that an L2 agent wired somewhere. */
const WIRED_VIF_TYPES: ReadonlySet<VifType> = new Set(['ovs', 'bridge']);

export function boundHere(port: Port, host: string, vifType: VifType = 'ovs'): boolean {
  return port['binding:host_id'] === host && port['binding:vif_type'] === vifType;
}

/** Bound to a host whose L2 agent wires it (any mechanism). */
export function boundAnywhere(port: Port): boolean {
  return port['binding:host_id'] !== '' && WIRED_VIF_TYPES.has(port['binding:vif_type']);
}

export interface HostPorts {
  /** Ports bound to this host. */
  readonly local: readonly Port[];
  /** Networks with at least one local port, by id. */
  readonly networks: ReadonlyMap<string, Network>;
  /** Ports of other hosts on those networks, by network id. */
  readonly remote: ReadonlyMap<string, readonly Port[]>;
}

export function hostPorts(replica: ReplicaView, host: string, vifType: VifType = 'ovs'): HostPorts {
  const local: Port[] = [];
  const networks = new Map<string, Network>();
  for (const p of replica.ports.values()) {
    if (!boundHere(p, host, vifType)) continue;
    const net = replica.networks.get(p.network_id);
    if (!net) continue;
    local.push(p);
    networks.set(net.id, net);
  }
  const remote = new Map<string, Port[]>();
  for (const p of replica.ports.values()) {
    if (!networks.has(p.network_id) || p['binding:host_id'] === host || !boundAnywhere(p)) continue;
    const list = remote.get(p.network_id) ?? [];
    list.push(p);
    remote.set(p.network_id, list);
  }
  local.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { local, networks, remote };
}
