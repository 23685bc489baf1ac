/**
 * A `quark server` as its own process, for tests that must see what a process does (it lives
 * through a database outage, it exits with a message, its log and `ps` never show a password).
 * It listens on 127.0.0.1, port 0; its whole stderr log is kept; `stop()` ends it by its pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const QUARK = resolve(import.meta.dirname, '../../../bin/quark');

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Everything the server wrote to stderr so far. */
  log(): string;
  /** Its command line as `ps` shows it. */
  cmdline(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

export interface ServerExit {
  readonly code: number | null;
  readonly log: string;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
});

export interface ServerProcessOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly args?: readonly string[];
  /** A command that runs the server as its last arguments, keeping its pid (e.g. `unshare … sh -c '…; exec "$@"' sh`). */
  readonly wrap?: readonly string[];
}

function launch(options: ServerProcessOptions): { child: ChildProcess; log: () => string } {
  // At info whatever `args` say: the listening line tells the URL.
  const argv = [
    process.execPath,
    QUARK,
    'server',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    ...(options.args ?? []),
    '--log-level',
    'info',
  ];
  const [command, ...rest] = [...(options.wrap ?? []), ...argv];
  const child = spawn(command!, rest, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let text = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    text += chunk;
  });
  return { child, log: () => text };
}

/** Starts a server that must come up; fails with its log if it exits instead. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const { child, log } = launch(options);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    running.delete(child);
  };
  const url = await new Promise<string>((done, fail) => {
    const look = () => {
      const line = log()
        .split('\n')
        .find((l) => l.includes('quark server listening'));
      if (line) done((JSON.parse(line) as { url: string }).url);
    };
    child.stderr!.on('data', look);
    child.once('exit', (code) => fail(new Error(`quark server exited with ${code}: ${log()}`)));
  });
  return {
    url,
    pid: child.pid!,
    log,
    cmdline: () => readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').join(' '),
    alive: () => child.exitCode === null && child.signalCode === null,
    stop,
  };
}

/** Runs a server that is expected to refuse to start: its exit code and log. */
export async function serverExit(options: ServerProcessOptions): Promise<ServerExit> {
  const { child, log } = launch(options);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  clearTimeout(timer);
  running.delete(child);
  return { code, log: log() };
}
