/**
 * Removes everything a lab with this prefix left on the machine, whether or not its state file
 * survived: processes in its namespaces (and in the private mount namespaces of its nodes,
 * where instances and dnsmasq run) or naming its directory, its namespaces, its links in the
 * root namespace and its directory. It finds them by prefix, directory and namespace identity,
 * never by process name.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { deleteLinks, listLinks, listNetns } from '../dataplane/drivers/ip.js';
import { deleteNetns } from '../dataplane/drivers/ip.js';
import { netnsInode, ownedByLab, processesInNetns, stopPid } from './processes.js';

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

/** Processes of the root namespace whose command line names a path in the lab's directory (its server). */
function processesUsing(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (/^\d+$/.test(name) && ownedByLab(Number(name), `${dir.replace(/\/+$/, '')}/`)) out.push(Number(name));
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
  pids.delete(process.pid);
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
