/**
 * Applies the Linux parts of a plan around the OVSDB transaction, in the order the kernel
 * needs: namespaces and the veth pairs of service ports exist before OVS is told about their
 * outer ends; routes, ipsets, iptables and dnsmasq follow once the ports carry traffic; stale
 * things are removed last. Callers prune only once the replica is synced: before the first
 * snapshot the plan is a partial view and must not remove anything.
 *
 * The sections of a namespace (devices, sysctls, routes, iptables) whose items are exactly
 * those of the last successful pass (`unchanged`) are not read back on incremental passes:
 * with a hundred routers that saves hundreds of `ip` and `iptables-save` runs per pass, and a
 * new floating IP costs one look at one router's devices and rules. Full resyncs visit
 * everything, so changes made behind the agent's back are still repaired. Both functions
 * return the number of changes they made.
 */
import type { HostSettings } from '../dataplane/compile/inputs.js';
import type { HostPlan, IptablesChainItem } from '../dataplane/compile/plan.js';
import { type DnsmasqReport, applyDnsmasq } from '../dataplane/drivers/dnsmasq.js';
import { applyIpsets } from '../dataplane/drivers/ipset.js';
import { applyIptables } from '../dataplane/drivers/iptables.js';
import { NAMESPACE_CONCURRENCY, eachLimit } from '../dataplane/drivers/limit.js';
import { announce, applyNamespaces, applyRoutes, applyServicePorts, applySysctls } from '../dataplane/drivers/namespaces.js';

/** Namespaces the agent owns; anything else on the host is left alone. */
export const OWNED_NAMESPACES = ['qdhcp-', 'qrouter-'];
/** Devices the agent owns inside its namespaces. */
export const OWNED_DEVICES = ['ns-', 'qr-', 'qg-'];
/** iptables chains and ipsets the agent owns. */
export const OWNED_CHAINS = ['quark-'];
export const OWNED_SETS = ['Q'];

type Section = 'servicePorts' | 'sysctls' | 'routes' | 'iptables';
const SECTIONS: readonly Section[] = ['servicePorts', 'sysctls', 'routes', 'iptables'];
const key = (section: Section, netns: string) => `${section} ${netns}`;

/** A digest of each section of each namespace (`section netns` → items), to tell what a pass changes. */
export function namespaceDigests(plan: HostPlan): Map<string, string> {
  const items = new Map<string, unknown[]>();
  for (const ns of plan.namespaces) for (const s of SECTIONS) items.set(key(s, ns.name), []);
  for (const s of SECTIONS) {
    for (const item of plan[s] as readonly { netns: string | null }[]) if (item.netns) items.get(key(s, item.netns))?.push(item);
  }
  return new Map([...items].map(([k, list]) => [k, JSON.stringify(list)]));
}

/** Forgets every section of a namespace (it was created, or devices in it were). */
function forget(unchanged: Set<string>, netns: string): void {
  for (const s of SECTIONS) unchanged.delete(key(s, netns));
}

const changing = <T extends { netns: string | null }>(items: readonly T[], section: Section, unchanged: ReadonlySet<string>) =>
  unchanged.size === 0 ? items : items.filter((i) => i.netns === null || !unchanged.has(key(section, i.netns)));

const visiting = (plan: HostPlan, section: Section, unchanged: ReadonlySet<string>) =>
  plan.namespaces.map((n) => n.name).filter((n) => !unchanged.has(key(section, n)));

/**
 * `unchanged` is updated: namespaces where this pass had to create the namespace or a device
 * are visited whole (a recreated device lost its routes). Gratuitous ARP runs in the
 * background: arping takes a second and must not hold up the pass.
 */
export async function applyBeforeOvs(
  plan: HostPlan,
  settings: HostSettings,
  prune: boolean,
  unchanged: Set<string> = new Set(),
): Promise<number> {
  const { added } = await applyNamespaces(plan.namespaces, OWNED_NAMESPACES, false);
  for (const ns of added) forget(unchanged, ns);
  const ports = await applyServicePorts(changing(plan.servicePorts, 'servicePorts', unchanged), {
    txOffloadOff: settings.datapathType === 'netdev',
    prune: prune ? { namespaces: visiting(plan, 'servicePorts', unchanged), devicePrefixes: OWNED_DEVICES } : undefined,
  });
  for (const ns of ports.created) forget(unchanged, ns);
  const changes = added.length + ports.changes + (await applySysctls(changing(plan.sysctls, 'sysctls', unchanged)));
  for (const a of ports.announced) void announce(a.netns, a.device, a.address);
  return changes;
}

function iptablesGroups(
  plan: HostPlan,
  unchanged: ReadonlySet<string>,
): Map<string, { netns: string | null; family: 4 | 6; items: IptablesChainItem[] }> {
  const groups = new Map<string, { netns: string | null; family: 4 | 6; items: IptablesChainItem[] }>();
  const group = (netns: string | null, family: 4 | 6) => {
    const key = `${netns ?? ''} ${family}`;
    if (!groups.has(key)) groups.set(key, { netns, family, items: [] });
    return groups.get(key)!;
  };
  // Every owned namespace whose rules may have changed is visited, so chains no longer wanted
  // get removed. The host's own tables belong to the firewall (agent/firewall.ts).
  for (const ns of visiting(plan, 'iptables', unchanged)) for (const f of [4, 6] as const) group(ns, f);
  for (const c of changing(plan.iptables, 'iptables', unchanged)) if (c.netns !== null) group(c.netns, c.family).items.push(c);
  return groups;
}

/**
 * Returns the number of changes and what the dnsmasq driver did (the agent logs restarts and
 * deaths). `full` (a full resync) makes the dnsmasq driver re-read its files instead of
 * trusting what it wrote.
 */
export async function applyAfterOvs(
  plan: HostPlan,
  settings: HostSettings,
  prune: boolean,
  full = true,
  unchanged: ReadonlySet<string> = new Set(),
): Promise<{ changes: number; dnsmasq: DnsmasqReport }> {
  let changes = await applyRoutes(changing(plan.routes, 'routes', unchanged), visiting(plan, 'routes', unchanged));
  const byNetns = new Map<string | null, typeof plan.ipsets>();
  for (const s of plan.ipsets) if (s.netns !== null) byNetns.set(s.netns, [...(byNetns.get(s.netns) ?? []), s]);
  const destroyStale: (() => Promise<void>)[] = [];
  for (const [netns, sets] of byNetns) destroyStale.push(await applyIpsets(netns, sets, OWNED_SETS));
  await eachLimit(iptablesGroups(plan, unchanged).values(), NAMESPACE_CONCURRENCY, async (g) => {
    if (await applyIptables(g.netns, g.family, g.items, OWNED_CHAINS)) changes++;
  });
  for (const destroy of destroyStale) await destroy();
  const dnsmasq = await applyDnsmasq(plan.dnsmasq, { stateDir: settings.stateDir, prune, full });
  if (prune) changes += (await applyNamespaces(plan.namespaces, OWNED_NAMESPACES, true)).deleted.length;
  return { changes, dnsmasq };
}
