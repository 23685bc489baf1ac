/**
 * Devices appearing and going without polling: `ip -o monitor link` prints a line for every
 * change of every link. The Linux bridge agent watches its taps this way (Neutron's agent polls
 * `/sys/class/net` every two seconds instead); only a name that appears or goes is an event,
 * not the changes the agent itself makes to a known device (master, state, MTU).
 *
 *   ip -o monitor link     →  "7: tap3c9b4a1e-2f@if2: <BROADCAST,…> …" / "Deleted 7: tap3c9b4a1e-2f@if2: …"
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { run } from './exec.js';

export interface LinkEvent {
  readonly kind: 'added' | 'removed';
  readonly name: string;
}

export interface LinkWatch {
  /** Names with the prefix when the watch started. */
  readonly initial: readonly string[];
  /** Stops the monitor process. */
  cancel(): void;
}

const LINE = /^(Deleted )?\d+: ([^:@\s]+)/;

/** The name in one line of `ip -o link show` or `ip -o monitor link`, and whether it went away. */
export function parseLinkLine(line: string): { name: string; deleted: boolean } | null {
  const m = LINE.exec(line);
  return m ? { name: m[2]!, deleted: m[1] !== undefined } : null;
}

/**
 * Starts `ip -o monitor link` and calls `onEvent` for each device with `prefix` that appears
 * or goes. `onExit` is called if the monitor stops by itself (the caller starts a new watch).
 */
export async function watchLinks(
  prefix: string,
  onEvent: (e: LinkEvent) => void,
  onExit: (why: string) => void,
): Promise<LinkWatch> {
  const child: ChildProcess = spawn('ip', ['-o', 'monitor', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let cancelled = false;
  const known = new Set<string>();
  let buffered = '';
  let ready = false;
  const pending: string[] = [];
  const handle = (line: string) => {
    const p = parseLinkLine(line);
    if (!p?.name.startsWith(prefix)) return;
    if (p.deleted) {
      if (known.delete(p.name)) onEvent({ kind: 'removed', name: p.name });
    } else if (!known.has(p.name)) {
      known.add(p.name);
      onEvent({ kind: 'added', name: p.name });
    }
  };
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    if (ready) for (const l of lines) handle(l);
    else pending.push(...lines);
  });
  child.on('exit', (code, signal) => {
    if (!cancelled) onExit(`ip monitor exited (${signal ?? code})`);
  });
  // Listed after the monitor started, so nothing that appears in between is missed.
  const { stdout } = await run(['ip', '-o', 'link', 'show']);
  for (const line of stdout.split('\n')) {
    const p = parseLinkLine(line);
    if (p?.name.startsWith(prefix)) known.add(p.name);
  }
  const initial = [...known];
  ready = true;
  for (const l of pending) handle(l);
  return {
    initial,
    cancel: () => {
      cancelled = true;
      child.kill('SIGTERM');
    },
  };
}
