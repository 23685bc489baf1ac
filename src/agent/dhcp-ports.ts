/**
 * The DHCP ports this host's DHCP agent keeps through the API, as Neutron's DHCP agent does:
 * one port per served network (`device_owner` network:dhcp, device_id
 * `dhcp<uuid5(host)>-<network id>`, bound to this host) with an address on every DHCP-enabled
 * subnet; updated when those subnets change; deleted when the network is no longer served here.
 * The server picks the first free address of each pool for DHCP ports.
 *
 * `planDhcpPorts` is pure (replica → actions); `DhcpPortKeeper` carries them out and remembers
 * what it asked for until the feed shows the result (port-keeper.ts).
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import { dhcpPortsOf, servedNetworks } from '../dataplane/compile/dhcp/served.js';
import type { ReplicaView } from '../dataplane/compile/inputs.js';
import { QuarkError } from '../model/errors.js';
import { dhcpPortDeviceId } from '../model/names.js';
import { DeviceOwner, type Port } from '../model/resources.js';
import { PortKeeper } from './port-keeper.js';

export type DhcpPortAction =
  | { readonly op: 'create'; readonly networkId: string; readonly port: Readonly<Record<string, unknown>> }
  | {
      readonly op: 'update';
      readonly networkId: string;
      readonly portId: string;
      readonly revision: number;
      readonly port: Readonly<Record<string, unknown>>;
    }
  | { readonly op: 'delete'; readonly networkId: string; readonly portId: string; readonly revision: number };

/** What must change so that exactly the served networks have this host's DHCP port, each right. */
export function planDhcpPorts(replica: ReplicaView, host: string): DhcpPortAction[] {
  const actions: DhcpPortAction[] = [];
  const mine = dhcpPortsOf(replica, host);
  const served = servedNetworks(replica, host);
  const servedIds = new Set(served.map((s) => s.network.id));
  for (const net of served) {
    const [keep, ...extra] = mine.get(net.network.id) ?? [];
    const wanted = new Set(net.dhcpSubnets.map((s) => s.id));
    if (!keep) {
      actions.push({
        op: 'create',
        networkId: net.network.id,
        port: {
          network_id: net.network.id,
          project_id: net.network.project_id,
          name: '',
          admin_state_up: true,
          device_owner: DeviceOwner.dhcp,
          device_id: dhcpPortDeviceId(host, net.network.id),
          'binding:host_id': host,
          fixed_ips: net.dhcpSubnets.map((s) => ({ subnet_id: s.id })),
        },
      });
    } else {
      const update: Record<string, unknown> = {};
      const have = new Set(keep.fixed_ips.map((f) => f.subnet_id));
      if (have.size !== wanted.size || [...wanted].some((s) => !have.has(s))) {
        update.fixed_ips = [
          ...keep.fixed_ips.filter((f) => wanted.has(f.subnet_id)),
          ...[...wanted].filter((s) => !have.has(s)).map((s) => ({ subnet_id: s })),
        ];
      }
      if (keep['binding:host_id'] !== host) update['binding:host_id'] = host;
      if (!keep.admin_state_up) update.admin_state_up = true;
      if (Object.keys(update).length > 0)
        actions.push({ op: 'update', networkId: net.network.id, portId: keep.id, revision: keep.revision_number, port: update });
    }
    for (const p of extra) actions.push(deletion(p));
  }
  for (const [networkId, ports] of mine) if (!servedIds.has(networkId)) for (const p of ports) actions.push(deletion(p));
  return actions;
}

const deletion = (p: Port): DhcpPortAction => ({
  op: 'delete',
  networkId: p.network_id,
  portId: p.id,
  revision: p.revision_number,
});

export class DhcpPortKeeper extends PortKeeper<DhcpPortAction> {
  constructor(client: QuarkClient, host: string, log: Logger) {
    super({
      portsOf: (replica) => dhcpPortsOf(replica, host),
      plan: (replica) => planDhcpPorts(replica, host),
      ownerOf: (action) => action.networkId,
      target: (action) => (action.op === 'create' ? null : { portId: action.portId, revision: action.revision }),
      carryOut: (action) => carryOut(client, log, action),
    });
  }
}

async function carryOut(client: QuarkClient, log: Logger, action: DhcpPortAction): Promise<void> {
  if (action.op === 'create') {
    // The replica may lag behind an earlier create of ours (or of a previous run): ask the server.
    // Only an admin (this agent) can give a port this device id (DeviceIDNotOwnedByTenant), so
    // what is found is ours; the owner is matched too, as the replica's dhcpPortsOf does.
    const deviceId = action.port.device_id as string;
    const found = await client.get<{ ports: Port[] }>(
      `/v2.0/ports?network_id=${action.networkId}&device_id=${encodeURIComponent(deviceId)}&device_owner=${encodeURIComponent(DeviceOwner.dhcp)}`,
    );
    if (found.ports.length === 0) {
      const { port } = await client.post<{ port: Port }>('/v2.0/ports', { port: action.port });
      log.info({ network: action.networkId, port: port.id, ips: port.fixed_ips.map((f) => f.ip_address) }, 'created DHCP port');
    }
  } else if (action.op === 'update') {
    await client.put(`/v2.0/ports/${action.portId}`, { port: action.port });
    log.info({ network: action.networkId, port: action.portId, change: Object.keys(action.port) }, 'updated DHCP port');
  } else {
    try {
      await client.delete(`/v2.0/ports/${action.portId}`);
    } catch (e) {
      if (!(e instanceof QuarkError && e.code === 'PortNotFound')) throw e;
    }
    log.info({ network: action.networkId, port: action.portId }, 'deleted DHCP port');
  }
}
