/**
 * A private Open vSwitch for host tests: its own ovsdb-server (and, when asked, ovs-vswitchd with
 * the userspace `netdev` datapath) in a fresh temporary directory, never the system's OVS or
 * /run/openvswitch. Everything it makes carries a unique `qkt…` prefix; `stop()` kills the daemons
 * by the pids they wrote, removes the namespace it made and the directory, and throws when any of
 * them is still there, so a test that leaks fails.
 *
 * By hand, this is:
 *   ovsdb-tool create $D/db/conf.db /usr/share/openvswitch/vswitch.ovsschema
 *   ovsdb-server $D/db/conf.db --remote=punix:$D/run/db.sock --pidfile=… --unixctl=… --log-file=… --detach
 *   ovs-vsctl --db=unix:$D/run/db.sock --no-wait init
 *   ip netns add $P; ip netns exec $P ovs-vswitchd unix:$D/run/db.sock --pidfile=… --detach
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './run.js';

export const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

export interface PrivateOvsOptions {
  /** Prefix of the directory and namespace names; a fresh `qkt<6 hex>` by default. */
  readonly prefix?: string;
  /** Also run ovs-vswitchd (needed for ofport, cur_cfg and real datapath ports). */
  readonly vswitchd?: boolean;
  /**
   * The network namespace ovs-vswitchd runs in, so its ports (taps of internal ports) stay out of
   * the host's namespace. Without one, a namespace named after the prefix is made and later removed.
   */
  readonly netns?: string;
}

export interface PrivateOvs {
  readonly prefix: string;
  readonly dir: string;
  readonly rundir: string;
  readonly dbdir: string;
  readonly logdir: string;
  /** The socket clients connect to: `<rundir>/db.sock`. */
  readonly dbSocket: string;
  /** OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR for OVS tools run against this instance. */
  readonly env: Readonly<Record<string, string>>;
  readonly netns: string | undefined;
  readonly pids: { readonly ovsdbServer: number; readonly vswitchd?: number };
  /** `ovs-vsctl --db=unix:<dbSocket> --timeout=20 <args>`; add `--no-wait` when no ovs-vswitchd runs. */
  vsctl(...args: string[]): Promise<string>;
  /** Stops the daemons, removes what was made; throws if anything is left. Idempotent. */
  stop(): Promise<void>;
}

export async function startPrivateOvs(options: PrivateOvsOptions = {}): Promise<PrivateOvs> {
  hookExit();
  const prefix = options.prefix ?? `qkt${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-ovs-`));
  const rundir = join(dir, 'run');
  const dbdir = join(dir, 'db');
  const logdir = join(dir, 'log');
  const dbSocket = join(rundir, 'db.sock');
  const env = { OVS_RUNDIR: rundir, OVS_DBDIR: dbdir, OVS_LOGDIR: logdir };
  const pids: { ovsdbServer: number; vswitchd?: number } = { ovsdbServer: 0 };
  const ownNetns = options.vswitchd && !options.netns ? prefix : undefined;
  const netns = options.netns ?? ownNetns;
  let stopped: Promise<void> | undefined;
  const emergency = () => {
    for (const pid of [pids.vswitchd, pids.ovsdbServer]) if (pid) killQuietly(pid, 'SIGKILL');
    if (ownNetns && netnsExists(ownNetns)) execFileSync('ip', ['netns', 'delete', ownNetns], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  unstopped.add(emergency);

  const stop = (): Promise<void> => {
    unstopped.delete(emergency);
    stopped ??= (async () => {
      const running = [pids.vswitchd, pids.ovsdbServer].filter((p): p is number => !!p);
      for (const pid of running) await terminate(pid);
      if (ownNetns && netnsExists(ownNetns)) await run(['ip', 'netns', 'delete', ownNetns]);
      await rm(dir, { recursive: true, force: true });
      const left = [
        ...running.filter(isRunning).map((p) => `process ${p}`),
        ...(existsSync(dir) ? [`directory ${dir}`] : []),
        ...(ownNetns && netnsExists(ownNetns) ? [`namespace ${ownNetns}`] : []),
      ];
      if (left.length > 0) throw new Error(`private OVS ${prefix} left behind: ${left.join(', ')}`);
    })();
    return stopped;
  };

  try {
    await Promise.all([rundir, dbdir, logdir].map((d) => mkdir(d)));
    const db = join(dbdir, 'conf.db');
    await run(['ovsdb-tool', 'create', db, VSWITCH_SCHEMA], { env });
    await run(
      [
        'ovsdb-server',
        db,
        `--remote=punix:${dbSocket}`,
        '--remote=db:Open_vSwitch,Open_vSwitch,manager_options',
        `--pidfile=${join(rundir, 'ovsdb-server.pid')}`,
        `--unixctl=${join(rundir, 'ovsdb-server.ctl')}`,
        `--log-file=${join(logdir, 'ovsdb-server.log')}`,
        '--detach',
        '--no-chdir',
      ],
      { env },
    );
    pids.ovsdbServer = await readPid(join(rundir, 'ovsdb-server.pid'));
    await run(['ovs-vsctl', `--db=unix:${dbSocket}`, '--no-wait', 'init'], { env });
    if (options.vswitchd) {
      if (ownNetns) await run(['ip', 'netns', 'add', ownNetns]);
      const nsPrefix = netns ? ['ip', 'netns', 'exec', netns] : [];
      await run(
        [
          ...nsPrefix,
          'ovs-vswitchd',
          `unix:${dbSocket}`,
          `--pidfile=${join(rundir, 'ovs-vswitchd.pid')}`,
          `--unixctl=${join(rundir, 'ovs-vswitchd.ctl')}`,
          `--log-file=${join(logdir, 'ovs-vswitchd.log')}`,
          '-vconsole:off',
          '--detach',
          '--no-chdir',
        ],
        { env },
      );
      pids.vswitchd = await readPid(join(rundir, 'ovs-vswitchd.pid'));
    }
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }

  return {
    prefix,
    dir,
    rundir,
    dbdir,
    logdir,
    dbSocket,
    env,
    netns,
    pids,
    vsctl: (...args: string[]) => run(['ovs-vsctl', `--db=unix:${dbSocket}`, '--timeout=20', ...args], { env }),
    stop,
  };
}

/**
 * Instances not stopped yet. If the test process exits or is interrupted before a test's `after`
 * hook ran, they are killed (by pid) and their files removed synchronously on the way out.
 */
const unstopped = new Set<() => void>();
let hooked = false;

function killEverythingLeft(): void {
  for (const cleanup of unstopped) {
    try {
      cleanup();
    } catch {
      // best effort on the way out
    }
  }
  unstopped.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killEverythingLeft);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(signal, () => {
      killEverythingLeft();
      process.kill(process.pid, signal);
    });
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

async function readPid(path: string): Promise<number> {
  const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`bad pid in ${path}`);
  return pid;
}

/** True while `pid` exists and is not a zombie (a detached daemon is reaped by init, not by us). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after 5 s. Only ever called with pids this module read from its own pidfiles. */
async function terminate(pid: number): Promise<void> {
  killQuietly(pid, 'SIGTERM');
  for (let i = 0; i < 100 && isRunning(pid); i++) await sleep(50);
  if (!isRunning(pid)) return;
  killQuietly(pid, 'SIGKILL');
  for (let i = 0; i < 100 && isRunning(pid); i++) await sleep(50);
}

function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}
