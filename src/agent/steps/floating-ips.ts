/**
 * What the L3 role does after the router namespaces are in place:
 * - a router device announces its addresses (gratuitous ARP) when it becomes wired: its veth
 *   is made in the pass that sees the new port, but the port is bound to this host (and tagged
 *   with its network's VLAN) only a pass later, so the announcement made when the addresses
 *   were added went nowhere; instances that tried the gateway meanwhile learn it at once
 *   instead of at their next ARP retry (a second later);
 * - the tracked connections of floating IP mappings and port forwardings that went away are
 *   flushed, only now that the NAT rules no longer recreate them (it requires the iptables
 *   step). Mappings that changed while the agent was down cannot be found by comparing plans,
 *   so the first pass after a start reads each router's connection table and flushes what the
 *   plan lacks (the pairs of its port forwardings included);
 * - floating IP status is reported (ACTIVE for those served, DOWN for the others of routers
 *   served here), as Neutron's `update_floatingip_statuses`.
 * Objects are the router namespaces: a router whose NAT rules could not be applied waits, and
 * its floating IPs are neither flushed nor reported, while the other routers go on.
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../../client/client.js';
import type { FloatingIpItem, HostPlan, PortForwardingItem } from '../../dataplane/compile/plan.js';
import {
  type NatMapping,
  flushForwardings,
  flushMappings,
  listConnections,
  staleMappings,
} from '../../dataplane/drivers/conntrack-nat.js';
import { NAMESPACE_CONCURRENCY, eachSettled } from '../../dataplane/drivers/limit.js';
import { announce } from '../../dataplane/drivers/namespaces.js';
import { routerNamespace } from '../../model/names.js';
import {
  FloatingIpStatusReporter,
  changedForwardings,
  changedMappings,
  floatingIpStatuses,
  forwardedPorts,
} from '../floating-ips.js';
import type { Pass, ReconcileStep, StepResult } from '../reconcile/step.js';

/** The namespaces of the routers the plan serves. */
const routerNamespaces = (plan: HostPlan) => plan.namespaces.filter((n) => n.origin.kind === 'router').map((n) => n.name);

export class FloatingIpsStep implements ReconcileStep {
  readonly name = 'floating-ips';
  readonly requires = ['iptables'];
  private readonly statuses: FloatingIpStatusReporter;
  /** Per router namespace, the mappings in place after its last flush; one not here was not swept since the start. */
  private readonly mappings = new Map<string, readonly FloatingIpItem[]>();
  /** Per router namespace, the port forwardings in place after its last flush. */
  private readonly forwardings = new Map<string, readonly PortForwardingItem[]>();
  /** Router devices (outer ends) wired to a network in the last pass; null before the first. */
  private wired: Set<string> | null = null;

  constructor(
    client: QuarkClient,
    host: string,
    private readonly log: Logger,
  ) {
    this.statuses = new FloatingIpStatusReporter(client, host, log);
  }

  objects(pass: Pass): string[] {
    return routerNamespaces(pass.plan);
  }

  async apply(pass: Pass): Promise<StepResult> {
    this.announceWired(pass.plan);
    const routers = routerNamespaces(pass.plan);
    for (const netns of this.mappings.keys()) if (!routers.includes(netns)) this.mappings.delete(netns);
    for (const netns of this.forwardings.keys()) if (!routers.includes(netns)) this.forwardings.delete(netns);
    const due = routers.filter((ns) => pass.due(ns));
    const { flushed, failed } = await this.flush(pass.plan, due);
    // Only the floating IPs of routers whose NAT is in place are reported.
    const done = new Set(due.filter((ns) => !failed.has(ns)));
    const statuses = new Map(
      [...floatingIpStatuses(pass.replica, pass.plan)].filter(([id]) => {
        const router = pass.replica.floatingips.get(id)?.router_id;
        return router && done.has(routerNamespace(router));
      }),
    );
    const reported = await this.statuses.report(statuses, pass.replica);
    return { changes: flushed + reported, failed };
  }

  /** After a snapshot: what the server shows may have changed behind the agent's back. */
  reset(): void {
    this.statuses.reset();
  }

  private announceWired(plan: HostPlan): void {
    const wired = new Set<string>();
    for (const p of plan.servicePorts) {
      // Wired: tagged with its network's VLAN on br-int, or in its network's bridge (Linux bridge).
      if (!p.announce || plan.portStates.get(p.portId) !== 'ACTIVE') continue;
      wired.add(p.bridgePort);
      // After a restart the devices were wired before: nothing to announce.
      if (this.wired === null || this.wired.has(p.bridgePort)) continue;
      for (const a of p.addresses) if (!a.includes(':')) void announce(p.netns, p.device, a.split('/')[0]!);
    }
    this.wired = wired;
  }

  /** Flushes, in each router namespace, the connections of mappings it no longer has. */
  private async flush(plan: HostPlan, routers: readonly string[]): Promise<{ flushed: number; failed: Map<string, unknown> }> {
    let flushed = 0;
    const failed = await eachSettled(routers, NAMESPACE_CONCURRENCY, String, async (netns) => {
      const wanted = plan.floatingIps.filter((f) => f.netns === netns);
      const before = this.mappings.get(netns);
      const stale = before ? (changedMappings(before, wanted, new Set([netns])).get(netns) ?? []) : await sweep(plan, netns);
      if (stale.length > 0) {
        flushed += await flushMappings(netns, stale);
        this.log.info({ netns, flushed: stale.length }, 'flushed connections of old floating IP mappings');
      }
      this.mappings.set(netns, wanted);
      const forwarded = (plan.portForwardings ?? []).filter((f) => f.netns === netns);
      const gone = changedForwardings(this.forwardings.get(netns) ?? [], forwarded, new Set([netns])).get(netns) ?? [];
      if (gone.length > 0) {
        flushed += await flushForwardings(netns, gone.map(forwardedPorts));
        this.log.info({ netns, forwardings: gone.length }, 'flushed connections of old port forwardings');
      }
      this.forwardings.set(netns, forwarded);
    });
    return { flushed, failed };
  }
}

/** The first time after a start: the mappings in the router's connection table that the plan lacks. */
async function sweep(plan: HostPlan, netns: string): Promise<NatMapping[]> {
  const wanted = plan.floatingIps
    .filter((f) => f.netns === netns)
    .map((f) => ({ floating: f.floatingIpAddress, fixed: f.fixedIpAddress }));
  const addresses = new Set(
    plan.servicePorts.filter((p) => p.netns === netns).flatMap((p) => p.addresses.map((a) => a.split('/')[0]!)),
  );
  const forwarded = (plan.portForwardings ?? [])
    .filter((f) => f.netns === netns)
    .map((f) => ({ floating: f.floatingIpAddress, fixed: f.internalIpAddress }));
  return staleMappings(await listConnections(netns), wanted, addresses, forwarded);
}
