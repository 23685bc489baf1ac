/**
 * What keepalived says about the HA routers of this host: the state its notify script wrote to
 * `<root>/<router id>/state` (MASTER, BACKUP, FAULT or STOP), read only while that router's
 * keepalived runs, so a state left by a keepalived that died (or a host that rebooted) never
 * counts (Neutron's _check_and_set_real_state resets such a state to backup).
 *
 *   cat <stateDir>/ha_confs/<router id>/state
 *
 * The daemon itself is started, reloaded and stopped by daemons.ts.
 */
import { type FSWatcher, mkdirSync, readFileSync, readdirSync, watch } from 'node:fs';
import type { VrrpState } from '../compile/inputs.js';
import { runningDaemon } from './daemons.js';

const STATES: ReadonlySet<string> = new Set(['MASTER', 'BACKUP', 'FAULT', 'STOP']);

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The state of each router whose keepalived runs under `root` and has said one, by router id. */
export function readVrrpStates(root: string): Map<string, VrrpState> {
  const out = new Map<string, VrrpState>();
  let dirs: string[] = [];
  try {
    dirs = readdirSync(root);
  } catch {
    return out;
  }
  for (const id of dirs.sort()) {
    const dir = `${root}/${id}`;
    const state = (read(`${dir}/state`) ?? '').trim();
    if (STATES.has(state) && runningDaemon(dir) !== null) out.set(id, state as VrrpState);
  }
  return out;
}

/**
 * Calls `onChange` whenever a file under `root` changes (inotify on the tree: keepalived's
 * notify script renames a new state file into place). Returns the function that stops it.
 */
export function watchVrrpStates(root: string, onChange: () => void): () => void {
  mkdirSync(root, { recursive: true, mode: 0o755 });
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(root, { recursive: true, persistent: false }, (_event, name) => {
      if (name && String(name).endsWith('state')) onChange();
    });
    watcher.on('error', () => undefined);
  } catch {
    // no inotify: the agent's passes still read the states, only later
  }
  return () => watcher?.close();
}
