/**
 * The HA ports this host's L3 agent keeps through the API: for every HA router scheduled here,
 * one port on the router's project's HA network (`network:router_ha_interface`, device_id the
 * router, no project, bound to this host, port security off), where its keepalived speaks
 * VRRP; deleted when the router leaves this host or stops being HA. Neutron's server makes these
 * ports when it binds the router to an agent (l3_hamode_db.add_ha_port); Quark's server does not
 * store bindings, so the agent that hosts the router makes its own, as it makes its DHCP ports.
 *
 * `planHaPorts` is pure (replica → actions); `HaPortKeeper` carries them out and remembers what
 * it asked for until the feed shows the result.
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import type { ReplicaView } from '../dataplane/compile/inputs.js';
import { QuarkError } from '../model/errors.js';
import { haPortName } from '../model/names.js';
import { DeviceOwner, type Network, type Port, isHaRouter } from '../model/resources.js';

export type HaPortAction =
  | { readonly op: 'create'; readonly routerId: string; readonly port: Readonly<Record<string, unknown>> }
  | { readonly op: 'delete'; readonly routerId: string; readonly portId: string };

/** This host's HA ports in the replica, by router id, lowest id first. */
export function haPortsOf(replica: ReplicaView, host: string): Map<string, Port[]> {
  const out = new Map<string, Port[]>();
  for (const p of replica.ports.values()) {
    if (p.device_owner !== DeviceOwner.routerHaInterface || p['binding:host_id'] !== host) continue;
    out.set(
      p.device_id,
      [...(out.get(p.device_id) ?? []), p].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
  }
  return out;
}

/** The HA network of a project, as the replica has it (the feed sends it with the project's HA routers). */
export function haNetworkIn(replica: ReplicaView, projectId: string): Network | undefined {
  for (const n of replica.networks.values()) if (n.ha_project_id === projectId) return n;
  return undefined;
}

/** What must change so that exactly the HA routers served here have one HA port of this host each. */
export function planHaPorts(replica: ReplicaView, host: string): HaPortAction[] {
  const actions: HaPortAction[] = [];
  const mine = haPortsOf(replica, host);
  const wanted = new Set<string>();
  for (const r of [...replica.routers.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (!isHaRouter(r)) continue;
    wanted.add(r.id);
    const [, ...extra] = mine.get(r.id) ?? [];
    for (const p of extra) actions.push({ op: 'delete', routerId: r.id, portId: p.id });
    if (mine.has(r.id)) continue;
    const net = haNetworkIn(replica, r.project_id);
    if (!net) continue; // the feed has not brought it yet
    actions.push({
      op: 'create',
      routerId: r.id,
      port: {
        network_id: net.id,
        project_id: '',
        name: haPortName(r.project_id),
        admin_state_up: true,
        device_owner: DeviceOwner.routerHaInterface,
        device_id: r.id,
        'binding:host_id': host,
        port_security_enabled: false,
      },
    });
  }
  for (const [routerId, ports] of mine)
    if (!wanted.has(routerId)) for (const p of ports) actions.push({ op: 'delete', routerId, portId: p.id });
  return actions;
}

export class HaPortKeeper {
  /** Routers whose port was created (or found) but is not in the replica yet. */
  private readonly pending = new Set<string>();
  /** Ports whose delete was sent. */
  private readonly deleted = new Set<string>();

  constructor(
    private readonly client: QuarkClient,
    private readonly host: string,
    private readonly log: Logger,
  ) {}

  /** Forget what was asked (a full resync asks again). */
  reset(): void {
    this.pending.clear();
    this.deleted.clear();
  }

  /**
   * Carries out the plan for the routers `due` lets it touch now. Call only with a synced
   * replica (before the first snapshot it would delete what it cannot see). Returns how many
   * requests were sent and the routers whose request failed.
   */
  async sync(
    replica: ReplicaView,
    due: (routerId: string) => boolean = () => true,
  ): Promise<{ done: number; failed: Map<string, unknown> }> {
    const mine = haPortsOf(replica, this.host);
    for (const r of [...this.pending]) if (mine.has(r)) this.pending.delete(r);
    const present = new Set([...mine.values()].flat().map((p) => p.id));
    for (const id of [...this.deleted]) if (!present.has(id)) this.deleted.delete(id);
    let done = 0;
    const failed = new Map<string, unknown>();
    for (const action of planHaPorts(replica, this.host)) {
      if (action.op === 'create' ? this.pending.has(action.routerId) : this.deleted.has(action.portId)) continue;
      if (!due(action.routerId)) continue;
      try {
        await this.carryOut(action);
        done++;
      } catch (e) {
        failed.set(action.routerId, e);
      }
    }
    return { done, failed };
  }

  private async carryOut(action: HaPortAction): Promise<void> {
    if (action.op === 'create') {
      // The replica may lag behind an earlier create of ours (or of a previous run): ask the server.
      const found = await this.client.get<{ ports: Port[] }>(
        `/v2.0/ports?device_id=${action.routerId}&device_owner=${encodeURIComponent(DeviceOwner.routerHaInterface)}`,
      );
      if (!found.ports.some((p) => p['binding:host_id'] === this.host)) {
        const { port } = await this.client.post<{ port: Port }>('/v2.0/ports', { port: action.port });
        this.log.info(
          { router: action.routerId, port: port.id, ips: port.fixed_ips.map((f) => f.ip_address) },
          'created HA port',
        );
      }
      this.pending.add(action.routerId);
      return;
    }
    try {
      await this.client.delete(`/v2.0/ports/${action.portId}`);
    } catch (e) {
      if (!(e instanceof QuarkError && e.code === 'PortNotFound')) throw e;
    }
    this.deleted.add(action.portId);
    this.log.info({ router: action.routerId, port: action.portId }, 'deleted HA port');
  }
}
