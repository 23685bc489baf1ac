/**
 * One dnsmasq process per network, known only by its pid file and its command line: a pid is
 * ours when `/proc/<pid>/cmdline` names our `--pid-file`, so a stale pid file or a reused pid
 * is never mistaken for it, and nothing is ever looked up by process name.
 *
 *   ip netns exec qdhcp-<network> dnsmasq --pid-file=<dir>/pid …   (dnsmasq daemonizes itself and
 *                                                                   exits 0 once it serves, or
 *                                                                   non-zero with the reason)
 *   kill -HUP <pid>                                                (re-read host, addn_hosts, opts)
 *   kill <pid>                                                     (stop)
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { inNetns, run } from './exec.js';

export interface RunningDnsmasq {
  readonly pid: number;
  /** Its arguments after `dnsmasq`, as the kernel has them. */
  readonly args: readonly string[];
}

const pidFileArg = (dir: string) => `--pid-file=${dir}/pid`;

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The process `pid` if it is a live (not zombie) dnsmasq started with our pid file. */
function ours(pid: number, dir: string): RunningDnsmasq | null {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return null;
  const argv = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  if (!argv[0]?.endsWith('dnsmasq') || !argv.includes(pidFileArg(dir))) return null;
  return { pid, args: argv.slice(1) };
}

/** The dnsmasq serving from `dir`, if one runs. */
export function runningDnsmasq(dir: string): RunningDnsmasq | null {
  const pid = Number((read(`${dir}/pid`) ?? '').trim());
  return Number.isInteger(pid) && pid > 0 ? ours(pid, dir) : null;
}

/**
 * dnsmasq processes of `dir` that the pid file does not name (it was lost or overwritten),
 * found among the processes in the network's namespace. Only called before a start.
 */
export function strayDnsmasq(netns: string, dir: string): number[] {
  let inode: number;
  try {
    inode = statSync(`/run/netns/${netns}`).ino;
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (statSync(`/proc/${name}/ns/net`).ino !== inode) continue;
    } catch {
      continue;
    }
    if (ours(Number(name), dir)) out.push(Number(name));
  }
  return out;
}

/**
 * Whether the process still lives in the namespace now named `netns`. A namespace deleted and
 * made again under the same name (by hand, or by a crash between prune steps) leaves dnsmasq
 * serving a namespace nothing is plugged into.
 */
export function inNamespace(pid: number, netns: string): boolean {
  try {
    return statSync(`/proc/${pid}/ns/net`).ino === statSync(`/run/netns/${netns}`).ino;
  } catch {
    return false;
  }
}

/** Starts dnsmasq in the namespace; resolves once it serves (dnsmasq reports start-up errors itself). */
export async function startDnsmasq(netns: string, args: readonly string[]): Promise<void> {
  await run(inNetns(netns, ['dnsmasq', ...args]), { timeoutMs: 10_000 });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone (or a zombie). */
export async function stopDnsmasq(pid: number, dir: string, graceMs = 2000): Promise<void> {
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

/** Asks dnsmasq to re-read its hosts and options files. */
export function reloadDnsmasq(pid: number): void {
  process.kill(pid, 'SIGHUP');
}
