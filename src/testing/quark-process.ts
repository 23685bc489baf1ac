/**
 * Real processes for the client tier: a `quark server` on a free port with a throwaway SQLite
 * database, `quark` commands, and Debian's `openstack` CLI and openstacksdk pointed at it through
 * a clouds.yaml of the test's own. Everything lives in one temporary directory; `stop()` ends
 * the server by its pid and removes the directory, and a process exit hook does the same if a
 * test run dies first.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const QUARK = resolve(import.meta.dirname, '../../bin/quark');
/** Debian's interpreter: openstacksdk is a Debian package, not in any other python on PATH. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface QuarkServer {
  readonly url: string;
  readonly dir: string;
  readonly db: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `quark server` on 127.0.0.1, port 0 (the kernel picks one), and waits until it listens. */
export async function startQuarkServer(extraArgs: readonly string[] = []): Promise<QuarkServer> {
  const dir = mkdtempSync(join(tmpdir(), 'quark-client-'));
  const db = join(dir, 'quark.db');
  const child = spawn(
    process.execPath,
    [QUARK, 'server', '--host', '127.0.0.1', '--port', '0', '--db', db, '--log-level', 'info', ...extraArgs],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  running.add(child);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((done, fail) => {
      let log = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        log += chunk;
        for (const line of log.split('\n')) {
          if (!line.includes('quark server listening')) continue;
          done((JSON.parse(line) as { url: string }).url);
        }
      });
      child.once('exit', (code) => fail(new Error(`quark server exited with ${code}: ${log}`)));
    });
    return { url, dir, db, pid: child.pid!, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function capture(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Result> {
  try {
    const { stdout, stderr } = await run(file, args, { env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

/** The environment without the caller's own OS_* settings, plus `vars`. */
export function cleanEnv(vars: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_') && !k.startsWith('QUARK_')) env[k] = v;
  return { ...env, ...vars };
}

export function quark(args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv({})): Promise<Result> {
  return capture(process.execPath, [QUARK, ...args], env);
}

export function python(code: string, env: NodeJS.ProcessEnv): Promise<Result> {
  return capture(SYSTEM_PYTHON, ['-c', code], env);
}

/** Runs `openstack …`; with `json` it adds `-f json` and parses the output. */
export function openstack(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return capture('openstack', args, env);
}

/** `openstack <args> -f json`, parsed; throws with the CLI's stderr when it fails. */
export async function openstackJson<T = any>(args: readonly string[], env: NodeJS.ProcessEnv): Promise<T> {
  const r = await openstack([...args, '-f', 'json'], env);
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as T;
}

/** `openstack <args>` that must succeed; returns its stdout. */
export async function openstackOk(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await openstack(args, env);
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * A server of the checkout with its identity bootstrapped (`quark admin bootstrap`), and the
 * environment that points the `openstack` CLI at it as admin through the clouds.yaml it wrote.
 */
export async function startBootstrappedServer(
  password = 'pw',
): Promise<{ server: QuarkServer; admin: NodeJS.ProcessEnv; clouds: string; boot: Result }> {
  const server = await startQuarkServer();
  const clouds = join(server.dir, 'clouds.yaml');
  const args = ['admin', 'bootstrap', '--db', server.db, '--url', server.url, '--clouds-yaml', clouds, '--password', password];
  const boot = await quark(args);
  if (boot.code !== 0) {
    await server.stop();
    throw new Error(`quark admin bootstrap: ${boot.stderr}`);
  }
  return { server, admin: cleanEnv({ OS_CLIENT_CONFIG_FILE: clouds, OS_CLOUD: 'quark' }), clouds, boot };
}
