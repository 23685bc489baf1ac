/**
 * The DHCP ports this host's DHCP agent keeps through the API, as Neutron's DHCP agent does:
 * one port per served network (`device_owner` network:dhcp, device_id
 * `dhcp<uuid5(host)>-<network id>`, bound to this host) with an address on every DHCP-enabled
 * subnet; updated when those subnets change; deleted when the network is no longer served here.
 * The server picks the first free address of each pool for DHCP ports.
 *
 * `planDhcpPorts` is pure (replica → actions); `DhcpPortKeeper` carries them out and remembers
 * what it asked for until the feed shows the result, so a pass that runs before the feed
 * catches up does not ask twice.
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import { dhcpPortsOf, servedNetworks } from '../dataplane/compile/dhcp/served.js';
import type { ReplicaView } from '../dataplane/compile/inputs.js';
import { QuarkError } from '../model/errors.js';
import { dhcpPortDeviceId } from '../model/names.js';
import { DeviceOwner, type Port } from '../model/resources.js';

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

export class DhcpPortKeeper {
  /** Networks whose port was created (or found) but is not in the replica yet. */
  private readonly pending = new Set<string>();
  /** Ports acted on, with the revision they had: the same action waits for a newer revision. */
  private readonly acted = new Map<string, number>();

  constructor(
    private readonly client: QuarkClient,
    private readonly host: string,
    private readonly log: Logger,
  ) {}

  /** Forget what was asked (after a snapshot the replica is the server's truth again). */
  reset(): void {
    this.pending.clear();
    this.acted.clear();
  }

  /**
   * Carries out the plan for the replica, for the networks `due` lets it touch now. Call only
   * with a synced replica (before the first snapshot it would delete what it cannot see).
   * Returns how many actions were carried out and the networks whose action failed (each is
   * tried again on a later pass).
   */
  async sync(
    replica: ReplicaView,
    due: (networkId: string) => boolean = () => true,
  ): Promise<{ done: number; failed: Map<string, unknown> }> {
    const mine = dhcpPortsOf(replica, this.host);
    for (const net of [...this.pending]) if (mine.has(net)) this.pending.delete(net);
    for (const id of [...this.acted.keys()])
      if (![...mine.values()].some((ps) => ps.some((p) => p.id === id))) this.acted.delete(id);
    let done = 0;
    const failed = new Map<string, unknown>();
    for (const action of planDhcpPorts(replica, this.host)) {
      if (action.op === 'create' ? this.pending.has(action.networkId) : this.acted.get(action.portId) === action.revision)
        continue;
      if (!due(action.networkId)) continue;
      try {
        await this.carryOut(action);
        done++;
      } catch (e) {
        failed.set(action.networkId, e);
      }
    }
    return { done, failed };
  }

  private async carryOut(action: DhcpPortAction): Promise<void> {
    if (action.op === 'create') {
      // The replica may lag behind an earlier create of ours (or of a previous run): ask the server.
      // Only an admin (this agent) can give a port this device id (DeviceIDNotOwnedByTenant), so
      // what is found is ours; the owner is matched too, as the replica's dhcpPortsOf does.
      const deviceId = action.port.device_id as string;
      const found = await this.client.get<{ ports: Port[] }>(
        `/v2.0/ports?network_id=${action.networkId}&device_id=${encodeURIComponent(deviceId)}&device_owner=${encodeURIComponent(DeviceOwner.dhcp)}`,
      );
      if (found.ports.length === 0) {
        const { port } = await this.client.post<{ port: Port }>('/v2.0/ports', { port: action.port });
        this.log.info(
          { network: action.networkId, port: port.id, ips: port.fixed_ips.map((f) => f.ip_address) },
          'created DHCP port',
        );
      }
      this.pending.add(action.networkId);
    } else if (action.op === 'update') {
      await this.client.put(`/v2.0/ports/${action.portId}`, { port: action.port });
      this.acted.set(action.portId, action.revision);
      this.log.info({ network: action.networkId, port: action.portId, change: Object.keys(action.port) }, 'updated DHCP port');
    } else {
      try {
        await this.client.delete(`/v2.0/ports/${action.portId}`);
      } catch (e) {
        if (!(e instanceof QuarkError && e.code === 'PortNotFound')) throw e;
      }
      this.acted.set(action.portId, action.revision);
      this.log.info({ network: action.networkId, port: action.portId }, 'deleted DHCP port');
    }
  }
}
