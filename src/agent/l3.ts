/**
 * The imperative side of the L3 role: while a pass applies the plan, the ports of the routers
 * served here are bound to this host (and those of routers gone elsewhere unbound); after it,
 * conntrack entries of floating IP mappings that went away are flushed (only now, once the NAT
 * rules no longer recreate them) and floating IP status is reported.
 *
 * Mappings that changed while the agent was down cannot be found by comparing plans, so the
 * first pass after a start reads each router's connection table and flushes what no longer
 * matches the plan.
 *
 * A router device announces its addresses (gratuitous ARP) when it becomes wired: its veth is
 * created in the pass that sees the new port, but the port is bound to this host (and tagged
 * with its network's VLAN) only a pass later, so the announcement made when the addresses were
 * added went nowhere. Instances that tried to reach the gateway meanwhile learn it at once
 * instead of at their next ARP retry (a second later).
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import type { ReplicaView } from '../dataplane/compile/inputs.js';
import type { FloatingIpItem, HostPlan } from '../dataplane/compile/plan.js';
import { type NatMapping, flushMappings, listConnections, staleMappings } from '../dataplane/drivers/conntrack-nat.js';
import { NAMESPACE_CONCURRENCY, eachLimit } from '../dataplane/drivers/limit.js';
import { announce } from '../dataplane/drivers/namespaces.js';
import { DEAD_VLAN } from '../dataplane/compile/tables.js';
import { FloatingIpStatusReporter, changedMappings, floatingIpStatuses } from './floating-ips.js';
import { RouterPortBinder, routerPortBindings } from './router-bindings.js';

export class L3Role {
  private readonly binder: RouterPortBinder;
  private readonly statuses: FloatingIpStatusReporter;
  /** The mappings in place after the last flush; null until the first pass swept the tables. */
  private mappings: readonly FloatingIpItem[] | null = null;
  /** Router devices (outer ends) wired to a network in the last pass; null before the first. */
  private wired: Set<string> | null = null;

  constructor(
    client: QuarkClient,
    private readonly host: string,
    private readonly log: Logger,
  ) {
    this.binder = new RouterPortBinder(client, log);
    this.statuses = new FloatingIpStatusReporter(client, host, log);
  }

  /** After a snapshot: what the server shows may have changed behind the agent's back. */
  reset(): void {
    this.statuses.reset();
  }

  /**
   * Binds and unbinds router ports; runs while the pass applies the plan, since the port is
   * wired only once the binding comes back through the feed.
   */
  bindPorts(replica: ReplicaView): Promise<void> {
    return this.binder.apply(routerPortBindings(replica, this.host));
  }

  /** Returns the number of connections flushed. */
  async afterApply(plan: HostPlan, replica: ReplicaView): Promise<number> {
    this.announceWired(plan);
    const flushed = await this.flush(plan);
    await this.statuses.report(floatingIpStatuses(replica, plan), replica);
    return flushed;
  }

  private announceWired(plan: HostPlan): void {
    const tags = new Map(plan.vifBindings.map((v) => [v.portName, v.tag]));
    const wired = new Set<string>();
    for (const p of plan.servicePorts) {
      const tag = tags.get(p.bridgePort);
      if (!p.announce || tag === undefined || tag === DEAD_VLAN) continue;
      wired.add(p.bridgePort);
      // After a restart the devices were wired before: nothing to announce.
      if (this.wired === null || this.wired.has(p.bridgePort)) continue;
      for (const a of p.addresses) if (!a.includes(':')) void announce(p.netns, p.device, a.split('/')[0]!);
    }
    this.wired = wired;
  }

  private async flush(plan: HostPlan): Promise<number> {
    const routers = new Set(plan.namespaces.filter((n) => n.origin.kind === 'router').map((n) => n.name));
    const stale =
      this.mappings === null ? await this.sweep(plan, routers) : changedMappings(this.mappings, plan.floatingIps, routers);
    let flushed = 0;
    for (const [netns, mappings] of stale) flushed += await flushMappings(netns, mappings);
    this.mappings = plan.floatingIps;
    if (flushed > 0) this.log.info({ flushed, namespaces: [...stale.keys()] }, 'flushed connections of old floating IP mappings');
    return flushed;
  }

  private async sweep(plan: HostPlan, routers: ReadonlySet<string>): Promise<Map<string, NatMapping[]>> {
    const out = new Map<string, NatMapping[]>();
    await eachLimit(routers, NAMESPACE_CONCURRENCY, async (netns) => {
      const wanted = plan.floatingIps
        .filter((f) => f.netns === netns)
        .map((f) => ({ floating: f.floatingIpAddress, fixed: f.fixedIpAddress }));
      const addresses = new Set(
        plan.servicePorts.filter((p) => p.netns === netns).flatMap((p) => p.addresses.map((a) => a.split('/')[0]!)),
      );
      const stale = staleMappings(await listConnections(netns), wanted, addresses);
      if (stale.length > 0) out.set(netns, stale);
    });
    return out;
  }
}
