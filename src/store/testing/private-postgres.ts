/**
 * A private PostgreSQL for tests: initdb in a temporary directory (as the `postgres` user,
 * since PostgreSQL refuses to run as root), a server on a unix socket and a free TCP port of
 * 127.0.0.1, stopped and removed by `stop()`. Uses Debian's postgresql packages.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivatePostgres {
  readonly url: (database: string) => string;
  createDatabase(name: string): void;
  stop(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).sort().at(-1);
  if (!version) throw new Error('PostgreSQL is not installed (/usr/lib/postgresql)');
  return join(root, version, 'bin');
}

export async function startPostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'quark-pg-'));
  const ids = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
  const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
  chownSync(dir, Number(ids), Number(gid));
  const as = (argv: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  as([join(bin, 'initdb'), '-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = 25000 + Math.floor(Math.random() * 10000);
  const server = spawn(
    'runuser',
    [
      '-u',
      'postgres',
      '--',
      join(bin, 'postgres'),
      '-D',
      join(dir, 'data'),
      '-k',
      dir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
    ],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 200 && !existsSync(join(dir, `.s.PGSQL.${port}`)); i++) await new Promise((r) => setTimeout(r, 50));
  const psql = (sql: string) => as([join(bin, 'psql'), '-h', dir, '-p', String(port), '-U', 'postgres', '-c', sql]);
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    createDatabase: (name) => psql(`create database ${name}`),
    stop: async () => {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
