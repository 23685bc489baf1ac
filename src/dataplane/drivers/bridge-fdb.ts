/**
 * `bridge fdb`: the static forwarding entries of the VXLAN devices (l2population). One `bridge
 * -j fdb show` observes them; the difference is one `bridge -force -batch`:
 *
 *   bridge fdb append 00:00:00:00:00:00 dev vxlan-1001 dst 198.18.1.12    (flooding: one per remote host)
 *   bridge fdb replace fa:16:3e:12:34:56 dev vxlan-1001 dst 198.18.1.12   (a remote port)
 *   bridge fdb del fa:16:3e:12:34:56 dev vxlan-1001 dst 198.18.1.13
 *
 * Only entries the agent owns are removed: permanent entries with a `dst` on `vxlan-…` devices.
 * Entries the kernel learnt (not permanent) are the data plane's own and left alone.
 */
import { VXLAN_DEVICE_PREFIX } from '../../model/names.js';
import type { FdbEntryItem } from '../compile/plan.js';
import { run } from './exec.js';

export interface FdbEntry {
  readonly mac: string;
  readonly device: string;
  readonly dst: string | null;
  readonly permanent: boolean;
  /** The bridge the entry is on (entries of a bridge port), or null (entries of the device itself, `self`). */
  readonly master: string | null;
}

interface RawFdb {
  mac: string;
  ifname: string;
  dst?: string;
  state?: string;
  master?: string;
}

export function parseFdb(json: string): FdbEntry[] {
  return (JSON.parse(json || '[]') as RawFdb[]).map((e) => ({
    mac: e.mac.toLowerCase(),
    device: e.ifname,
    dst: e.dst ?? null,
    permanent: e.state === 'permanent',
    master: e.master ?? null,
  }));
}

/** `bridge -j fdb show` */
export async function observeFdb(): Promise<FdbEntry[]> {
  return parseFdb((await run(['bridge', '-j', 'fdb', 'show'])).stdout);
}

const key = (e: { device: string; mac: string; dst: string | null }) => `${e.device} ${e.mac} ${e.dst}`;

/** Entries of VXLAN devices the agent owns (permanent, with a remote VTEP). */
export function ownedEntries(entries: readonly FdbEntry[]): FdbEntry[] {
  return entries.filter((e) => e.device.startsWith(VXLAN_DEVICE_PREFIX) && e.permanent && e.dst !== null && e.master === null);
}

/** `bridge -batch` lines that make the owned entries exactly `wanted` (with `prune`, also removing). Pure. */
export function fdbCommands(wanted: readonly FdbEntryItem[], observed: readonly FdbEntry[], prune: boolean): string[] {
  const have = new Set(ownedEntries(observed).map(key));
  const want = new Set(wanted.map(key));
  const out: string[] = [];
  if (prune) {
    for (const e of ownedEntries(observed)) if (!want.has(key(e))) out.push(`fdb del ${e.mac} dev ${e.device} dst ${e.dst}`);
  }
  for (const e of wanted) {
    if (have.has(key(e))) continue;
    // The all-zero MAC has one entry per remote host: appended. A port's MAC has one: replaced.
    const verb = e.mac === '00:00:00:00:00:00' ? 'append' : 'replace';
    out.push(`fdb ${verb} ${e.mac} dev ${e.device} dst ${e.dst}`);
  }
  return out;
}

/** Runs the lines in one `bridge -force -batch -`; throws with bridge's complaint if any failed. */
export async function applyFdb(lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const r = await run(['bridge', '-force', '-batch', '-'], { input: `${lines.join('\n')}\n`, okStatuses: [1] });
  if (r.status !== 0) throw new Error(`bridge -batch: ${r.stderr.trim().split('\n').slice(0, 4).join('; ')}`);
}
