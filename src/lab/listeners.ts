/**
 * The probe listeners of a lab (probe.ts): at the internet host and in instances, answering
 * TCP and UDP with their name and the source they saw. They outlive `lab up` — for `lab check`,
 * for steps, and for manual tests (`lab exec internet -- nc …`) — and are recorded in the lab's
 * state with their pid, so `lab down` stops exactly them.
 */
import { fileURLToPath } from 'node:url';
import type { Lab } from './lab.js';
import { inNodeNetns } from './node.js';
import { alive, spawnDetached, stopLabPid } from './processes.js';

export const PROBE = fileURLToPath(new URL('./probe.js', import.meta.url));
/** The port of the internet host's probe, used to learn which source address it sees. */
export const SOURCE_PORT = 7;

/** One listener process: where it runs (`internet` or an instance) and what it answers (`tcp:22`). */
export interface ListenerRecord {
  readonly where: string;
  readonly pid: number;
  readonly specs: readonly string[];
}

/** Where a listener for `where` runs: the internet host's namespace, or the instance's on its node. */
export type Placement = (where: string) => readonly string[] | null;

/** What should listen where: `where` → specs. */
export type Wanted = ReadonlyMap<string, ReadonlySet<string>>;

export function want(into: Map<string, Set<string>>, where: string, spec: string): void {
  if (!into.has(where)) into.set(where, new Set());
  into.get(where)!.add(spec);
}

/** The argv that runs `argv` at `where`, or null if the lab has no such place now. */
export function placement(lab: Lab, instances: ReadonlyMap<string, { node: string; netns: string }>): Placement {
  return (where) => {
    if (where === 'internet') return ['ip', 'netns', 'exec', lab.fabric.internetNetns];
    const i = instances.get(where);
    const node = i ? lab.nodes.get(i.node) : undefined;
    return i && node ? inNodeNetns(node.handle, i.netns, []) : null;
  };
}

/**
 * Starts what `wanted` asks for and is not already running; returns the records of every
 * listener now running (those whose process died, with a killed node, are dropped).
 */
export async function ensureListeners(
  lab: Lab,
  records: readonly ListenerRecord[],
  wanted: Wanted,
  place: Placement,
): Promise<ListenerRecord[]> {
  const running = records.filter((r) => alive(r.pid));
  let started = false;
  for (const [where, specs] of wanted) {
    const have = new Set(running.filter((r) => r.where === where).flatMap((r) => r.specs));
    const missing = [...specs].filter((s) => !have.has(s)).sort();
    const prefix = place(where);
    if (missing.length === 0 || !prefix) continue;
    const argv = [...prefix, process.execPath, PROBE, 'listen', where, '--lab', lab.options.dir, ...missing];
    running.push({ where, pid: spawnDetached(argv, '/dev/null'), specs: missing });
    started = true;
  }
  // A new listener needs a moment to bind before the first probe.
  if (started) await new Promise((r) => setTimeout(r, 300));
  return running;
}

export async function stopListeners(lab: Lab, records: readonly ListenerRecord[]): Promise<void> {
  for (const r of records) await stopLabPid(r.pid, lab.options.dir);
}
