/**
 * Which ports and networks concern this host: ports bound here (instances, and the DHCP and
 * router ports the agent itself creates), the ports of the HA routers this host hosts (the same
 * port is plugged on every node hosting the router, bound to the active one), their networks,
 * and who else holds ports on those networks: the tunnel and unicast-flow endpoints, as
 * l2population computes them. A host's ports are those bound to it with its mechanism's vif_type
 * (`ovs`, or `bridge` on a Linux bridge host); remote ports are those bound to any L2 mechanism,
 * so a network that spans Open vSwitch and Linux bridge hosts is one network to both. As
 * Neutron's l2population, an HA router's ports get no unicast flow on other hosts (the active
 * node moves; br-tun learns it from keepalived's gratuitous ARPs), only flooding to every node
 * that hosts the router.
 */
import { DeviceOwner, type Network, type Port, type VifType, isRouterInterface } from '../../../model/resources.js';
import type { ReplicaView } from '../inputs.js';
import { haRoutersHere } from '../l3/router-view.js';

/** vif_types of ports that an L2 agent wired somewhere. */
const WIRED_VIF_TYPES: ReadonlySet<VifType> = new Set(['ovs', 'bridge']);

export function boundHere(port: Port, host: string, vifType: VifType = 'ovs'): boolean {
  return port['binding:host_id'] === host && port['binding:vif_type'] === vifType;
}

/** Bound to a host whose L2 agent wires it (any mechanism). */
export function boundAnywhere(port: Port): boolean {
  return port['binding:host_id'] !== '' && WIRED_VIF_TYPES.has(port['binding:vif_type']);
}

const isRouterPort = (p: Port) => isRouterInterface(p) || p.device_owner === DeviceOwner.routerGateway;

export interface HostPorts {
  /** Ports wired here: bound to this host, or ports of an HA router this host hosts. */
  readonly local: readonly Port[];
  /** Networks with at least one local port, by id. */
  readonly networks: ReadonlyMap<string, Network>;
  /** Ports of other hosts on those networks that get unicast flows, by network id. */
  readonly remote: ReadonlyMap<string, readonly Port[]>;
  /** Other hosts holding ports of those networks that get no unicast flow (HA routers' nodes), by network id. */
  readonly floodHosts: ReadonlyMap<string, readonly string[]>;
}

export function hostPorts(replica: ReplicaView, host: string, vifType: VifType = 'ovs'): HostPorts {
  const haHere = haRoutersHere(replica, host);
  // Every HA router's nodes, known from its HA ports (on other hosts too: a compute node floods to them).
  const haHosts = new Map<string, Set<string>>();
  for (const p of replica.ports.values()) {
    if (p.device_owner !== DeviceOwner.routerHaInterface || !p['binding:host_id']) continue;
    const hosts = haHosts.get(p.device_id) ?? new Set<string>();
    hosts.add(p['binding:host_id']);
    haHosts.set(p.device_id, hosts);
  }
  const replicated = (p: Port) => isRouterPort(p) && (haHere.has(p.device_id) || haHosts.has(p.device_id));
  const local: Port[] = [];
  const networks = new Map<string, Network>();
  for (const p of replica.ports.values()) {
    if (!boundHere(p, host, vifType) && !(isRouterPort(p) && haHere.has(p.device_id))) continue;
    const net = replica.networks.get(p.network_id);
    if (!net) continue;
    local.push(p);
    networks.set(net.id, net);
  }
  const localIds = new Set(local.map((p) => p.id));
  const remote = new Map<string, Port[]>();
  const flood = new Map<string, Set<string>>();
  for (const p of replica.ports.values()) {
    if (!networks.has(p.network_id)) continue;
    // The other nodes of an HA router hosted here too: whichever is active speaks for it.
    if (replicated(p)) {
      const hosts = flood.get(p.network_id) ?? new Set<string>();
      for (const h of haHosts.get(p.device_id) ?? []) if (h !== host) hosts.add(h);
      flood.set(p.network_id, hosts);
      continue;
    }
    if (localIds.has(p.id) || p['binding:host_id'] === host || !boundAnywhere(p)) continue;
    const list = remote.get(p.network_id) ?? [];
    list.push(p);
    remote.set(p.network_id, list);
  }
  local.sort((a, b) => (a.id < b.id ? -1 : 1));
  const floodHosts = new Map([...flood].map(([n, hosts]) => [n, [...hosts].sort()]));
  return { local, networks, remote, floodHosts };
}
