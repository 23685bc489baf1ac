/**
 * The Linux side of the agent's namespaces: the namespaces themselves, the veth pairs that join
 * them to br-int (service ports), their addresses, routes and sysctls. Each function reads what
 * the namespace has and changes only the difference, with one `ip -batch` per namespace. A
 * namespace that fails does not stop the others: each function returns the ones that failed.
 */
import type { NetnsItem, RouteItem, ServicePortItem, SysctlItem } from '../compile/plan.js';
import { inNetns, run } from './exec.js';
import { addNetns, deleteNetns, disableIpv6, ipBatch, listInterfaces, listLinks, listNetns, listRoutes } from './ip.js';
import { NAMESPACE_CONCURRENCY, eachSettled } from './limit.js';

/** Namespaces of one batch that could not be changed, with why. */
export type NamespaceFailures = Map<string, unknown>;

/** `ip netns add` for missing ones. Returns the namespaces it added and those it could not. */
export async function addNamespaces(desired: readonly NetnsItem[]): Promise<{ added: string[]; failed: NamespaceFailures }> {
  const existing = new Set(await listNetns());
  const added: string[] = [];
  const failed: NamespaceFailures = new Map();
  for (const ns of desired) {
    if (existing.has(ns.name)) continue;
    await addNetns(ns.name).then(
      () => added.push(ns.name),
      (e: unknown) => failed.set(ns.name, e),
    );
  }
  return { added, failed };
}

/**
 * `ip netns delete` for namespaces with one of `ownedPrefixes` that no item wants. Returns the
 * namespaces it deleted and those it could not.
 */
export async function deleteStaleNamespaces(
  desired: readonly NetnsItem[],
  ownedPrefixes: readonly string[],
): Promise<{ deleted: string[]; failed: NamespaceFailures }> {
  const wanted = new Set(desired.map((n) => n.name));
  const deleted: string[] = [];
  const failed: NamespaceFailures = new Map();
  for (const name of await listNetns()) {
    if (wanted.has(name) || !ownedPrefixes.some((p) => name.startsWith(p))) continue;
    await deleteNetns(name).then(
      () => deleted.push(name),
      (e: unknown) => failed.set(name, e),
    );
  }
  return { deleted, failed };
}

export interface ServicePortOptions {
  /** Userspace datapath: the inner end must not leave checksums to offload. */
  readonly txOffloadOff: boolean;
  /** Also delete devices with these prefixes that no item wants, in these namespaces (the veth peer goes too). */
  readonly prune?: { readonly namespaces: readonly string[]; readonly devicePrefixes: readonly string[] };
}

export interface ServicePortResult {
  /** IPv4 addresses newly added to devices that announce (the caller sends gratuitous ARP). */
  readonly announced: { netns: string; device: string; address: string }[];
  /** Commands run to change the host (0 when everything was in place). */
  readonly changes: number;
  /** Namespaces in which a device had to be created (anything routed through it must be redone). */
  readonly created: string[];
  /** Namespaces whose devices could not be observed or changed; the others were. */
  readonly failed: NamespaceFailures;
}

/**
 * Creates missing veth pairs, sets MAC/MTU/state, makes each inner device's global addresses
 * exactly the wanted ones (besides its VIPs, which keepalived adds and removes), and (with
 * `prune`) deletes unwanted devices: per namespace one `ip -d addr show` to observe and at most
 * one `ip -batch` in it and one in the root namespace. A device without its own link-local
 * address gets `addrgenmode none` before it comes up, and loses any link-local address that is
 * not a VIP.
 */
export async function applyServicePorts(
  items: readonly ServicePortItem[],
  options: ServicePortOptions,
): Promise<ServicePortResult> {
  const announced: { netns: string; device: string; address: string }[] = [];
  let changes = 0;
  const created: string[] = [];
  const byNetns = new Map<string, ServicePortItem[]>();
  for (const ns of options.prune?.namespaces ?? []) byNetns.set(ns, []);
  for (const i of items) byNetns.set(i.netns, [...(byNetns.get(i.netns) ?? []), i]);
  if (byNetns.size === 0) return { announced, changes, created, failed: new Map() };
  const rootLinks = items.length > 0 ? new Set((await listLinks(null)).map((l) => l.ifname)) : new Set<string>();
  const prefixes = options.prune?.devicePrefixes ?? [];
  const failed = await eachSettled(
    byNetns,
    NAMESPACE_CONCURRENCY,
    ([netns]) => netns,
    async ([netns, ports]) => {
      let observed: Awaited<ReturnType<typeof listInterfaces>>;
      try {
        observed = await listInterfaces(netns);
      } catch (e) {
        if (ports.length === 0) return; // only visited to prune, and gone meanwhile
        throw e;
      }
      const inner = new Map(observed.links.map((l) => [l.ifname, l]));
      const root: string[] = [];
      const ns: string[] = [];
      const fresh: string[] = [];
      const wanted = new Set(ports.map((p) => p.device));
      for (const l of observed.links) {
        if (!wanted.has(l.ifname) && prefixes.some((p) => l.ifname.startsWith(p))) ns.push(`link del ${l.ifname}`);
      }
      for (const p of ports) {
        const link = inner.get(p.device);
        if (!link) {
          if (rootLinks.has(p.bridgePort)) root.push(`link del ${p.bridgePort}`);
          root.push(`link add ${p.bridgePort} mtu ${p.mtu} type veth peer name ${p.device} netns ${netns}`);
          fresh.push(p.device);
        } else if (link.mtu !== p.mtu) {
          root.push(`link set ${p.bridgePort} mtu ${p.mtu}`);
        }
        const noLinkLocal = p.linkLocal === false;
        const vips = new Set(p.vips ?? []);
        const mine = observed.addresses.filter((a) => a.ifname === p.device);
        const foreignLinkLocal = mine.filter((a) => a.scope === 'link' && a.family === 'inet6' && !vips.has(a.cidr));
        // Before the device comes up; on an up device, a link-local address of the kernel's shows
        // the mode is wrong (`ip addr` does not show the mode itself).
        const down = !link?.flags.includes('UP');
        if (noLinkLocal && (down || foreignLinkLocal.length > 0)) ns.push(`link set dev ${p.device} addrgenmode none`);
        if (!link || link.address !== p.mac || link.mtu !== p.mtu || !link.flags.includes('UP')) {
          ns.push(`link set ${p.device} address ${p.mac} mtu ${p.mtu}`, `link set ${p.device} up`);
        }
        const have = new Set(mine.filter((a) => a.scope === 'global').map((a) => a.cidr));
        for (const a of p.addresses) {
          if (have.has(a)) continue;
          ns.push(`addr add ${a} dev ${p.device}`);
          if (p.announce && !a.includes(':')) announced.push({ netns, device: p.device, address: a.split('/')[0]! });
        }
        for (const a of have) if (!p.addresses.includes(a) && !vips.has(a)) ns.push(`addr del ${a} dev ${p.device}`);
        if (noLinkLocal) for (const a of foreignLinkLocal) ns.push(`addr del ${a.cidr} dev ${p.device}`);
      }
      if (!inner.get('lo')?.flags.includes('UP')) ns.unshift('link set lo up');
      if (fresh.length > 0) created.push(netns);
      await ipBatch(null, root);
      // The outer end only carries the namespace's frames: no IPv6 of the host's own on it (up afterwards, so it never solicits).
      changes += disableIpv6(ports.map((p) => p.bridgePort));
      await ipBatch(
        null,
        ports.filter((p) => fresh.includes(p.device)).map((p) => `link set ${p.bridgePort} up`),
      );
      await ipBatch(netns, ns);
      changes += root.length + ns.length;
      if (options.txOffloadOff) {
        for (const device of fresh) await run(inNetns(netns, ['ethtool', '-K', device, 'tx', 'off']), { okStatuses: [1] });
      }
    },
  );
  return { announced, changes, created, failed };
}

const routeKey = (r: { destination: string; via: string | null; device: string | null }) =>
  `${r.destination} via ${r.via ?? '-'} dev ${r.device ?? '-'}`;

/** The changes a batch over several namespaces made, and the namespaces it failed in. */
export interface NamespaceBatchResult {
  readonly changes: number;
  readonly failed: NamespaceFailures;
}

/**
 * Makes the static routes of each namespace exactly the wanted ones (`proto static` marks the
 * ones the agent owns; connected routes are the kernel's).
 */
export async function applyRoutes(items: readonly RouteItem[], namespaces: readonly string[]): Promise<NamespaceBatchResult> {
  let changes = 0;
  const failed = await eachSettled(namespaces, NAMESPACE_CONCURRENCY, String, async (netns) => {
    const want = items.filter((r) => r.netns === netns);
    const have = [...(await listRoutes(netns, 4)), ...(await listRoutes(netns, 6))].filter((r) => r.protocol === 'static');
    const haveKeys = new Set(have.map((r) => routeKey({ destination: r.dst, via: r.gateway ?? null, device: r.dev ?? null })));
    const wantKeys = new Set(want.map(routeKey));
    const cmds: string[] = [];
    for (const r of have) {
      const key = routeKey({ destination: r.dst, via: r.gateway ?? null, device: r.dev ?? null });
      if (!wantKeys.has(key))
        cmds.push(`route del ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`);
    }
    for (const r of want) {
      if (haveKeys.has(routeKey(r))) continue;
      // No `-6` (a batch line takes no global options): ip takes the family from the gateway or prefix.
      cmds.push(
        `route replace ${r.destination}${r.via ? ` via ${r.via}` : ''}${r.device ? ` dev ${r.device}` : ''} proto static`,
      );
    }
    await ipBatch(netns, cmds);
    changes += cmds.length;
  });
  return { changes, failed };
}

/** Sets sysctls that differ, one `sysctl` call per namespace; `changes` is how many it set. */
export async function applySysctls(items: readonly SysctlItem[]): Promise<NamespaceBatchResult> {
  let set = 0;
  const byNetns = new Map<string, SysctlItem[]>();
  for (const i of items) byNetns.set(i.netns, [...(byNetns.get(i.netns) ?? []), i]);
  const failed = await eachSettled(
    byNetns,
    NAMESPACE_CONCURRENCY,
    ([netns]) => netns,
    async ([netns, list]) => {
      const { stdout } = await run(inNetns(netns, ['sysctl', '-n', ...list.map((i) => i.key)]));
      const current = stdout.split('\n');
      const changes = list.filter((i, n) => current[n]?.trim() !== i.value);
      if (changes.length > 0) await run(inNetns(netns, ['sysctl', '-qw', ...changes.map((i) => `${i.key}=${i.value}`)]));
      set += changes.length;
    },
  );
  return { changes: set, failed };
}

/** Gratuitous ARP for an address just added (`arping -A -U -c 1 -I DEV ADDR`); failures are ignored. */
export async function announce(netns: string, device: string, address: string): Promise<void> {
  await run(inNetns(netns, ['arping', '-A', '-U', '-c', '1', '-w', '1', '-I', device, address]), { okStatuses: [1, 2] }).catch(
    () => undefined,
  );
}
