/**
 * Which instance a metadata request comes from, as Neutron's metadata agent decides
 * (neutron/agent/metadata/agent.py, get_port): the namespace proxy says through which router
 * or network the request came; the port is the one on that network (or on one of the router's
 * networks) holding the request's source address. Exactly one such port, or no answer: two
 * projects' networks behind different routers may reuse an address, but one router never
 * joins two networks with the same address in use (its subnets may not overlap).
 *
 * Neutron asks the server over RPC; Quark's agent already holds these records in its replica
 * (an l3 agent's scope has every port of its routers' networks, a dhcp agent's every port of
 * its networks).
 */
import { parseIp } from '../../model/ip/address.js';
import type { Port } from '../../model/resources.js';
import type { ReplicaView } from '../../dataplane/compile/inputs.js';

const ROUTER_INTERFACE_OWNERS = new Set([
  'network:router_interface',
  'network:router_interface_distributed',
  'network:ha_router_replicated_interface',
]);

export interface MetadataRequester {
  /** The instance: the port's device_id (Nova's instance uuid). */
  readonly instanceId: string;
  /** The port's project (sent as X-Tenant-ID). */
  readonly projectId: string;
  readonly port: Port;
}

export type Via = { readonly routerId: string } | { readonly networkId: string };

/** The networks a router joins (its interfaces'). */
export function routerNetworks(replica: ReplicaView, routerId: string): Set<string> {
  const out = new Set<string>();
  for (const p of replica.ports.values()) {
    if (p.device_id === routerId && ROUTER_INTERFACE_OWNERS.has(p.device_owner)) out.add(p.network_id);
  }
  return out;
}

/**
 * The instance behind `remote` (an address as X-Forwarded-For gives it), or null when no port
 * or more than one holds it. An IPv4-mapped IPv6 address is read as the IPv4 address.
 */
export function findRequester(replica: ReplicaView, remote: string, via: Via): MetadataRequester | null {
  const ip = parseIp(remote.replace(/^::ffff:(?=\d+\.)/, ''));
  if (!ip) return null;
  const networks = 'routerId' in via ? routerNetworks(replica, via.routerId) : new Set([via.networkId]);
  const matches: Port[] = [];
  for (const p of replica.ports.values()) {
    if (!networks.has(p.network_id)) continue;
    if (p.fixed_ips.some((f) => parseIp(f.ip_address)?.value === ip.value && parseIp(f.ip_address)?.version === ip.version))
      matches.push(p);
  }
  if (matches.length !== 1) return null;
  const port = matches[0]!;
  return { instanceId: port.device_id, projectId: port.project_id, port };
}
