/**
 * NAT mappings in a router namespace's conntrack table: the connections NAT has mapped, and deleting those of a
 * floating IP mapping that no longer holds, so established sessions stop instead of following
 * the old mapping until they time out. A mapping is the pair (floating, fixed):
 *
 *   ip netns exec qrouter-… conntrack -D -d 203.0.113.20 -r 10.0.0.4   # DNATed in to the fixed IP
 *   ip netns exec qrouter-… conntrack -D -s 10.0.0.4 -q 203.0.113.20   # SNATed out to the floating IP
 *
 * Both filters name the pair, so new connections of a floating IP that moved to another fixed
 * IP survive. A port forwarding is the floating IP, protocol and external ports with the
 * internal address; its connections are those DNATed to that address on those ports:
 *
 *   ip netns exec qrouter-… conntrack -D -d 203.0.113.30 -r 10.0.0.5 -p tcp --dport 2222
 *
 * (a range lists the pair's connections and deletes those on its ports one by one). Deleting
 * what is already gone succeeds (conntrack exits 1 when it deleted nothing).
 */
import { deleteEntries, listEntries } from './conntrack.js';
import { inNetns, run } from './exec.js';

export interface NatMapping {
  readonly floating: string;
  readonly fixed: string;
}

/** One tracked connection: the addresses of its original and reply directions. */
export interface Connection {
  readonly origSrc: string;
  readonly origDst: string;
  readonly replySrc: string;
  readonly replyDst: string;
}

/** Parses `conntrack -L` lines: the first src=/dst= pair is the original direction, the second the reply. */
export function parseConnections(text: string): Connection[] {
  const out: Connection[] = [];
  for (const line of text.split('\n')) {
    const pairs = [...line.matchAll(/src=(\S+) dst=(\S+)/g)];
    if (pairs.length < 2) continue;
    const [orig, reply] = pairs as [RegExpMatchArray, RegExpMatchArray];
    out.push({ origSrc: orig[1]!, origDst: orig[2]!, replySrc: reply[1]!, replyDst: reply[2]! });
  }
  return out;
}

/** `conntrack -L` in a namespace. */
export async function listConnections(netns: string): Promise<Connection[]> {
  const { stdout } = await run(inNetns(netns, ['conntrack', '-L']));
  return parseConnections(stdout);
}

/**
 * The mappings of tracked connections that the router no longer implements: DNATed ones whose
 * (destination, reply source) is not a wanted floating IP mapping, and SNATed ones whose
 * translated source is no longer an address of the router or is a floating IP of another
 * fixed IP. Connections without NAT (east-west, the router's own) are never stale.
 */
export function staleMappings(
  connections: readonly Connection[],
  wanted: readonly NatMapping[],
  routerAddresses: ReadonlySet<string>,
  forwarded: readonly NatMapping[] = [],
): NatMapping[] {
  const fixedOf = new Map(wanted.map((m) => [m.floating, m.fixed]));
  // Port forwardings DNAT one floating IP to several addresses; their pairs are not stale either.
  const pairs = new Set(forwarded.map((m) => `${m.floating} ${m.fixed}`));
  const stale = new Map<string, NatMapping>();
  const add = (floating: string, fixed: string) => stale.set(`${floating} ${fixed}`, { floating, fixed });
  for (const c of connections) {
    const dnatted = c.replySrc !== c.origDst;
    if (dnatted && fixedOf.get(c.origDst) !== c.replySrc && !pairs.has(`${c.origDst} ${c.replySrc}`)) add(c.origDst, c.replySrc);
    if (c.replyDst !== c.origSrc) {
      const owner = fixedOf.get(c.replyDst);
      if (!routerAddresses.has(c.replyDst) || (owner !== undefined && owner !== c.origSrc)) add(c.replyDst, c.origSrc);
    }
  }
  return [...stale.values()];
}

/** Deletes the connections of each mapping, both directions; returns how many were deleted. */
export async function flushMappings(netns: string, mappings: readonly NatMapping[]): Promise<number> {
  let deleted = 0;
  for (const m of mappings) {
    deleted += await deleteEntries(netns, { family: 4, dst: m.floating, replySrc: m.fixed });
    deleted += await deleteEntries(netns, { family: 4, src: m.fixed, replyDst: m.floating });
  }
  return deleted;
}

/** A port forwarding's connections: to `floating` on `externalPorts` (`N` or `N:M`) of `protocol`, DNATed to `internal`. */
export interface ForwardedPorts {
  readonly floating: string;
  readonly protocol: number;
  readonly externalPorts: string;
  readonly internal: string;
}

/** Deletes the connections of each port forwarding; returns how many were deleted. */
export async function flushForwardings(netns: string, forwardings: readonly ForwardedPorts[]): Promise<number> {
  let deleted = 0;
  for (const f of forwardings) {
    const pair = { family: 4, dst: f.floating, replySrc: f.internal, protocol: f.protocol } as const;
    const [first, last = first] = f.externalPorts.split(':').map(Number) as [number, number?];
    if (first === last) {
      deleted += await deleteEntries(netns, { ...pair, dport: first });
      continue;
    }
    for (const e of await listEntries(netns, pair)) {
      if (e.dport === null || e.dport < first || e.dport > last) continue;
      deleted += await deleteEntries(netns, { ...pair, src: e.src, sport: e.sport ?? undefined, dport: e.dport });
    }
  }
  return deleted;
}
