/**
 * Whole machines for host tests, made of namespaces: each has its own network namespace (its
 * NICs are veths into a fabric namespace), its own hostname, and a private view of the file
 * system — /etc, /var, /usr and /root are overlays on the real ones (writes land in the test's
 * directory), /run is a fresh tmpfs — so a package can be installed, configuration written under
 * /etc and daemons started exactly as on a real host, and nothing reaches the real machine.
 * There is no systemd inside (a fresh /run hides the real one): the tests put a stand-in
 * `systemctl` on the machines (systemd-standin.ts).
 *
 * Everything carries the test's prefix: the namespaces `<prefix>-<name>`, the fabric
 * `<prefix>-fab`, and the directory. `destroy()` stops every process inside the machines'
 * network namespaces (theirs and the ones made inside, qdhcp-… or an instance), then the
 * keepers, then removes the namespaces and the directory.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { alive, netnsInode, processesInNetns, spawnDetached, stopPid } from '../lab/processes.js';

/** What a machine's file system overlays, and what it gets fresh. */
const OVERLAID = ['etc', 'var', 'usr', 'root'];

export interface Machine {
  readonly name: string;
  readonly netns: string;
  readonly keeperPid: number;
  /** Runs `script` with bash inside the machine (as root, HOME=/root), `input` on stdin. */
  sh(script: string, options?: { input?: string; env?: Readonly<Record<string, string>>; timeoutMs?: number }): Promise<ShResult>;
}

export interface ShResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A cable: the machine's interface `ifname` on fabric bridge `bridge`, with `address` (CIDR) or none. */
export interface Nic {
  readonly ifname: string;
  readonly bridge: string;
  readonly address: string | null;
}

export interface MachineSpec {
  readonly name: string;
  readonly nics: readonly Nic[];
  /** A default route (the external network's gateway, for the outside machine). */
  readonly gateway?: string;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Runs argv to its end (or `timeoutMs`, then SIGKILL); never rejects for an exit status. */
export function exec(argv: readonly string[], input = '', timeoutMs = 60_000): Promise<ShResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString() + (signal ? `\n(killed by ${signal} after ${timeoutMs} ms)` : '');
      resolve({ status: code ?? -1, stdout: Buffer.concat(out).toString(), stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** exec that fails on a non-zero status. */
async function run(argv: readonly string[]): Promise<string> {
  const r = await exec(argv);
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit status ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function waitForFile(path: string, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class MachineRoom {
  readonly machines = new Map<string, Machine>();
  /** Every namespace made, also of a machine whose start failed half-way. */
  private readonly namespaces: string[] = [];
  private readonly keepers: number[] = [];
  private readonly fabric: string;
  private readonly bridges = new Set<string>();
  private index = 0;

  private constructor(
    readonly prefix: string,
    readonly dir: string,
  ) {
    this.fabric = `${prefix}-fab`;
  }

  /** The room: a directory and the fabric namespace that holds the networks between machines. */
  static async open(prefix: string, dir: string): Promise<MachineRoom> {
    mkdirSync(dir, { recursive: true });
    const room = new MachineRoom(prefix, dir);
    room.namespaces.push(room.fabric);
    await run(['ip', 'netns', 'add', room.fabric]);
    await run(['ip', '-n', room.fabric, 'link', 'set', 'lo', 'up']);
    return room;
  }

  private async bridge(name: string): Promise<void> {
    if (this.bridges.has(name)) return;
    await run(['ip', '-n', this.fabric, 'link', 'add', name, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0']);
    await run(['ip', '-n', this.fabric, 'link', 'set', name, 'up']);
    this.bridges.add(name);
  }

  async add(spec: MachineSpec): Promise<Machine> {
    const netns = `${this.prefix}-${spec.name}`;
    const root = join(this.dir, spec.name);
    this.namespaces.push(netns);
    await run(['ip', 'netns', 'add', netns]);
    const mounts = OVERLAID.map((d) => {
      mkdirSync(join(root, d, 'up'), { recursive: true });
      mkdirSync(join(root, d, 'work'), { recursive: true });
      return `mount -t overlay overlay -o lowerdir=/${d},upperdir=${root}/${d}/up,workdir=${root}/${d}/work /${d}`;
    });
    const ready = join(root, 'ready');
    const script = [
      ...mounts,
      'mount -t tmpfs -o mode=0755 tmpfs /run',
      'mkdir -p /run/netns /run/lock /run/openvswitch',
      `hostname ${spec.name}`,
      `touch ${ready}`,
      'exec sleep infinity',
    ].join(' && ');
    const keeperPid = spawnDetached(
      ['ip', 'netns', 'exec', netns, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', script],
      join(root, 'keeper.log'),
    );
    this.keepers.push(keeperPid);
    await waitForFile(ready, `machine ${spec.name}`);
    const machine: Machine = {
      name: spec.name,
      netns,
      keeperPid,
      sh: async (text, options = {}) => {
        const env = Object.entries({ PATH, HOME: '/root', LANG: 'C.UTF-8', ...options.env }).map(([k, v]) => `${k}=${v}`);
        const argv = [
          'nsenter',
          '-t',
          String(keeperPid),
          '-m',
          '-n',
          '-u',
          'env',
          '-i',
          ...env,
          'bash',
          '-c',
          `cd /root && ${text}`,
        ];
        return exec(argv, options.input ?? '', options.timeoutMs ?? 300_000);
      },
    };
    this.machines.set(spec.name, machine);
    await machine.sh('ip link set lo up');
    for (const nic of spec.nics) {
      await this.bridge(nic.bridge);
      const peer = `${this.prefix}x${++this.index}`;
      await run(['ip', 'link', 'add', peer, 'netns', this.fabric, 'type', 'veth', 'peer', 'name', nic.ifname, 'netns', netns]);
      await run(['ip', '-n', this.fabric, 'link', 'set', peer, 'master', nic.bridge, 'up']);
      const up = [`ip link set ${nic.ifname} up`];
      if (nic.address) up.unshift(`ip addr add ${nic.address} dev ${nic.ifname}`);
      await machine.sh(up.join(' && '));
    }
    if (spec.gateway) await machine.sh(`ip route add default via ${spec.gateway}`);
    return machine;
  }

  get(name: string): Machine {
    const m = this.machines.get(name);
    if (!m) throw new Error(`no machine ${name}`);
    return m;
  }

  /** Inodes of each machine's network namespace and of every namespace made inside it. */
  private async netnsInodes(): Promise<Set<number>> {
    const out = new Set<number>();
    for (const m of this.machines.values()) {
      const own = netnsInode(`/run/netns/${m.netns}`);
      if (own !== null) out.add(own);
      if (!alive(m.keeperPid)) continue;
      const r = await m.sh('for f in /run/netns/*; do [ -e "$f" ] && stat -Lc %i "$f"; done; true');
      for (const line of r.stdout.split('\n')) if (line.trim()) out.add(Number(line));
    }
    return out;
  }

  /** Processes still running inside the machines (for a leak check after destroy). */
  async processes(): Promise<number[]> {
    const inodes = await this.netnsInodes();
    const keepers = new Set([...this.machines.values()].map((m) => m.keeperPid));
    return processesInNetns(inodes).filter((p) => !keepers.has(p));
  }

  async destroy(): Promise<void> {
    const inodes = await this.netnsInodes();
    for (const ns of this.namespaces) {
      const ino = netnsInode(`/run/netns/${ns}`);
      if (ino !== null) inodes.add(ino);
    }
    const keepers = new Set(this.keepers);
    // Twice: a supervisor (ovs-vswitchd's monitor, postgres's postmaster) may start one more child.
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        processesInNetns(inodes)
          .filter((p) => !keepers.has(p))
          .map((p) => stopPid(p, 5000)),
      );
    }
    for (const pid of this.keepers) await stopPid(pid);
    for (const ns of this.namespaces) await exec(['ip', 'netns', 'delete', ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
