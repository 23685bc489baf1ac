/**
 * What the L3 agent does about floating IPs besides applying the plan: it finds the mappings
 * (floating → fixed) that a pass took away or changed, whose tracked connections must go, and
 * it tells the server which floating IPs its routers serve (ACTIVE) and which they cannot
 * (DOWN), as Neutron's `update_floatingip_statuses`. A floating IP of port forwardings is
 * served when one of its forwardings is; a forwarding that goes or changes loses its
 * connections as a mapping does.
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import type { ReplicaView } from '../dataplane/compile/inputs.js';
import type { FloatingIpItem, HostPlan, PortForwardingItem } from '../dataplane/compile/plan.js';
import type { ForwardedPorts, NatMapping } from '../dataplane/drivers/conntrack-nat.js';

/**
 * Per namespace, the mappings of `before` that `after` lacks: removed, or moved to another
 * fixed IP or router. Namespaces that `after` deletes are left out (their connections go
 * with them).
 */
export function changedMappings(
  before: readonly FloatingIpItem[],
  after: readonly FloatingIpItem[],
  namespaces: ReadonlySet<string>,
): Map<string, NatMapping[]> {
  const kept = new Set(after.map((f) => `${f.netns} ${f.floatingIpAddress} ${f.fixedIpAddress}`));
  const out = new Map<string, NatMapping[]>();
  for (const f of before) {
    if (!namespaces.has(f.netns) || kept.has(`${f.netns} ${f.floatingIpAddress} ${f.fixedIpAddress}`)) continue;
    out.set(f.netns, [...(out.get(f.netns) ?? []), { floating: f.floatingIpAddress, fixed: f.fixedIpAddress }]);
  }
  return out;
}

const forwardingKey = (f: PortForwardingItem) =>
  `${f.netns} ${f.floatingIpAddress} ${f.protocol} ${f.externalPorts} ${f.internalIpAddress} ${f.internalPorts}`;

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, dccp: 33, sctp: 132 };

/** The forwarding's connections, as conntrack names them. */
export const forwardedPorts = (f: PortForwardingItem): ForwardedPorts => ({
  floating: f.floatingIpAddress,
  protocol: PROTOCOL_NUMBERS[f.protocol] ?? 0,
  externalPorts: f.externalPorts,
  internal: f.internalIpAddress,
});

/** Per namespace, the forwardings of `before` that `after` lacks (removed or changed); deleted namespaces left out. */
export function changedForwardings(
  before: readonly PortForwardingItem[],
  after: readonly PortForwardingItem[],
  namespaces: ReadonlySet<string>,
): Map<string, PortForwardingItem[]> {
  const kept = new Set(after.map(forwardingKey));
  const out = new Map<string, PortForwardingItem[]>();
  for (const f of before) {
    if (!namespaces.has(f.netns) || kept.has(forwardingKey(f))) continue;
    out.set(f.netns, [...(out.get(f.netns) ?? []), f]);
  }
  return out;
}

export type FloatingIpStatus = 'ACTIVE' | 'DOWN';

/** ACTIVE for the floating IPs the plan serves, DOWN for the others of routers served here. */
export function floatingIpStatuses(replica: ReplicaView, plan: HostPlan): Map<string, FloatingIpStatus> {
  const served = new Set([
    ...plan.floatingIps.map((f) => f.origin.id),
    ...(plan.portForwardings ?? []).map((f) => f.floatingIpId),
  ]);
  const out = new Map<string, FloatingIpStatus>();
  for (const f of replica.floatingips.values()) {
    if (f.router_id && replica.routers.has(f.router_id)) out.set(f.id, served.has(f.id) ? 'ACTIVE' : 'DOWN');
  }
  return out;
}

/**
 * Sends floating IP statuses that differ from what the server shows, once per floating IP
 * revision: until the feed brings the updated record, later passes do not resend.
 */
export class FloatingIpStatusReporter {
  /** Floating IP id → `revision status` last sent. */
  private sent = new Map<string, string>();

  constructor(
    private readonly client: QuarkClient,
    private readonly host: string,
    private readonly log: Logger,
  ) {}

  /** Forget what was sent (after a snapshot: the server may have changed things meanwhile). */
  reset(): void {
    this.sent.clear();
  }

  /** Returns how many statuses it sent. */
  async report(statuses: ReadonlyMap<string, FloatingIpStatus>, replica: ReplicaView): Promise<number> {
    const send: Record<string, FloatingIpStatus> = {};
    const next = new Map<string, string>();
    for (const [id, status] of statuses) {
      const fip = replica.floatingips.get(id);
      const key = `${fip?.revision_number ?? 0} ${status}`;
      if (fip?.status === status) continue;
      if (this.sent.get(id) !== key) send[id] = status;
      next.set(id, key);
    }
    this.sent = next;
    const ids = Object.keys(send);
    if (ids.length === 0) return 0;
    try {
      await this.client.post('/v2.0/quark/floatingips/status', { host: this.host, statuses: send });
      this.log.info({ floatingips: ids.length }, 'reported floating IP status');
    } catch (e) {
      for (const id of ids) this.sent.delete(id);
      throw e;
    }
    return ids.length;
  }
}
