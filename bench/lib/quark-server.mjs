// A Quark server started for a benchmark: noauth (as the reference Neutron runs), quotas off, its
// own database in a temporary directory, and the process's peak RSS and CPU read from /proc.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

export function peakRssMiB(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : null;
}

export function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : null;
}

/**
 * Starts `quark server`; `db` is 'sqlite' (a file, WAL), 'memory' or a postgres:// URL.
 * `restart()` stops it and starts it again on the same database, resolving with the
 * milliseconds until /healthz answered. `env` is added to the server's environment.
 */
export async function startQuarkServer({ db = 'sqlite', env: extraEnv = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'quark-bench-'));
  const postgres = db.startsWith('postgres://');
  const dbPath = postgres ? db : db === 'memory' ? ':memory:' : join(dir, 'quark.db');
  const port = 19000 + Math.floor(Math.random() * 1000);
  const env = { ...process.env, ...extraEnv };
  for (const q of ['NETWORK', 'SUBNET', 'PORT', 'ROUTER', 'FLOATINGIP', 'SECURITY_GROUP', 'SECURITY_GROUP_RULE'])
    env[`QUARK_QUOTA_${q}`] = '-1';
  const argv = [
    join(root, 'dist', 'cli', 'main.js'),
    'server',
    '--db',
    dbPath,
    '--port',
    String(port),
    '--auth',
    'noauth',
    '--log-level',
    'warn',
  ];
  const url = `http://127.0.0.1:${port}`;
  const handle = { url, db: postgres ? 'postgres' : db === 'memory' ? 'memory' : 'sqlite (WAL, file)', process: null, dir };
  const launch = async () => {
    const t0 = performance.now();
    handle.process = spawn(process.execPath, argv, { env, cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    for (let i = 0; i < 3000; i++) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) return performance.now() - t0;
      } catch {}
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`quark server did not answer on ${url}`);
  };
  const stop = async () => {
    const p = handle.process;
    if (!p || p.exitCode !== null) return;
    p.kill('SIGTERM');
    await new Promise((r) => p.on('close', r));
  };
  handle.startMs = await launch();
  handle.restart = async () => {
    await stop();
    return launch();
  };
  handle.close = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return handle;
}
