/**
 * An emulated host ("node") of the lab: a network namespace `<prefix>-<name>` plus private
 * mount and UTS namespaces held open by a keeper process. Inside, /run/netns and
 * /run/openvswitch are fresh tmpfs mounts, so `ip netns add qdhcp-…` and the node's own
 * ovsdb-server and ovs-vswitchd are invisible to the root namespace and to other nodes.
 * Commands enter the node with `nsenter -t <keeper> -m -n -u`.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../dataplane/drivers/exec.js';
import { addNetns, deleteNetns } from '../dataplane/drivers/ip.js';
import { alive, netnsInode, ownedByLab, processesInNetns, spawnDetached, stopLabPid, stopPid } from './processes.js';

export interface NodeHandle {
  readonly name: string;
  /** The node's network namespace as the root namespace sees it. */
  readonly netns: string;
  /** Where the node keeps OVS databases, sockets, logs and the agent's state. */
  readonly dir: string;
  readonly keeperPid: number;
}

export const ovsRundir = (node: Pick<NodeHandle, 'dir'>) => join(node.dir, 'run');

export function ovsEnv(node: Pick<NodeHandle, 'dir'>): Record<string, string> {
  return { OVS_RUNDIR: ovsRundir(node), OVS_DBDIR: join(node.dir, 'db'), OVS_LOGDIR: join(node.dir, 'log') };
}

/** argv that runs `argv` inside the node, with the node's OVS environment. */
export function inNode(node: NodeHandle, argv: readonly string[]): string[] {
  const env = Object.entries(ovsEnv(node)).map(([k, v]) => `${k}=${v}`);
  return ['nsenter', '-t', String(node.keeperPid), '-m', '-n', '-u', 'env', ...env, ...argv];
}

/** argv that runs `argv` inside network namespace `netns` of the node (an instance, qdhcp-…). */
export function inNodeNetns(node: NodeHandle, netns: string, argv: readonly string[]): string[] {
  return inNode(node, ['ip', 'netns', 'exec', netns, ...argv]);
}

export function nodeRun(node: NodeHandle, argv: readonly string[], input?: string) {
  return run(inNode(node, argv), input === undefined ? {} : { input });
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function fileExists(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Creates the node's namespaces and basic settings. OVS is started separately (startOvs). */
export async function startNode(prefix: string, name: string, dir: string): Promise<NodeHandle> {
  for (const sub of ['run', 'db', 'log', 'state']) mkdirSync(join(dir, sub), { recursive: true });
  const netns = `${prefix}-${name}`;
  await addNetns(netns);
  const ready = join(dir, 'run', 'keeper.ready');
  rmSync(ready, { force: true });
  // The keeper holds the mount and UTS namespaces open; its pid is the node's handle.
  const script = `mkdir -p /run/netns /run/openvswitch && mount -t tmpfs tmpfs /run/netns && mount -t tmpfs tmpfs /run/openvswitch && hostname ${name} && touch ${ready} && exec sleep infinity`;
  const keeperPid = spawnDetached(
    ['ip', 'netns', 'exec', netns, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', script],
    join(dir, 'log', 'keeper.log'),
  );
  await waitFor(() => fileExists(ready), `node ${name} to start`);
  const node: NodeHandle = { name, netns, dir, keeperPid };
  // Bridged frames go through iptables (security groups on qbr); the kernel must not answer ARP
  // for addresses that OVS owns on devices it merely reads from (userspace datapath).
  await nodeRun(node, [
    'sysctl',
    '-qw',
    'net.bridge.bridge-nf-call-iptables=1',
    'net.bridge.bridge-nf-call-ip6tables=1',
    'net.ipv4.conf.all.arp_ignore=1',
    'net.ipv4.ip_forward=0',
  ]);
  await nodeRun(node, ['ip', 'link', 'set', 'lo', 'up']);
  return node;
}

const pidfile = (node: NodeHandle, daemon: string) => join(ovsRundir(node), `${daemon}.pid`);

function readPid(path: string): number | null {
  try {
    return Number(readFileSync(path, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

/** Starts the node's ovsdb-server and ovs-vswitchd (pid files under the node's run dir). */
export async function startOvs(node: NodeHandle): Promise<void> {
  const db = join(node.dir, 'db', 'conf.db');
  const rundir = ovsRundir(node);
  if (!fileExists(db)) await nodeRun(node, ['ovsdb-tool', 'create', db, '/usr/share/openvswitch/vswitch.ovsschema']);
  await nodeRun(node, [
    'ovsdb-server',
    db,
    `--remote=punix:${rundir}/db.sock`,
    `--pidfile=${pidfile(node, 'ovsdb-server')}`,
    `--log-file=${join(node.dir, 'log', 'ovsdb-server.log')}`,
    '--detach',
    '--no-chdir',
  ]);
  await nodeRun(node, ['ovs-vsctl', '--no-wait', 'init']);
  await nodeRun(node, [
    'ovs-vswitchd',
    `unix:${rundir}/db.sock`,
    `--pidfile=${pidfile(node, 'ovs-vswitchd')}`,
    `--log-file=${join(node.dir, 'log', 'ovs-vswitchd.log')}`,
    '--detach',
    '--no-chdir',
  ]);
}

export function ovsPids(node: NodeHandle): number[] {
  return ['ovs-vswitchd', 'ovsdb-server'].map((d) => readPid(pidfile(node, d))).filter((p): p is number => p !== null);
}

/** Inodes of the node's network namespace and of every namespace made inside it. */
export async function nodeNetnsInodes(node: NodeHandle): Promise<Set<number>> {
  const out = new Set<number>();
  const own = netnsInode(`/run/netns/${node.netns}`);
  if (own !== null) out.add(own);
  try {
    const { stdout } = await nodeRun(node, ['sh', '-c', 'for f in /run/netns/*; do [ -e "$f" ] && stat -Lc %i "$f"; done; true']);
    for (const line of stdout.split('\n')) if (line.trim()) out.add(Number(line));
  } catch {
    // the keeper is gone: its private namespaces went with it
  }
  return out;
}

/**
 * Stops everything of the node: the processes the caller names first (agent…), then OVS, then
 * any process still inside one of the node's namespaces, then the keeper and the namespace.
 */
export async function stopNode(node: NodeHandle, pids: readonly number[] = []): Promise<void> {
  const inodes = await nodeNetnsInodes(node);
  for (const pid of [...pids, ...ovsPids(node)]) await stopLabPid(pid, node.dir, inodes);
  for (const pid of processesInNetns(inodes)) if (pid !== node.keeperPid) await stopPid(pid);
  await stopLabPid(node.keeperPid, node.dir, inodes);
  await deleteNetns(node.netns);
}

/**
 * The node dies at once, as a host whose power fails: every process in its namespaces gets
 * SIGKILL (agent, OVS, keepalived, dnsmasq, instances' listeners, then the keeper, which takes the
 * node's private namespaces with it), so that none of them says goodbye (keepalived sends no last
 * advertisement, the agent no last report). Its network namespace and links stay until `lab down`.
 */
export async function killNode(node: NodeHandle): Promise<void> {
  const inodes = await nodeNetnsInodes(node);
  const pids = [...processesInNetns(inodes), ...ovsPids(node)].filter((pid) => pid !== node.keeperPid);
  for (const pid of new Set(pids)) if (ownedByLab(pid, node.dir, inodes)) process.kill(pid, 'SIGKILL');
  if (ownedByLab(node.keeperPid, node.dir, inodes)) process.kill(node.keeperPid, 'SIGKILL');
  await waitFor(() => !alive(node.keeperPid), `node ${node.name}'s keeper to die`);
}
