/**
 * The L3 agent tells the server what keepalived says about each HA router it hosts: active
 * where keepalived is VRRP master on this host, standby elsewhere (Neutron's
 * update_ha_routers_states, which neutron-keepalived-state-change drives). The server keeps it
 * on this host's HA port and shows it as `ha_state` in `GET /v2.0/routers/{id}/l3-agents`.
 * Level-triggered: a router whose HA port in the replica says otherwise than keepalived is
 * reported, once per port revision.
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import type { ReplicaView, VrrpState } from '../dataplane/compile/inputs.js';
import type { HostPlan } from '../dataplane/compile/plan.js';
import type { HaState } from '../model/resources.js';
import { haPortsOf } from './ha-ports.js';

/** The state keepalived gives each HA router of the plan (routers whose keepalived said nothing yet are left out). */
export function haStatesOf(plan: HostPlan, vrrp: ReadonlyMap<string, VrrpState>): Map<string, HaState> {
  const out = new Map<string, HaState>();
  for (const d of plan.daemons) {
    if (d.service !== 'keepalived') continue;
    const state = vrrp.get(d.origin.id);
    if (state) out.set(d.origin.id, state === 'MASTER' ? 'active' : 'standby');
  }
  return out;
}

export class HaStateReporter {
  /** Router id → `revision state` of the report sent, so passes before the feed catches up do not resend. */
  private readonly sent = new Map<string, string>();

  constructor(
    private readonly client: QuarkClient,
    private readonly host: string,
    private readonly log: Logger,
  ) {}

  reset(): void {
    this.sent.clear();
  }

  /** Sends the states the server does not have yet; returns how many routers it reported. */
  async report(replica: ReplicaView, states: ReadonlyMap<string, HaState>): Promise<number> {
    const ports = haPortsOf(replica, this.host);
    const send: Record<string, HaState> = {};
    for (const [routerId, state] of states) {
      const port = ports.get(routerId)?.[0];
      if (!port || (port.ha_state ?? 'standby') === state) continue;
      const key = `${port.revision_number} ${state}`;
      if (this.sent.get(routerId) === key) continue;
      send[routerId] = state;
      this.sent.set(routerId, key);
    }
    const routers = Object.keys(send);
    if (routers.length === 0) return 0;
    try {
      await this.client.post('/v2.0/quark/routers/ha_states', { host: this.host, states: send });
    } catch (e) {
      for (const r of routers) this.sent.delete(r);
      throw e;
    }
    this.log.info({ states: send }, 'reported HA router states');
    return routers.length;
  }
}
