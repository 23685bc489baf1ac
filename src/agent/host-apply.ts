/**
 * Applies the Linux parts of a plan around the OVSDB transaction, in the order the kernel
 * needs: namespaces and the veth pairs of service ports exist before OVS is told about their
 * outer ends; routes, ipsets, iptables and dnsmasq follow once the ports carry traffic; stale
 * things are removed last. Callers prune only once the replica is synced: before the first
 * snapshot the plan is a partial view and must not remove anything.
 */
import type { HostSettings } from '../dataplane/compile/inputs.js';
import type { HostPlan, IptablesChainItem } from '../dataplane/compile/plan.js';
import { type DnsmasqReport, applyDnsmasq } from '../dataplane/drivers/dnsmasq.js';
import { applyIpsets } from '../dataplane/drivers/ipset.js';
import { applyIptables } from '../dataplane/drivers/iptables.js';
import {
  announce,
  applyNamespaces,
  applyRoutes,
  applyServicePorts,
  applySysctls,
  pruneServicePorts,
} from '../dataplane/drivers/namespaces.js';

/** Namespaces the agent owns; anything else on the host is left alone. */
export const OWNED_NAMESPACES = ['qdhcp-', 'qrouter-'];
/** Devices the agent owns inside its namespaces. */
export const OWNED_DEVICES = ['ns-', 'qr-', 'qg-'];
/** iptables chains and ipsets the agent owns. */
export const OWNED_CHAINS = ['quark-'];
export const OWNED_SETS = ['Q'];

export async function applyBeforeOvs(plan: HostPlan, settings: HostSettings, prune: boolean): Promise<string[]> {
  await applyNamespaces(plan.namespaces, OWNED_NAMESPACES, false);
  const announced = await applyServicePorts(plan.servicePorts, { txOffloadOff: settings.datapathType === 'netdev' });
  await applySysctls(plan.sysctls);
  if (prune)
    await pruneServicePorts(
      plan.servicePorts,
      plan.namespaces.map((n) => n.name),
      OWNED_DEVICES,
    );
  await Promise.all(announced.map((a) => announce(a.netns, a.device, a.address)));
  return announced.map((a) => a.address);
}

function iptablesGroups(plan: HostPlan): Map<string, { netns: string | null; family: 4 | 6; items: IptablesChainItem[] }> {
  const groups = new Map<string, { netns: string | null; family: 4 | 6; items: IptablesChainItem[] }>();
  const group = (netns: string | null, family: 4 | 6) => {
    const key = `${netns ?? ''} ${family}`;
    if (!groups.has(key)) groups.set(key, { netns, family, items: [] });
    return groups.get(key)!;
  };
  // Every owned namespace is always visited, so chains no longer wanted get removed. The host's
  // own tables belong to the firewall (agent/firewall.ts).
  for (const ns of plan.namespaces) for (const f of [4, 6] as const) group(ns.name, f);
  for (const c of plan.iptables) if (c.netns !== null) group(c.netns, c.family).items.push(c);
  return groups;
}

/**
 * Returns what the dnsmasq driver did (the agent logs restarts and deaths). `full` (a full
 * resync) makes the dnsmasq driver re-read its files instead of trusting what it wrote.
 */
export async function applyAfterOvs(
  plan: HostPlan,
  settings: HostSettings,
  prune: boolean,
  full = true,
): Promise<{ dnsmasq: DnsmasqReport }> {
  await applyRoutes(
    plan.routes,
    plan.namespaces.map((n) => n.name),
  );
  const byNetns = new Map<string | null, typeof plan.ipsets>();
  for (const s of plan.ipsets) if (s.netns !== null) byNetns.set(s.netns, [...(byNetns.get(s.netns) ?? []), s]);
  const destroyStale: (() => Promise<void>)[] = [];
  for (const [netns, sets] of byNetns) destroyStale.push(await applyIpsets(netns, sets, OWNED_SETS));
  for (const g of iptablesGroups(plan).values()) await applyIptables(g.netns, g.family, g.items, OWNED_CHAINS);
  for (const destroy of destroyStale) await destroy();
  const dnsmasq = await applyDnsmasq(plan.dnsmasq, { stateDir: settings.stateDir, prune, full });
  if (prune) await applyNamespaces(plan.namespaces, OWNED_NAMESPACES, true);
  return { dnsmasq };
}
