/**
 * The reachability report: every expectation of the scenario checked with real traffic —
 * ping for ICMP, the probe for TCP and UDP, which also tells which source address the
 * destination saw (so SNAT and floating IPs are checked, not assumed).
 */
import { fileURLToPath } from 'node:url';
import { run } from '../dataplane/drivers/exec.js';
import type { InstanceRecord } from './instances.js';
import type { Lab } from './lab.js';
import { inNodeNetns } from './node.js';
import { spawnDetached, stopPid } from './processes.js';
import type { ScenarioExpectation } from './scenario.js';

const PROBE = fileURLToPath(new URL('./probe.js', import.meta.url));
/** The port of the internet host's probe, used to learn which source address it sees. */
const SOURCE_PORT = 7;

export interface CheckResult {
  readonly expectation: ScenarioExpectation;
  readonly observed: 'allowed' | 'blocked';
  readonly expectedSource: string | null;
  readonly seenSource: string | null;
  readonly ok: boolean;
}

export interface ExpectContext {
  readonly lab: Lab;
  readonly instances: ReadonlyMap<string, InstanceRecord>;
  /** Gateway address of each router by name (SNAT source). */
  readonly routerAddresses: ReadonlyMap<string, string>;
}

function argvIn(ctx: ExpectContext, where: string, argv: readonly string[]): string[] {
  if (where === 'internet') return ['ip', 'netns', 'exec', ctx.lab.fabric.internetNetns, ...argv];
  const i = ctx.instances.get(where)!;
  return inNodeNetns(ctx.lab.node(i.node).handle, i.netns, argv);
}

function addressOf(ctx: ExpectContext, target: string, ipVersion: 4 | 6): string {
  if (target === 'internet') return (ipVersion === 6 ? ctx.lab.fabric.internetIp6 : ctx.lab.fabric.internetIp) ?? '';
  if (target.endsWith('.floating')) return ctx.instances.get(target.slice(0, -'.floating'.length))!.floatingIp ?? '';
  const i = ctx.instances.get(target)!;
  return (ipVersion === 6 ? i.address6 : i.address) ?? '';
}

async function attempt(argv: string[]): Promise<{ ok: boolean; stdout: string }> {
  try {
    const { stdout } = await run(argv, { timeoutMs: 10_000 });
    return { ok: true, stdout };
  } catch {
    return { ok: false, stdout: '' };
  }
}

/** Starts probe listeners where expectations need them; returns a function that stops them. */
async function startListeners(ctx: ExpectContext, expectations: readonly ScenarioExpectation[]): Promise<() => Promise<void>> {
  const ports = new Map<string, Set<string>>([['internet', new Set([`tcp:${SOURCE_PORT}`])]]);
  for (const e of expectations) {
    if (e.protocol === 'icmp') continue;
    const where = e.to.endsWith('.floating') ? e.to.slice(0, -'.floating'.length) : e.to;
    if (!ports.has(where)) ports.set(where, new Set());
    ports.get(where)!.add(`${e.protocol}:${e.port}`);
  }
  const pids: number[] = [];
  for (const [where, specs] of ports) {
    pids.push(spawnDetached(argvIn(ctx, where, [process.execPath, PROBE, 'listen', where, ...specs]), '/dev/null'));
  }
  await new Promise((r) => setTimeout(r, 300));
  return async () => {
    for (const pid of pids) await stopPid(pid, 1000);
  };
}

function expectedSource(ctx: ExpectContext, e: ScenarioExpectation): string | null {
  if (!e.source) return null;
  if (e.source === 'floating') return ctx.instances.get(e.from)?.floatingIp ?? null;
  if (e.source === 'self') return addressOf(ctx, e.from, e.ipVersion) || null;
  if (e.source.startsWith('router:')) return ctx.routerAddresses.get(e.source.slice('router:'.length)) ?? null;
  return e.source;
}

/**
 * ICMP between instances must reach the named instance, not whoever holds the same address:
 * tenants overlap (two instances may both be 10.0.0.3). An address the sender holds itself is
 * unreachable as another host; on the sender's own subnet the answer must come from the
 * target's MAC (checked in the neighbour table after the ping).
 */
async function pingInstance(ctx: ExpectContext, from: string, to: string, dst: string): Promise<boolean> {
  if (!dst) return false;
  const own = await attempt(argvIn(ctx, from, ['ip', '-o', dst.includes(':') ? '-6' : '-4', 'addr', 'show']));
  if (own.stdout.includes(` ${dst}/`)) return false;
  // IPv6 resolves the next hop by neighbour discovery first (up to three solicitations, one a second).
  const ping = dst.includes(':')
    ? ['ping', '-c', '3', '-i', '0.5', '-W', '3', dst]
    : ['ping', '-c', '2', '-i', '0.2', '-W', '1', dst];
  if (!(await attempt(argvIn(ctx, from, ping))).ok) return false;
  const target = ctx.instances.get(to);
  if (from === 'internet' || !target) return true;
  const route = await attempt(argvIn(ctx, from, ['ip', 'route', 'get', dst]));
  if (route.stdout.includes(' via ')) return true;
  const neigh = await attempt(argvIn(ctx, from, ['ip', 'neigh', 'show', dst]));
  return neigh.stdout.includes(target.mac);
}

async function check(ctx: ExpectContext, e: ScenarioExpectation): Promise<CheckResult> {
  const dst = addressOf(ctx, e.to, e.ipVersion);
  const who = e.to.endsWith('.floating') ? e.to.slice(0, -'.floating'.length) : e.to;
  let reached: { ok: boolean; stdout: string };
  if (e.protocol === 'icmp') reached = { ok: await pingInstance(ctx, e.from, e.to, dst), stdout: '' };
  else {
    reached = await attempt(argvIn(ctx, e.from, [process.execPath, PROBE, 'connect', e.protocol, dst, String(e.port)]));
    // The listener names itself: an answer from another host with the same address does not count.
    const [name, peer] = reached.stdout.trim().split(' ');
    reached = { ok: reached.ok && name === who, stdout: peer ?? '' };
  }
  let seen: string | null = e.protocol === 'icmp' ? null : reached.stdout.trim() || null;
  const want = expectedSource(ctx, e);
  if (want && e.protocol === 'icmp' && e.to === 'internet' && reached.ok) {
    seen =
      (await attempt(argvIn(ctx, e.from, [process.execPath, PROBE, 'connect', 'tcp', dst, String(SOURCE_PORT)]))).stdout
        .trim()
        .split(' ')[1] ?? null;
  }
  const observed = reached.ok ? 'allowed' : 'blocked';
  const ok = observed === e.result && (want === null || observed === 'blocked' || seen === want);
  return { expectation: e, observed, expectedSource: want, seenSource: seen, ok };
}

export async function checkExpectations(
  ctx: ExpectContext,
  expectations: readonly ScenarioExpectation[],
): Promise<CheckResult[]> {
  const stop = await startListeners(ctx, expectations);
  try {
    const out: CheckResult[] = [];
    for (const e of expectations) out.push(await check(ctx, e));
    return out;
  } finally {
    await stop();
  }
}

export function renderReport(results: readonly CheckResult[]): string {
  const rows = results.map((r) => {
    const e = r.expectation;
    const what = `${e.protocol === 'icmp' ? 'icmp' : `${e.protocol}/${e.port}`}${e.ipVersion === 6 ? ' (v6)' : ''}`;
    const source = r.expectedSource ? `${r.seenSource ?? '-'} (want ${r.expectedSource})` : '';
    return [e.from, e.to, what, e.result, r.observed, source, r.ok ? 'PASS' : 'FAIL'];
  });
  const head = ['from', 'to', 'traffic', 'expected', 'observed', 'source seen', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
