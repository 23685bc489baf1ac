/**
 * The L3 agent binds the ports of the routers scheduled to it to its own host, through the API
 * (`binding:host_id`, as Neutron's L3 agent does through the plugin), so that the server binds
 * them (vif_type ovs) and this host's L2 part wires their qr-/qg- devices. When the scheduler
 * moves a router away (its agent died and came back, another agent won it), the router leaves
 * this agent's replica; the ports still bound here are unbound, and the new host binds them to
 * itself. Both steps are level-triggered: a pass that finds a port bound elsewhere rebinds it,
 * so a race between the two agents settles at the next pass.
 *
 * An HA router's ports are plugged on every node that hosts it and bound to the active one, as
 * Neutron's server binds them when an agent reports active (l3_hamode_db
 * _update_router_port_bindings): here the node where keepalived is master binds them to itself,
 * and no node unbinds them.
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import type { ReplicaView, VrrpState } from '../dataplane/compile/inputs.js';
import { DeviceOwner, isHaRouter } from '../model/resources.js';

const ROUTER_OWNERS: ReadonlySet<string> = new Set([
  DeviceOwner.routerInterface,
  DeviceOwner.haRouterInterface,
  DeviceOwner.routerGateway,
]);

export interface BindingChange {
  readonly portId: string;
  /** The host to bind to; '' unbinds. */
  readonly host: string;
  /** The port revision the change was computed from. */
  readonly revision: number;
}

/**
 * Ports of routers served here that are bound elsewhere, and ports bound here whose router is
 * not; for HA routers, their ports bound elsewhere while keepalived is master here (`vrrp`).
 */
export function routerPortBindings(
  replica: ReplicaView,
  host: string,
  vrrp: ReadonlyMap<string, VrrpState> = new Map(),
): BindingChange[] {
  const out: BindingChange[] = [];
  for (const p of replica.ports.values()) {
    if (!ROUTER_OWNERS.has(p.device_owner)) continue;
    const router = replica.routers.get(p.device_id);
    const bound = p['binding:host_id'];
    if ((router && isHaRouter(router)) || p.device_owner === DeviceOwner.haRouterInterface) {
      if (router && vrrp.get(router.id) === 'MASTER' && bound !== host)
        out.push({ portId: p.id, host, revision: p.revision_number });
      continue;
    }
    const served = router !== undefined;
    if (served && bound !== host) out.push({ portId: p.id, host, revision: p.revision_number });
    else if (!served && bound === host) out.push({ portId: p.id, host: '', revision: p.revision_number });
  }
  return out.sort((a, b) => (a.portId < b.portId ? -1 : 1));
}

/** Sends binding changes, each once per port revision, a few at a time. */
export class RouterPortBinder {
  /** Port id → `revision host` of the request sent, so passes before the feed catches up do not resend. */
  private readonly sent = new Map<string, string>();

  constructor(
    private readonly client: QuarkClient,
    private readonly log: Logger,
  ) {}

  /**
   * Sends the changes `due` lets it send now; returns how many were sent and the ports whose
   * request failed (gone meanwhile, or the server is away: a later pass decides again).
   */
  async apply(
    changes: readonly BindingChange[],
    due: (portId: string) => boolean = () => true,
  ): Promise<{ sent: number; failed: Map<string, unknown> }> {
    const todo = changes.filter((c) => this.sent.get(c.portId) !== `${c.revision} ${c.host}` && due(c.portId));
    const failed = new Map<string, unknown>();
    for (let i = 0; i < todo.length; i += 8) {
      await Promise.all(todo.slice(i, i + 8).map((c) => this.send(c).catch((e: unknown) => failed.set(c.portId, e))));
    }
    // Forget ports that need nothing anymore, so a later unbind/rebind of the same revision is sent.
    const pending = new Set(changes.map((c) => c.portId));
    for (const id of this.sent.keys()) if (!pending.has(id)) this.sent.delete(id);
    return { sent: todo.length - failed.size, failed };
  }

  private async send(c: BindingChange): Promise<void> {
    this.sent.set(c.portId, `${c.revision} ${c.host}`);
    try {
      await this.client.put(`/v2.0/ports/${c.portId}`, { port: { 'binding:host_id': c.host } });
    } catch (e) {
      this.sent.delete(c.portId);
      throw e;
    }
    this.log.info({ port: c.portId, host: c.host }, c.host ? 'bound router port' : 'unbound router port');
  }
}
