/**
 * Helpers for host tests (root, real tools): unique name prefixes, cleanup registered at
 * creation, and a leak check that fails a suite if a namespace, link or process it made is
 * still there.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** A short prefix no other run uses: `qt` + 4 hex digits (fits 15-character device names). */
export function uniquePrefix(tag = 'qt'): string {
  return `${tag}${randomBytes(2).toString('hex')}`;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * What a run with this prefix left on the machine: namespaces, root-namespace links, and
 * processes whose command line names a path of the run (`/run/quark/lab/<prefix>/…`,
 * `/tmp/<prefix>-…`), such as OVS daemons, dnsmasq, agents and the lab's server.
 */
export function leftovers(prefix: string): string[] {
  const out: string[] = [];
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const line of netns.split('\n')) if (line.startsWith(`${prefix}-`)) out.push(`netns ${line.split(' ')[0]}`);
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  for (const line of links.split('\n')) {
    const name = line.split(':')[1]?.trim().split('@')[0];
    if (name?.startsWith(prefix)) out.push(`link ${name}`);
  }
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue; // gone meanwhile
    }
    if (cmdline.includes(`/${prefix}/`) || cmdline.includes(`/${prefix}-`)) out.push(`process ${pid} ${cmdline.slice(0, 120)}`);
  }
  return out;
}

/** Runs cleanups in reverse order of registration, all of them even if some fail. */
export class Cleanup {
  private readonly steps: (() => unknown)[] = [];

  add(step: () => unknown): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    while (this.steps.length > 0) {
      try {
        await this.steps.pop()!();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}
