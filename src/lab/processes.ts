/**
 * Processes the lab starts and stops. Everything is tracked by pid: the lab never finds or
 * kills a process by name. Processes left inside the lab's network namespaces (a dnsmasq of a
 * crashed agent) are found by their namespace, which only the lab's processes can be in.
 */
import { spawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';

/** Starts a long-lived process detached from this one; its output goes to `logFile`. */
export function spawnDetached(argv: readonly string[], logFile: string, env?: Readonly<Record<string, string>>): number {
  const out = openSync(logFile, 'a');
  const child = spawn(argv[0]!, argv.slice(1), {
    detached: true,
    stdio: ['ignore', out, out],
    env: env ? { ...process.env, ...env } : process.env,
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`cannot start ${argv[0]}`);
  return child.pid;
}

/** True while the process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL. Already-dead pids are fine. */
export async function stopPid(pid: number, graceMs = 3000): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

/** The inode that identifies a network namespace file or a process's namespace. */
export function netnsInode(path: string): number | null {
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}

/** Pids of live processes whose network namespace is one of `inodes`. */
export function processesInNetns(inodes: ReadonlySet<number>): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ino = netnsInode(`/proc/${name}/ns/net`);
    if (ino !== null && inodes.has(ino) && alive(Number(name))) out.push(Number(name));
  }
  return out;
}

/**
 * True if `pid` is still a process of the lab: its command line names `dir` (the lab's or the
 * node's directory, which every long-lived lab process carries), or it lives in one of the
 * network namespaces `inodes`. A pid read back from a state file may belong to an unrelated
 * process after a crash or a reboot; the lab never signals such a process.
 */
export function ownedByLab(pid: number, dir: string, inodes: ReadonlySet<number> = new Set()): boolean {
  if (!alive(pid)) return false;
  const ino = netnsInode(`/proc/${pid}/ns/net`);
  if (ino !== null && inodes.has(ino)) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .some((arg) => arg.includes(dir));
  } catch {
    return false;
  }
}

/** `stopPid` for a pid from the lab's state, only if it is still the lab's own (`ownedByLab`). */
export async function stopLabPid(pid: number, dir: string, inodes?: ReadonlySet<number>): Promise<void> {
  if (ownedByLab(pid, dir, inodes)) await stopPid(pid);
}

/**
 * Stops a process the lab started detached (its own process group) and everything it started:
 * `lab exec --background -- sh -c '…'` leaves children that SIGTERM to the shell alone would
 * orphan. Only if the leader is still the lab's own (`ownedByLab`).
 */
export async function stopLabGroup(pid: number, dir: string, inodes?: ReadonlySet<number>): Promise<void> {
  if (!ownedByLab(pid, dir, inodes)) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // the group is gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && alive(pid)) await new Promise((r) => setTimeout(r, 20));
  signal('SIGKILL');
}

/** Runs a command attached to this terminal (`quark lab exec`); returns its exit status. */
export function runInteractive(argv: readonly string[]): number {
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit' });
  return r.status ?? 1;
}

/** The socket inodes listening on TCP `port` (any address), from /proc/net/tcp and tcp6. */
function listeningSockets(port: number): Set<string> {
  const out = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the tenth field.
      if (f[1]?.endsWith(`:${hex}`) && f[3] === '0A' && f[9]) out.add(f[9]);
    }
  }
  return out;
}

/**
 * The pid of the process listening on TCP `port` in this network namespace, read live (the
 * lab's server after a restart by hand has another pid than the one recorded), or null.
 */
export function listeningPid(port: number): number | null {
  const sockets = listeningSockets(port);
  if (sockets.size === 0) return null;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${name}/fd/${fd}`));
        if (m && sockets.has(m[1]!)) return Number(name);
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

/** Live pids in network namespace `inode` whose command line has every one of `words` as an argument. */
export function processesWith(inode: number, words: readonly string[]): number[] {
  return processesInNetns(new Set([inode])).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return words.every((w) => argv.includes(w));
    } catch {
      return false;
    }
  });
}
