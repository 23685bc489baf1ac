/**
 * The reachability report: every expectation of the scenario checked with real traffic —
 * ping for ICMP, the probe for TCP and UDP, which also tells which source address the
 * destination saw (so SNAT and floating IPs are checked, not assumed). Targets are resolved
 * on the lab as it is now (live.ts): `vm3.floating` is the floating IP vm3 has at this moment.
 */
import { run } from '../dataplane/drivers/exec.js';
import type { Lab } from './lab.js';
import { type ListenerRecord, PROBE, SOURCE_PORT, type Wanted, ensureListeners, placement, want } from './listeners.js';
import { type LiveInstance, type LiveLab, instanceOfPort } from './live.js';
import { inNodeNetns } from './node.js';
import type { ScenarioExpectation } from './scenario.js';

export interface CheckResult {
  readonly expectation: ScenarioExpectation;
  readonly observed: 'allowed' | 'blocked';
  readonly expectedSource: string | null;
  readonly seenSource: string | null;
  readonly ok: boolean;
  /** Why the check could not be made as written (an instance gone, a floating IP without port). */
  readonly note: string | null;
}

export interface ExpectContext {
  readonly lab: Lab;
  readonly live: LiveLab;
}

/** Where a check sends to, and who may answer for it. */
interface Destination {
  readonly address: string | null;
  /** The names of the listeners that answer for it (TCP and UDP). */
  readonly listeners: readonly string[];
  /** The instance meant, when the address is its own fixed address (ICMP checks who answered on-link). */
  readonly instance: LiveInstance | null;
  readonly note: string | null;
}

const internetAddress = (lab: Lab, ipVersion: 4 | 6) =>
  (ipVersion === 6 ? lab.fabric.internetIp6 : lab.fabric.internetIp) ?? null;

function destination(ctx: ExpectContext, e: ScenarioExpectation): Destination {
  const t = e.target;
  const none = (note: string): Destination => ({ address: null, listeners: [], instance: null, note });
  switch (t.kind) {
    case 'internet':
      return { address: internetAddress(ctx.lab, e.ipVersion), listeners: ['internet'], instance: null, note: null };
    case 'instance': {
      const i = ctx.live.instances.get(t.instance);
      if (!i?.port) return none(`instance ${t.instance} is not in the lab`);
      const address = e.ipVersion === 6 ? i.address6 : i.address;
      return {
        address,
        listeners: [t.instance],
        instance: i,
        note: address ? null : `${t.instance} has no IPv${e.ipVersion} address`,
      };
    }
    case 'floating-of': {
      const i = ctx.live.instances.get(t.instance);
      if (!i?.floatingIp) return none(`${t.instance} has no floating IP now`);
      return { address: i.floatingIp, listeners: [t.instance], instance: null, note: null };
    }
    case 'floating-ip': {
      const f = ctx.live.scenarioFloatingIps.get(t.key);
      if (!f) return none(`floating IP ${t.key} is gone`);
      const holder = instanceOfPort(ctx.live, f.port_id);
      return { address: f.floating_ip_address, listeners: holder ? [holder.record.name] : [], instance: null, note: null };
    }
    case 'address': {
      const holders = [...ctx.live.instances.values()].filter((i) => [i.address, i.address6, i.floatingIp].includes(t.address));
      const internet = [ctx.lab.fabric.internetIp, ctx.lab.fabric.internetIp6].includes(t.address) ? ['internet'] : [];
      return { address: t.address, listeners: [...holders.map((i) => i.record.name), ...internet], instance: null, note: null };
    }
  }
}

/** The listeners the expectations need, besides the internet host's source-address probe. */
export function wantedListeners(ctx: ExpectContext, expectations: readonly ScenarioExpectation[]): Wanted {
  const wanted = new Map<string, Set<string>>();
  want(wanted, 'internet', `tcp:${SOURCE_PORT}`);
  for (const e of expectations) {
    if (e.protocol === 'icmp') continue;
    for (const where of destination(ctx, e).listeners) want(wanted, where, `${e.protocol}:${e.port}`);
  }
  return wanted;
}

/** Makes sure the listeners the expectations need run; returns the lab's listener records. */
export function listenFor(
  ctx: ExpectContext,
  records: readonly ListenerRecord[],
  expectations: readonly ScenarioExpectation[],
  extra: Wanted = new Map(),
): Promise<ListenerRecord[]> {
  const wanted = new Map<string, Set<string>>();
  for (const m of [wantedListeners(ctx, expectations), extra])
    for (const [w, specs] of m) for (const s of specs) want(wanted, w, s);
  const where = new Map([...ctx.live.instances].map(([name, i]) => [name, i.record]));
  return ensureListeners(ctx.lab, records, wanted, placement(ctx.lab, where));
}

function argvIn(ctx: ExpectContext, where: string, argv: readonly string[]): string[] | null {
  if (where === 'internet') return ['ip', 'netns', 'exec', ctx.lab.fabric.internetNetns, ...argv];
  const i = ctx.live.instances.get(where)?.record;
  const node = i ? ctx.lab.nodes.get(i.node) : undefined;
  return i && node ? inNodeNetns(node.handle, i.netns, argv) : null;
}

/** Runs a check's command; exit status 1 (no answer) still gives its output. */
async function attempt(argv: string[] | null): Promise<{ ok: boolean; stdout: string }> {
  if (!argv) return { ok: false, stdout: '' };
  try {
    const { stdout, status } = await run(argv, { timeoutMs: 10_000, okStatuses: [1] });
    return { ok: status === 0, stdout };
  } catch {
    return { ok: false, stdout: '' };
  }
}

function expectedSource(ctx: ExpectContext, e: ScenarioExpectation): string | null {
  if (!e.source) return null;
  const from = ctx.live.instances.get(e.from);
  if (e.source === 'floating') return from?.floatingIp ?? null;
  if (e.source === 'self') return (e.ipVersion === 6 ? from?.address6 : from?.address) ?? null;
  if (e.source.startsWith('router:')) return ctx.live.routerAddresses.get(e.source.slice('router:'.length)) ?? null;
  return e.source;
}

/**
 * How hard a check tries. `thorough`: two pings, two seconds for a connection (the report).
 * `quick`: one packet with a short wait, for polling until an "allowed" expectation holds; a
 * "blocked" one is always checked thoroughly, so a slow answer is never taken for a block.
 */
export type Effort = 'thorough' | 'quick';

/**
 * ICMP between instances must reach the named instance, not whoever holds the same address:
 * tenants overlap (two instances may both be 10.0.0.3). An address the sender holds itself is
 * unreachable as another host; on the sender's own subnet the answer must come from the
 * target's MAC (checked in the neighbour table after the ping). `at` is when the echo request
 * that was answered left (ping's timestamp of the reply less its round trip).
 */
async function ping(
  ctx: ExpectContext,
  from: string,
  dst: string,
  target: LiveInstance | null,
  effort: Effort,
): Promise<{ ok: boolean; at: number | null }> {
  const no = { ok: false, at: null };
  const own = await attempt(argvIn(ctx, from, ['ip', '-o', dst.includes(':') ? '-6' : '-4', 'addr', 'show']));
  if (own.stdout.includes(` ${dst}/`)) return no;
  // IPv6 resolves the next hop by neighbour discovery first (up to three solicitations, one a second).
  const argv =
    effort === 'quick'
      ? ['ping', '-D', '-c', '1', '-W', '0.3', dst]
      : dst.includes(':')
        ? ['ping', '-D', '-c', '3', '-i', '0.5', '-W', '3', dst]
        : ['ping', '-D', '-c', '2', '-i', '0.2', '-W', '1', dst];
  const r = await attempt(argvIn(ctx, from, argv));
  if (!r.ok) return no;
  const reply = /^\[(\d+\.\d+)\] \d+ bytes from.* time=([\d.]+) ms/m.exec(r.stdout);
  const at = reply ? Math.round(Number(reply[1]) * 1000 - Number(reply[2])) : Date.now();
  if (from === 'internet' || !target?.port) return { ok: true, at };
  const route = await attempt(argvIn(ctx, from, ['ip', 'route', 'get', dst]));
  if (route.stdout.includes(' via ')) return { ok: true, at };
  const neigh = await attempt(argvIn(ctx, from, ['ip', 'neigh', 'show', dst]));
  return neigh.stdout.includes(target.port.mac_address) ? { ok: true, at } : no;
}

/**
 * One check's outcome, and when (ms since the epoch) it was seen: when the probe that was (or
 * was not) answered left, by the probe's and ping's own clocks; for an unanswered ping, when
 * the attempt began.
 */
export interface Observation extends CheckResult {
  readonly at: number;
}

/** Checks one expectation with real traffic. */
export async function checkOne(ctx: ExpectContext, e: ScenarioExpectation, effort: Effort = 'thorough'): Promise<Observation> {
  const started = Date.now();
  const d = destination(ctx, e);
  const want = expectedSource(ctx, e);
  const sender = e.from === 'internet' || ctx.live.instances.get(e.from)?.port ? null : `instance ${e.from} is not in the lab`;
  const note = sender ?? d.note;
  const tries = e.result === 'blocked' ? 'thorough' : effort;
  let reached = false;
  let at: number | null = null;
  let seen: string | null = null;
  if (d.address && !sender) {
    if (e.protocol === 'icmp') ({ ok: reached, at } = await ping(ctx, e.from, d.address, d.instance, tries));
    else {
      const timeout = tries === 'quick' ? ['400'] : [];
      const r = await attempt(
        argvIn(ctx, e.from, [process.execPath, PROBE, 'connect', e.protocol, d.address, String(e.port), ...timeout]),
      );
      // The listener names itself: an answer from another host with the same address does not count.
      const [name, peer, sent] = r.stdout.trim().split(' ');
      reached = r.ok && d.listeners.includes(name ?? '');
      seen = reached ? (peer ?? null) : null;
      at = Number(sent) || null;
    }
    if (want && e.protocol === 'icmp' && e.target.kind === 'internet' && reached) {
      const probe = [process.execPath, PROBE, 'connect', 'tcp', d.address, String(SOURCE_PORT)];
      const source = await attempt(argvIn(ctx, e.from, probe));
      seen = source.ok ? (source.stdout.trim().split(' ')[1] ?? null) : null;
    }
  }
  const observed = reached ? 'allowed' : 'blocked';
  const ok = observed === e.result && (want === null || observed === 'blocked' || seen === want);
  return { expectation: e, observed, expectedSource: want, seenSource: seen, ok, note, at: at ?? started };
}

/** Checks each expectation once, thoroughly (the listeners must run: listenFor). */
export async function checkExpectations(
  ctx: ExpectContext,
  expectations: readonly ScenarioExpectation[],
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const e of expectations) out.push(await checkOne(ctx, e));
  return out;
}

export function renderReport(results: readonly CheckResult[], times?: readonly (number | null)[]): string {
  const rows = results.map((r, i) => {
    const e = r.expectation;
    const what = `${e.protocol === 'icmp' ? 'icmp' : `${e.protocol}/${e.port}`}${e.ipVersion === 6 ? ' (v6)' : ''}`;
    const source = r.expectedSource ? `${r.seenSource ?? '-'} (want ${r.expectedSource})` : '';
    const held = times ? [times[i] === null || times[i] === undefined ? '-' : `${(times[i]! / 1000).toFixed(2)} s`] : [];
    return [
      e.from,
      e.to,
      what,
      e.result,
      r.observed,
      source,
      ...held,
      `${r.ok ? 'PASS' : 'FAIL'}${r.note ? ` (${r.note})` : ''}`,
    ];
  });
  const head = ['from', 'to', 'traffic', 'expected', 'observed', 'source seen', ...(times ? ['held after'] : []), ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
