/**
 * A private PostgreSQL for tests: initdb in a temporary directory (as the `postgres` user,
 * since PostgreSQL refuses to run as root), a server on a unix socket and a free TCP port of
 * 127.0.0.1, stopped and removed by `stop()`. Uses Debian's postgresql packages.
 *
 * Outage tests can also halt it and start it again on the same port and data, freeze it
 * (SIGSTOP to the postmaster and every process it started, by pid) and thaw it, and require a
 * password for one role.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivatePostgres {
  readonly port: number;
  readonly url: (database: string) => string;
  createDatabase(name: string): void;
  /** Runs SQL as the superuser in `database` and returns psql's unaligned, tuples-only output. */
  query(database: string, sql: string): string;
  /** Creates a role that must log in over TCP with this password (scram-sha-256). */
  requirePassword(role: string, password: string): void;
  /** A fast shutdown (clients are disconnected); the data stays for `start`. */
  halt(): Promise<void>;
  /** Starts it again after `halt`, on the same port and data. */
  start(): Promise<void>;
  /** SIGSTOP to the postmaster and all its processes: connections stay open and nothing answers. */
  freeze(): number[];
  /** SIGCONT to the processes `freeze` stopped. */
  thaw(): void;
  stop(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).sort().at(-1);
  if (!version) throw new Error('PostgreSQL is not installed (/usr/lib/postgresql)');
  return join(root, version, 'bin');
}

/** Pids of `pid`'s children, from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

export async function startPostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'quark-pg-'));
  const data = join(dir, 'data');
  const ids = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
  const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
  chownSync(dir, Number(ids), Number(gid));
  const as = (argv: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  as([join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = 25000 + Math.floor(Math.random() * 10000);
  const socket = join(dir, `.s.PGSQL.${port}`);
  let server: ChildProcess | null = null;
  let frozen: number[] = [];

  const launch = async () => {
    server = spawn(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        join(bin, 'postgres'),
        '-D',
        data,
        '-k',
        dir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
    // The socket appears before the server accepts logins; wait until it does.
    for (let i = 0; i < 100; i++) {
      try {
        psql('postgres', 'select 1');
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const thaw = () => {
    // runuser stops itself when its child stops (job control, as su does): continue it too.
    if (frozen.length > 0 && server?.pid) frozen.push(server.pid);
    for (const pid of frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // It ended meanwhile.
      }
    }
    frozen = [];
  };
  const postmaster = (): number => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const halt = async () => {
    const running = server;
    if (!running || running.exitCode !== null) return;
    process.kill(postmaster(), 'SIGINT');
    await new Promise((r) => running.once('exit', r));
    server = null;
  };
  const psql = (database: string, sql: string) =>
    as([
      join(bin, 'psql'),
      '-h',
      dir,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      database,
      '-At',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      sql,
    ]);

  await launch();
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    createDatabase: (name) => psql('postgres', `create database ${name}`),
    query: psql,
    requirePassword: (role, password) => {
      psql('postgres', `create role ${role} login superuser password '${password}'`);
      const hba = join(data, 'pg_hba.conf');
      writeFileSync(hba, `host all ${role} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
      psql('postgres', 'select pg_reload_conf()');
    },
    halt,
    start: launch,
    freeze: () => {
      const main = postmaster();
      frozen = [main, ...childrenOf(main)];
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
      return frozen;
    },
    thaw,
    stop: async () => {
      thaw();
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
