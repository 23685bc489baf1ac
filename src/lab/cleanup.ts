/**
 * Removes everything a lab with this prefix left on the machine, whether or not its state file
 * survived: processes in its namespaces (and in the private mount namespaces of its nodes,
 * where instances and dnsmasq run) or naming its directory, its namespaces, its links in the
 * root namespace and its directory. It finds them by prefix, directory and namespace identity,
 * never by process name.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { deleteLinks, listLinks, listNetns } from '../dataplane/drivers/ip.js';
import { deleteNetns } from '../dataplane/drivers/ip.js';
import { netnsInode, processesInNetns, stopPid } from './processes.js';

function mountInode(pid: number): number | null {
  return netnsInode(`/proc/${pid}/ns/mnt`);
}

function processesInMountNs(inodes: ReadonlySet<number>): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ino = mountInode(Number(name));
    if (ino !== null && inodes.has(ino)) out.push(Number(name));
  }
  return out;
}

/** This process and its ancestors (the shell that ran `quark lab down`…): never stopped. */
function ownLineage(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 1 && !out.has(pid); ) {
    out.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return out;
}

/**
 * Processes with an argument that is a path in the lab's directory (`--db <dir>/quark.db`,
 * `--pidfile=<dir>/…`): the controller's server, in the root namespace. An argument merely
 * mentioning it (`grep <dir>`) is not enough.
 */
function processesUsing(dir: string): number[] {
  const root = `${dir.replace(/\/+$/, '')}/`;
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (args.some((a) => a.startsWith(root) || a.slice(a.indexOf('=') + 1).startsWith(root))) out.push(Number(name));
  }
  return out;
}

/**
 * Everything named `<prefix>-…` (namespaces) or `<prefix>…` (root links), and with `dir` the
 * processes that name the lab's directory (the controller's server runs in the root namespace)
 * and the directory itself. Returns what it removed.
 */
export async function forceDown(prefix: string, dir?: string): Promise<string[]> {
  const removed: string[] = [];
  const namespaces = (await listNetns()).filter((n) => n.startsWith(`${prefix}-`));
  const netInodes = new Set(namespaces.map((n) => netnsInode(`/run/netns/${n}`)).filter((i): i is number => i !== null));
  const inNet = processesInNetns(netInodes);
  const ownMount = mountInode(process.pid);
  const mountInodes = new Set(inNet.map(mountInode).filter((i): i is number => i !== null && i !== ownMount));
  const pids = new Set([...inNet, ...processesInMountNs(mountInodes), ...(dir ? processesUsing(dir) : [])]);
  for (const own of ownLineage()) pids.delete(own);
  await Promise.all([...pids].map((p) => stopPid(p, 2000)));
  for (const p of pids) removed.push(`process ${p}`);
  for (const n of namespaces) {
    await deleteNetns(n);
    removed.push(`netns ${n}`);
  }
  const links = (await listLinks(null)).filter((l) => l.ifname.startsWith(prefix));
  await deleteLinks(
    null,
    links.map((l) => l.ifname),
  );
  for (const l of links) removed.push(`link ${l.ifname}`);
  if (dir && existsSync(dir)) {
    rmSync(dir, { recursive: true, force: true });
    removed.push(`directory ${dir}`);
  }
  return removed;
}
