/**
 * `ip neigh`: the permanent neighbour entries of the VXLAN devices (l2population's addresses of
 * remote ports). One `ip -j neigh show nud permanent` observes them; the difference is one
 * `ip -force -batch`:
 *
 *   ip neigh replace 10.0.0.6 lladdr fa:16:3e:12:34:56 dev vxlan-1001 nud permanent
 *   ip neigh del 10.0.0.7 dev vxlan-1001
 *
 * Only permanent entries on `vxlan-…` devices are the agent's.
 */
import { VXLAN_DEVICE_PREFIX } from '../../model/names.js';
import type { NeighbourItem } from '../compile/plan.js';
import { run } from './exec.js';

export interface PermanentNeighbour {
  readonly ip: string;
  readonly mac: string;
  readonly device: string;
}

export function parseNeighbours(json: string): PermanentNeighbour[] {
  const raw = JSON.parse(json || '[]') as { dst: string; dev: string; lladdr?: string }[];
  return raw.filter((n) => n.lladdr).map((n) => ({ ip: n.dst, mac: n.lladdr!.toLowerCase(), device: n.dev }));
}

/** `ip -j neigh show nud permanent` (both families). */
export async function observePermanentNeighbours(): Promise<PermanentNeighbour[]> {
  return parseNeighbours((await run(['ip', '-j', 'neigh', 'show', 'nud', 'permanent'])).stdout);
}

const key = (n: { device: string; ip: string; mac: string }) => `${n.device} ${n.ip} ${n.mac}`;

/** `ip -batch` lines that make the permanent entries of VXLAN devices exactly `wanted`. Pure. */
export function neighbourCommands(
  wanted: readonly NeighbourItem[],
  observed: readonly PermanentNeighbour[],
  prune: boolean,
): string[] {
  const owned = observed.filter((n) => n.device.startsWith(VXLAN_DEVICE_PREFIX));
  const have = new Set(owned.map(key));
  const want = new Set(wanted.map(key));
  const replaced = new Set(wanted.map((n) => `${n.device} ${n.ip}`));
  const out: string[] = [];
  if (prune) {
    for (const n of owned) {
      if (!want.has(key(n)) && !replaced.has(`${n.device} ${n.ip}`)) out.push(`neigh del ${n.ip} dev ${n.device}`);
    }
  }
  for (const n of wanted) {
    if (!have.has(key(n))) out.push(`neigh replace ${n.ip} lladdr ${n.mac} dev ${n.device} nud permanent`);
  }
  return out;
}

/** Runs the lines in one `ip -force -batch -`; throws with ip's complaint if any failed. */
export async function applyNeighbours(lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const r = await run(['ip', '-force', '-batch', '-'], { input: `${lines.join('\n')}\n`, okStatuses: [1] });
  if (r.status !== 0) throw new Error(`ip neigh: ${r.stderr.trim().split('\n').slice(0, 4).join('; ')}`);
}
