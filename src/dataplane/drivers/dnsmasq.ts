/**
 * dnsmasq processes, one per network this host serves, each in its qdhcp namespace with its
 * files in `<stateDir>/dhcp/<network id>/`: host, addn_hosts, opts (written here), pid,
 * leases, log (written by dnsmasq) and args (the command line it was started with, for
 * operators). A full pass compares each file with the disk; an incremental one trusts what
 * this process wrote and only reads the pid file and /proc, so an idle pass costs a few small
 * reads per network. Either way each dnsmasq's liveness is checked:
 *
 *   files changed                  → write them (atomically), kill -HUP <pid>
 *   ... and the hosts file tags    → stop, start           (dnsmasq 2.90 dies on SIGHUP once it
 *       a host (before or after)                            has served a host whose line has a
 *                                                           `set:` tag: reproduced by hand)
 *   command line changed           → stop, start           (a new subnet, MTU, lease time…,
 *                                                            or its namespace was made anew)
 *   not running (died, first time) → start
 *   leases no reservation backs    → dhcp_release (see dnsmasq-leases.ts)
 *   network no longer served       → stop, remove its directory (with prune)
 *
 * dnsmasq drops to user `nobody` after start and re-reads its files as that user on SIGHUP,
 * so the state directory must be traversable by others; the driver refuses to run otherwise.
 */
import { chmodSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { QuarkError } from '../../model/errors.js';
import type { DnsmasqItem } from '../compile/plan.js';
import { parseLeases, releaseLeases, staleLeases } from './dnsmasq-leases.js';
import { inNamespace, reloadDnsmasq, runningDnsmasq, startDnsmasq, stopDnsmasq, strayDnsmasq } from './dnsmasq-process.js';

export interface DnsmasqOptions {
  /** Per-network directories live in `<stateDir>/dhcp/`. */
  readonly stateDir: string;
  /** Stop dnsmasq processes of networks the plan no longer has and remove their directories. */
  readonly prune: boolean;
  /**
   * Re-read every file and lease from the disk (default). Incremental passes trust what this
   * process wrote before and only check that each dnsmasq is alive, which costs a few reads.
   */
  readonly full?: boolean;
  /**
   * What this process knows to be on the disk (file path → content, and directories made), so
   * that incremental passes need not read it back. Its owner clears it to forget; by default
   * one cache per process.
   */
  readonly known?: Map<string, string>;
  /** Items to leave as they are in this call (kept, not pruned): by default every item is applied. */
  readonly due?: (item: DnsmasqItem) => boolean;
}

/** What a pass did, by network id (the agent logs it and tests read it). */
export interface DnsmasqReport {
  readonly started: string[];
  /** Restarted because the command line changed. */
  readonly restarted: string[];
  /** Started again because the process had died. */
  readonly revived: string[];
  readonly reloaded: string[];
  released: number;
  readonly stopped: string[];
}

export function emptyDnsmasqReport(): DnsmasqReport {
  return { started: [], restarted: [], revived: [], reloaded: [], released: 0, stopped: [] };
}

export const dnsmasqReportChanged = (r: DnsmasqReport): boolean =>
  r.started.length + r.restarted.length + r.revived.length + r.reloaded.length + r.released + r.stopped.length > 0;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The default of DnsmasqOptions.known. A full pass checks the disk again, so whatever changed
 * behind the agent's back is healed then.
 */
const processKnown = new Map<string, string>();

/** Writes a file readable by dnsmasq's user, atomically, unless it already has this content. */
function writeIfChanged(known: Map<string, string>, path: string, content: string, full: boolean): boolean {
  if (!full && known.get(path) === content) return false;
  if (readText(path) === content) {
    known.set(path, content);
    return false;
  }
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content);
  chmodSync(tmp, 0o644);
  renameSync(tmp, path);
  known.set(path, content);
  return true;
}

function ensureDir(known: Map<string, string>, path: string, full: boolean): void {
  if (!full && known.has(path)) return;
  mkdirSync(path, { recursive: true });
  if ((statSync(path).mode & 0o755) !== 0o755) chmodSync(path, 0o755);
  known.set(path, '');
}

/** Every directory above `dir` must let `nobody` through, or SIGHUP reloads fail silently. */
function checkTraversable(dir: string): void {
  for (let d = dirname(dir); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new QuarkError(
        'InvalidConfig',
        `dnsmasq runs as nobody and cannot reach ${dir}: ${d} is not searchable by others (chmod o+x ${d})`,
      );
    }
    if (d === dirname(d)) return;
  }
}

const shellWord = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);

async function start(item: DnsmasqItem): Promise<void> {
  for (const pid of strayDnsmasq(item.netns, item.dir)) await stopDnsmasq(pid, item.dir);
  writeFileSync(`${item.dir}/args`, `ip netns exec ${item.netns} dnsmasq ${item.args.map(shellWord).join(' ')}\n`);
  await startDnsmasq(item.netns, item.args);
}

/** A hosts file that tags hosts (`,set:port-…`, for a port's extra DHCP options). */
const tagsHosts = (content: string | null | undefined): boolean => (content ?? '').includes(',set:');

async function applyOne(item: DnsmasqItem, report: DnsmasqReport, full: boolean, known: Map<string, string>): Promise<void> {
  ensureDir(known, item.dir, full);
  let filesChanged = false;
  const hostsPath = `${item.dir}/host`;
  const taggedBefore = tagsHosts(known.get(hostsPath) ?? readText(hostsPath));
  for (const [name, content] of Object.entries(item.files)) {
    if (writeIfChanged(known, `${item.dir}/${name}`, content, full)) filesChanged = true;
  }
  // SIGHUP would kill a dnsmasq that serves tagged hosts (see above): such changes restart it.
  const reloadUnsafe = filesChanged && (taggedBefore || tagsHosts(item.files.host));
  const running = runningDnsmasq(item.dir);
  const sameArgs =
    running !== null && !reloadUnsafe && running.args.join('\0') === item.args.join('\0') && inNamespace(running.pid, item.netns);
  const started = !running || !sameArgs;
  if (running && sameArgs) {
    if (filesChanged) {
      reloadDnsmasq(running.pid);
      report.reloaded.push(item.networkId);
    }
  } else {
    if (running) {
      await stopDnsmasq(running.pid, item.dir);
      report.restarted.push(item.networkId);
    } else if (readText(`${item.dir}/pid`) !== null) report.revived.push(item.networkId);
    else report.started.push(item.networkId);
    await start(item);
  }
  // Leases change only through dnsmasq; they can be stale only after the reservations changed.
  if (!full && !filesChanged && !started) return;
  const stale = staleLeases(parseLeases(readText(`${item.dir}/leases`) ?? ''), item.files.host ?? '');
  if (stale.length > 0) report.released += await releaseLeases(item.netns, item.device, stale);
}

/** Stops the dnsmasq of a directory no item wants and removes the directory. */
async function pruneDir(dir: string, report: DnsmasqReport, networkId: string, known: Map<string, string>): Promise<void> {
  const running = runningDnsmasq(dir);
  if (running) await stopDnsmasq(running.pid, dir);
  rmSync(dir, { recursive: true, force: true });
  for (const path of [...known.keys()]) if (path === dir || path.startsWith(`${dir}/`)) known.delete(path);
  report.stopped.push(networkId);
}

/**
 * Brings every network's dnsmasq to its item. Errors of one network do not stop the others;
 * they are returned by network id.
 */
export async function reconcileDnsmasq(
  items: readonly DnsmasqItem[],
  options: DnsmasqOptions,
): Promise<{ report: DnsmasqReport; failed: Map<string, unknown> }> {
  const report = emptyDnsmasqReport();
  const full = options.full ?? true;
  const known = options.known ?? processKnown;
  const root = `${options.stateDir.replace(/\/+$/, '')}/dhcp`;
  if (items.length > 0 && (full || !known.has(root))) {
    ensureDir(known, root, full);
    checkTraversable(root);
  }
  const failed = new Map<string, unknown>();
  for (const item of items) {
    if (options.due && !options.due(item)) continue;
    await applyOne(item, report, full, known).catch((e: unknown) => failed.set(item.networkId, e));
  }
  if (options.prune) {
    const wanted = new Set(items.map((i) => i.dir));
    let entries: string[] = [];
    try {
      entries = readdirSync(root);
    } catch {
      // no directory: nothing was ever served here
    }
    for (const name of entries) {
      const dir = `${root}/${name}`;
      if (!wanted.has(dir)) await pruneDir(dir, report, name, known).catch((e: unknown) => failed.set(name, e));
    }
  }
  return { report, failed };
}

/** reconcileDnsmasq that throws the first failure, once every network was tried. */
export async function applyDnsmasq(items: readonly DnsmasqItem[], options: DnsmasqOptions): Promise<DnsmasqReport> {
  const { report, failed } = await reconcileDnsmasq(items, options);
  for (const e of failed.values()) throw e;
  return report;
}
