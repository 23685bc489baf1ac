/**
 * iproute2: network namespaces, links, addresses and routes. Reads use `ip -j` (JSON);
 * writes go through one `ip -batch -` per call, so a whole change is one process:
 *
 *   ip -n qdhcp-… -batch - <<< 'link set tap3c9b4a1e-2f up'
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { QuarkError } from '../../model/errors.js';
import { run } from './exec.js';

/** Where `ip netns add` mounts named namespaces (iproute2's NETNS_RUN_DIR). */
const NETNS_RUN_DIR = '/run/netns';

/**
 * `ip netns list`, read the way ip reads it (the names in /run/netns), without a process: the
 * agent asks twice per pass, and `ip netns list` costs about 10 ms as it also resolves ids.
 */
export async function listNetns(): Promise<string[]> {
  try {
    return readdirSync(NETNS_RUN_DIR).sort();
  } catch {
    return [];
  }
}

/** `ip netns add NAME` (no error if it exists). */
export async function addNetns(name: string): Promise<void> {
  if ((await listNetns()).includes(name)) return;
  await run(['ip', 'netns', 'add', name]);
}

/** `ip netns delete NAME` (no error if it is gone). */
export async function deleteNetns(name: string): Promise<void> {
  if (!(await listNetns()).includes(name)) return;
  await run(['ip', 'netns', 'delete', name]);
}

/** Runs iproute2 commands (one per line, without the leading `ip`) in one process. */
export async function ipBatch(netns: string | null, commands: readonly string[]): Promise<void> {
  if (commands.length === 0) return;
  const argv = netns ? ['ip', '-n', netns, '-batch', '-'] : ['ip', '-batch', '-'];
  await run(argv, { input: `${commands.join('\n')}\n` });
}

/**
 * Deletes links (`ip -force -batch`: every line runs even if one fails), for removals where a
 * device may already be gone — a veth whose peer's namespace was just deleted. Deleting what is
 * already gone succeeds; anything still present afterwards is an error.
 */
export async function deleteLinks(netns: string | null, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const argv = netns ? ['ip', '-n', netns, '-force', '-batch', '-'] : ['ip', '-force', '-batch', '-'];
  await run(argv, { input: `${names.map((n) => `link del ${n}`).join('\n')}\n`, okStatuses: [1] });
  const left = (await listLinks(netns)).filter((l) => names.includes(l.ifname)).map((l) => l.ifname);
  if (left.length > 0) throw new QuarkError('HostCommandFailed', `could not delete ${left.join(', ')}`);
}

export interface LinkInfo {
  readonly ifname: string;
  readonly mtu: number;
  readonly address: string;
  readonly operstate: string;
  readonly flags: readonly string[];
  readonly master?: string;
  readonly linkKind?: string;
  readonly ifindex: number;
}

/** `ip -j -d link show` */
export async function listLinks(netns: string | null): Promise<LinkInfo[]> {
  const argv = netns ? ['ip', '-n', netns, '-j', '-d', 'link', 'show'] : ['ip', '-j', '-d', 'link', 'show'];
  const { stdout } = await run(argv);
  const raw = JSON.parse(stdout || '[]') as (LinkInfo & { linkinfo?: { info_kind?: string } })[];
  return raw.map((l) => ({ ...l, linkKind: l.linkinfo?.info_kind }));
}

export interface AddressInfo {
  readonly ifname: string;
  readonly cidr: string;
  readonly family: 'inet' | 'inet6';
  readonly scope: string;
}

/** `ip -j addr show` (global and link-scope addresses of every link). */
export async function listAddresses(netns: string | null): Promise<AddressInfo[]> {
  const argv = netns ? ['ip', '-n', netns, '-j', 'addr', 'show'] : ['ip', '-j', 'addr', 'show'];
  const { stdout } = await run(argv);
  const raw = JSON.parse(stdout || '[]') as {
    ifname: string;
    addr_info?: { family: string; local: string; prefixlen: number; scope: string }[];
  }[];
  return raw.flatMap((l) =>
    (l.addr_info ?? []).map((a) => ({
      ifname: l.ifname,
      cidr: `${a.local}/${a.prefixlen}`,
      family: a.family as 'inet' | 'inet6',
      scope: a.scope,
    })),
  );
}

/**
 * `ip -j -d addr show`: links and their addresses from one process (what listLinks and
 * listAddresses return, for callers that need both).
 */
export async function listInterfaces(netns: string | null): Promise<{ links: LinkInfo[]; addresses: AddressInfo[] }> {
  const argv = netns ? ['ip', '-n', netns, '-j', '-d', 'addr', 'show'] : ['ip', '-j', '-d', 'addr', 'show'];
  const { stdout } = await run(argv);
  const raw = JSON.parse(stdout || '[]') as (LinkInfo & {
    linkinfo?: { info_kind?: string };
    addr_info?: { family: string; local: string; prefixlen: number; scope: string }[];
  })[];
  return {
    links: raw.map((l) => ({ ...l, linkKind: l.linkinfo?.info_kind })),
    addresses: raw.flatMap((l) =>
      (l.addr_info ?? []).map((a) => ({
        ifname: l.ifname,
        cidr: `${a.local}/${a.prefixlen}`,
        family: a.family as 'inet' | 'inet6',
        scope: a.scope,
      })),
    ),
  };
}

export interface RouteInfo {
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly protocol?: string;
  readonly scope?: string;
}

/** `ip -j route show` for one family (4 or 6). */
export async function listRoutes(netns: string | null, family: 4 | 6 = 4): Promise<RouteInfo[]> {
  const base = netns ? ['ip', '-n', netns] : ['ip'];
  const { stdout } = await run([...base, `-${family}`, '-j', 'route', 'show']);
  return JSON.parse(stdout || '[]') as RouteInfo[];
}

/** What `ip -j route get` answers: the route the kernel picks for one packet, or why there is none. */
export interface RouteLookup {
  readonly type: string;
  readonly dev: string | null;
  readonly gateway: string | null;
  readonly error: string | null;
}

/**
 * `ip -n NS -j route get DST from SRC iif DEV`: the kernel's own routing decision for a packet
 * arriving on DEV (policy rules, connected and static routes, local addresses).
 */
export async function routeGet(netns: string, dst: string, src: string, iif: string): Promise<RouteLookup> {
  const argv = ['ip', '-n', netns, '-j', 'route', 'get', dst, 'from', src, 'iif', iif];
  const r = await run(argv, { okStatuses: [1, 2] });
  if (r.status !== 0) {
    const why = r.stderr.trim().replace(/^RTNETLINK answers: /, '') || `ip exited with ${r.status}`;
    return { type: 'unreachable', dev: null, gateway: null, error: why };
  }
  const [route] = JSON.parse(r.stdout || '[]') as { type?: string; dev?: string; gateway?: string }[];
  return { type: route?.type ?? 'unicast', dev: route?.dev ?? null, gateway: route?.gateway ?? null, error: null };
}

export interface NeighbourEntry {
  readonly ip: string;
  readonly mac: string;
  readonly dev: string;
}

/** `ip -n NS -j neigh show`: entries with a link-layer address. */
export async function listNeighbours(netns: string | null): Promise<NeighbourEntry[]> {
  const argv = netns ? ['ip', '-n', netns, '-j', 'neigh', 'show'] : ['ip', '-j', 'neigh', 'show'];
  const { stdout } = await run(argv);
  const raw = JSON.parse(stdout || '[]') as { dst: string; dev: string; lladdr?: string }[];
  return raw.filter((n) => n.lladdr).map((n) => ({ ip: n.dst, mac: n.lladdr!, dev: n.dev }));
}

/**
 * Turns IPv6 off on host-side devices that only carry other machines' frames (the hybrid plug's
 * qbr, tap, qvb and qvo, the outer ends of service ports), so the host sends no router
 * solicitation, DAD or MLD of its own into tenant networks:
 *
 *   sysctl -w net.ipv6.conf.qbr3c9b4a1e-2f.disable_ipv6=1
 *
 * Writes /proc/sys of the caller's network namespace (no process), only where the value is not
 * 1 already; a host without IPv6 (no such file) has nothing to turn off. Returns how many it changed.
 */
export function disableIpv6(devices: readonly string[]): number {
  let changed = 0;
  for (const device of devices) {
    const path = `/proc/sys/net/ipv6/conf/${device}/disable_ipv6`;
    let value: string;
    try {
      value = readFileSync(path, 'utf8').trim();
    } catch {
      continue;
    }
    if (value === '1') continue;
    writeFileSync(path, '1');
    changed++;
  }
  return changed;
}
