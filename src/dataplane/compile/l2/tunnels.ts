/**
 * Tunnel endpoints: one GRE or VXLAN port on br-tun per remote host that shares a tunnelled
 * network with this host, named after the remote address as Neutron names them (gre-c6120002).
 * A tunnel exists only while a network needs it.
 */
import { TUNNEL_BRIDGE, type TunnelType, tunnelPort } from '../../../model/names.js';
import { type Agent, L2_AGENT_TYPES, type Network } from '../../../model/resources.js';
import type { HostSettings, ReplicaView } from '../inputs.js';
import type { OvsPortItem } from '../plan.js';
import type { HostPorts } from './host-ports.js';

export interface RemoteEndpoint {
  readonly host: string;
  readonly ip: string;
  readonly type: TunnelType;
  readonly portName: string;
}

export function tunnelIpOf(agent: Agent): string | null {
  const ip = agent.configurations.tunneling_ip;
  return typeof ip === 'string' && ip !== '' ? ip : null;
}

export function isTunnelled(net: Network): net is Network & { 'provider:network_type': TunnelType } {
  return net['provider:network_type'] === 'gre' || net['provider:network_type'] === 'vxlan';
}

/** Remote endpoints by network id: the hosts that have ports on each tunnelled local network. */
export function remoteEndpoints(replica: ReplicaView, settings: HostSettings, hp: HostPorts): Map<string, RemoteEndpoint[]> {
  const ipByHost = new Map<string, string>();
  // Linux bridge hosts count too: they terminate VXLAN, so a VXLAN network spans both mechanisms.
  for (const a of replica.agents.values()) {
    const ip = L2_AGENT_TYPES.includes(a.agent_type) ? tunnelIpOf(a) : null;
    if (ip) ipByHost.set(a.host, ip);
  }
  const out = new Map<string, RemoteEndpoint[]>();
  for (const [netId, net] of hp.networks) {
    if (!isTunnelled(net) || !settings.tunnelTypes.includes(net['provider:network_type'])) continue;
    const type = net['provider:network_type'];
    const seen = new Map<string, RemoteEndpoint>();
    for (const p of hp.remote.get(netId) ?? []) {
      const ip = ipByHost.get(p['binding:host_id']);
      if (!ip || ip === settings.tunnelIp || seen.has(ip)) continue;
      seen.set(ip, { host: p['binding:host_id'], ip, type, portName: tunnelPort(type, ip) });
    }
    out.set(
      netId,
      [...seen.values()].sort((a, b) => (a.portName < b.portName ? -1 : 1)),
    );
  }
  return out;
}

export function tunnelPorts(settings: HostSettings, endpoints: ReadonlyMap<string, readonly RemoteEndpoint[]>): OvsPortItem[] {
  const byName = new Map<string, RemoteEndpoint>();
  for (const list of endpoints.values()) for (const e of list) byName.set(e.portName, e);
  return [...byName.values()]
    .sort((a, b) => (a.portName < b.portName ? -1 : 1))
    .map((e) => ({
      kind: 'ovsPort',
      bridge: TUNNEL_BRIDGE,
      name: e.portName,
      type: e.type,
      options: { remote_ip: e.ip, local_ip: settings.tunnelIp ?? '', in_key: 'flow', out_key: 'flow' },
      tag: null,
      externalIds: { 'quark-remote-host': e.host },
      origin: { kind: 'host', id: e.host },
    }));
}
