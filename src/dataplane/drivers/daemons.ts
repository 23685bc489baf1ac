/**
 * Daemons in the agent's namespaces besides dnsmasq (radvd, haproxy as metadata proxy,
 * keepalived for HA routers), one per router or network, each with its files in its own
 * directory under the service's (`<stateDir>/ra/<router id>/`, `<stateDir>/metadata-proxy/<id>/`,
 * `<stateDir>/ha_confs/<router id>/`): its configuration (written here), `pid` and its log
 * (written by the daemon), and `argv` (the command line it was started with, for operators).
 * A daemon's children with pid files of their own (keepalived's VRRP process, `pid-vrrp`) are
 * stopped with it, and one left behind by a parent that died is stopped before a new start. A process is ours when its pid file names it and its command line
 * names the directory, so a stale pid file or a reused pid is never mistaken for it, and
 * nothing is ever looked up by program name:
 *
 *   files changed, onChange reload   → write them, kill -HUP <pid>          (radvd)
 *   files changed, onChange restart  → write them, stop, start              (haproxy)
 *   command line changed, or its namespace was made anew → stop, start
 *   not running (died, first time)   → start:  ip netns exec NS radvd -C …/radvd.conf -p …/pid …
 *   no longer planned                → stop, remove its directory (with prune)
 *
 * Every daemon here forks into the background and writes its pid file; the driver waits for it.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { DaemonItem, DaemonService } from '../compile/plan.js';
import { QuarkError } from '../../model/errors.js';
import { inNetns, run } from './exec.js';

export interface DaemonOptions {
  /** The service's directory: every item's `dir` is in it, and with `prune` whatever else is there goes. */
  readonly root: string;
  readonly prune: boolean;
  /** Compare files with the disk (default); incremental passes trust `known`. */
  readonly full?: boolean;
  /** What this process wrote (path → content); kept by the caller between passes. */
  readonly known?: Map<string, string>;
  /** Items to leave as they are in this call (kept, not pruned). */
  readonly due?: (item: DaemonItem) => boolean;
}

export interface DaemonReport {
  readonly started: string[];
  readonly restarted: string[];
  /** Started again because the process had died. */
  readonly revived: string[];
  readonly reloaded: string[];
  readonly stopped: string[];
}

export const daemonChanges = (r: DaemonReport): number =>
  r.started.length + r.restarted.length + r.revived.length + r.reloaded.length + r.stopped.length;

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export interface RunningDaemon {
  readonly pid: number;
  /** Its whole command line, as the kernel has it. */
  readonly argv: readonly string[];
}

/** The live (not zombie) process `pid` if its command line names `dir`. */
function ours(pid: number, dir: string): RunningDaemon | null {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return null;
  const argv = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  return argv.some((a) => a.startsWith(`${dir}/`)) ? { pid, argv } : null;
}

/** The daemon of `dir`, if one runs. */
export function runningDaemon(dir: string): RunningDaemon | null {
  const pid = Number((read(`${dir}/pid`) ?? '').trim());
  return Number.isInteger(pid) && pid > 0 ? ours(pid, dir) : null;
}

function inNamespace(pid: number, netns: string): boolean {
  try {
    return statSync(`/proc/${pid}/ns/net`).ino === statSync(`/run/netns/${netns}`).ino;
  } catch {
    return false;
  }
}

/** The live processes of the daemon's child pid files in `dir`. */
function runningChildren(dir: string, pidFiles: readonly string[]): number[] {
  return pidFiles.flatMap((f) => {
    const pid = Number((read(`${dir}/${f}`) ?? '').trim());
    return Number.isInteger(pid) && pid > 0 && ours(pid, dir) ? [pid] : [];
  });
}

/** Stops the daemon (if `pid` is not null), then whatever of its children outlived it. */
async function stopAll(pid: number | null, dir: string, childPidFiles: readonly string[]): Promise<void> {
  if (pid !== null) await stop(pid, dir);
  for (const child of runningChildren(dir, childPidFiles)) await stop(child, dir);
}

/** SIGTERM, SIGKILL after `graceMs`; resolves once the process is gone. */
async function stop(pid: number, dir: string, graceMs = 2000): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // gone already
    }
  };
  if (!ours(pid, dir)) return;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  let killed = false;
  while (ours(pid, dir) && Date.now() < deadline + graceMs) {
    if (!killed && Date.now() > deadline) {
      signal('SIGKILL');
      killed = true;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

const shellWord = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);

/** Starts the daemon in its namespace and waits (up to 5 s) until its pid file names a live process. */
async function start(item: DaemonItem): Promise<void> {
  // A child whose parent died would refuse the new daemon its pid file, or hold its addresses.
  await stopAll(null, item.dir, item.childPidFiles ?? []);
  for (const f of ['pid', ...(item.childPidFiles ?? [])]) rmSync(`${item.dir}/${f}`, { force: true });
  writeFileSync(`${item.dir}/argv`, `ip netns exec ${item.netns} ${item.argv.map(shellWord).join(' ')}\n`);
  await run(inNetns(item.netns, item.argv), { timeoutMs: 10_000 });
  const deadline = Date.now() + 5000;
  while (!runningDaemon(item.dir)) {
    if (Date.now() > deadline) {
      const log = Object.keys(item.files).length > 0 ? ` (see ${item.dir})` : '';
      throw new QuarkError('HostCommandFailed', `${item.service} in ${item.netns} did not stay up${log}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function writeIfChanged(known: Map<string, string>, path: string, content: string, full: boolean): boolean {
  if (!full && known.get(path) === content) return false;
  if (read(path) === content) {
    known.set(path, content);
    return false;
  }
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content, { mode: 0o644 });
  renameSync(tmp, path);
  known.set(path, content);
  return true;
}

async function applyOne(item: DaemonItem, report: DaemonReport, full: boolean, known: Map<string, string>): Promise<void> {
  mkdirSync(item.dir, { recursive: true, mode: 0o755 });
  let filesChanged = false;
  for (const [name, content] of Object.entries(item.files)) {
    if (writeIfChanged(known, `${item.dir}/${name}`, content, full)) filesChanged = true;
  }
  const running = runningDaemon(item.dir);
  const same = running !== null && running.argv.join('\0') === item.argv.join('\0') && inNamespace(running.pid, item.netns);
  if (running && same && !(filesChanged && item.onChange === 'restart')) {
    if (filesChanged) {
      process.kill(running.pid, 'SIGHUP');
      report.reloaded.push(item.netns);
    }
    return;
  }
  if (running) {
    await stopAll(running.pid, item.dir, item.childPidFiles ?? []);
    report.restarted.push(item.netns);
  } else if (read(`${item.dir}/argv`) !== null) report.revived.push(item.netns);
  else report.started.push(item.netns);
  await start(item);
}

async function pruneDir(dir: string, report: DaemonReport, known: Map<string, string>): Promise<void> {
  const running = runningDaemon(dir);
  // Any `pid-*` file names a child (keepalived's pid-vrrp): the item that said so is gone.
  const children = readdirSafe(dir).filter((f) => f.startsWith('pid-'));
  await stopAll(running?.pid ?? null, dir, children);
  rmSync(dir, { recursive: true, force: true });
  for (const path of [...known.keys()]) if (path.startsWith(`${dir}/`)) known.delete(path);
  report.stopped.push(dir.slice(dir.lastIndexOf('/') + 1));
}

/**
 * Brings every daemon of one service to its item. A failure of one namespace does not stop
 * the others; failures are returned by namespace.
 */
export async function reconcileDaemons(
  service: DaemonService,
  items: readonly DaemonItem[],
  options: DaemonOptions,
): Promise<{ report: DaemonReport; failed: Map<string, unknown> }> {
  const report: DaemonReport = { started: [], restarted: [], revived: [], reloaded: [], stopped: [] };
  const full = options.full ?? true;
  const known = options.known ?? new Map<string, string>();
  const failed = new Map<string, unknown>();
  const mine = items.filter((i) => i.service === service);
  for (const item of mine) {
    if (options.due && !options.due(item)) continue;
    await applyOne(item, report, full, known).catch((e: unknown) => failed.set(item.netns, e));
  }
  if (options.prune) {
    const wanted = new Set(mine.map((i) => i.dir));
    let entries: string[] = [];
    try {
      entries = readdirSync(options.root);
    } catch {
      // nothing was ever run here
    }
    for (const name of entries) {
      const dir = `${options.root}/${name}`;
      if (!wanted.has(dir)) await pruneDir(dir, report, known).catch((e: unknown) => failed.set(name, e));
    }
  }
  return { report, failed };
}
