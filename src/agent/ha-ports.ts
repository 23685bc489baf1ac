/**
 * The HA ports this host's L3 agent keeps through the API: for every HA router scheduled here,
 * one port on the router's project's HA network (`network:router_ha_interface`, device_id the
 * router, no project, bound to this host, port security off), where its keepalived speaks
 * VRRP; deleted when the router leaves this host or stops being HA. Neutron's server makes these
 * ports when it binds the router to an agent (l3_hamode_db.add_ha_port); Quark's server does not
 * store bindings, so the agent that hosts the router makes its own, as it makes its DHCP ports.
 *
 * `planHaPorts` is pure (replica → actions); `HaPortKeeper` carries them out (port-keeper.ts).
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import type { ReplicaView } from '../dataplane/compile/inputs.js';
import { QuarkError } from '../model/errors.js';
import { haPortName } from '../model/names.js';
import { DeviceOwner, type Network, type Port, isHaRouter } from '../model/resources.js';
import { PortKeeper } from './port-keeper.js';

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

export class HaPortKeeper extends PortKeeper<HaPortAction> {
  constructor(client: QuarkClient, host: string, log: Logger) {
    super({
      portsOf: (replica) => haPortsOf(replica, host),
      plan: (replica) => planHaPorts(replica, host),
      ownerOf: (action) => action.routerId,
      target: (action) => (action.op === 'delete' ? { portId: action.portId } : null),
      carryOut: (action) => carryOut(client, host, log, action),
    });
  }
}

async function carryOut(client: QuarkClient, host: string, log: Logger, action: HaPortAction): Promise<void> {
  if (action.op === 'create') {
    // The replica may lag behind an earlier create of ours (or of a previous run): ask the server.
    const found = await client.get<{ ports: Port[] }>(
      `/v2.0/ports?device_id=${action.routerId}&device_owner=${encodeURIComponent(DeviceOwner.routerHaInterface)}`,
    );
    if (!found.ports.some((p) => p['binding:host_id'] === host)) {
      const { port } = await client.post<{ port: Port }>('/v2.0/ports', { port: action.port });
      log.info({ router: action.routerId, port: port.id, ips: port.fixed_ips.map((f) => f.ip_address) }, 'created HA port');
    }
    return;
  }
  try {
    await client.delete(`/v2.0/ports/${action.portId}`);
  } catch (e) {
    if (!(e instanceof QuarkError && e.code === 'PortNotFound')) throw e;
  }
  log.info({ router: action.routerId, port: action.portId }, 'deleted HA port');
}
