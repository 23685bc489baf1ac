/**
 * A `quark server` whose SQLite file sits on a disk that fills up: a 4 MiB tmpfs in a mount
 * namespace of the server's own (nothing of it is visible to the host; it goes with the
 * process). Writes get 503, reads keep answering, the process never dies, and writes succeed
 * again when space is freed. On a read-only disk the server refuses to start and says why.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { uniquePrefix } from '../testing/host.js';
import { type ServerProcess, serverExit, startServerProcess } from './testing/server-process.js';

const ADMIN = { 'x-project-id': 'admin-project', 'x-roles': 'admin', 'content-type': 'application/json' };

async function call(url: string, method = 'GET', body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: ADMIN,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any>, retryAfter: res.headers.get('retry-after') };
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within 10 s`);
}

/** Runs the server in a mount namespace of its own where `mount` is a fresh tmpfs with these options. */
function onTmpfs(mount: string, tmpfsOptions: string): string[] {
  return [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    `mount -t tmpfs -o ${tmpfsOptions} quark-test ${mount} && exec "$@"`,
    'sh',
  ];
}

describe('SQLite on a full or read-only disk', () => {
  const mount = `/tmp/${uniquePrefix()}-db`;
  let server: ServerProcess;
  /** The server's mount, seen from outside its namespace. */
  const inside = (path: string) => `/proc/${server.pid}/root${mount}/${path}`;
  before(async () => {
    execFileSync('mkdir', ['-p', mount]);
    server = await startServerProcess({
      wrap: onTmpfs(mount, 'size=4m'),
      env: { QUARK_QUOTA_NETWORK: '-1' },
      args: ['--db', `${mount}/quark.db`, '--auth', 'noauth'],
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(mount, { recursive: true, force: true });
  });

  const create = (name: string) =>
    call(`${server.url}/v2.0/networks`, 'POST', { network: { name, description: 'x'.repeat(200) } });

  it('refuses writes with 503 while the disk is full and serves again once there is room', async () => {
    assert.equal((await create('first')).status, 201);
    // Fill what is left with a file the test can remove again.
    try {
      writeFileSync(inside('filler'), Buffer.alloc(8 * 1024 * 1024));
    } catch (e) {
      assert.equal((e as { code?: string }).code, 'ENOSPC');
    }
    let refused = null;
    for (let i = 0; i < 500 && !refused; i++) {
      const r = await create(`fill-${i}`);
      if (r.status === 503) refused = r;
      else assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    assert.ok(refused, 'a write on a full disk is refused');
    assert.equal(refused.body.NeutronError.type, 'ServiceUnavailable');
    assert.ok(Number(refused.retryAfter) > 0);
    assert.equal((await call(`${server.url}/v2.0/networks?name=first`)).status, 200, 'reads go on');
    assert.ok(server.alive());
    rmSync(inside('filler'));
    await until('writes succeed again', async () => (await create('after-full')).status === 201);
  });

  it('refuses to start on a read-only disk and names the file', async () => {
    // A running server's disk cannot be made read-only here (Linux refuses while files are open
    // for writing); the store's classification of SQLITE_READONLY is in store-errors.test.ts.
    const exit = await serverExit({
      wrap: onTmpfs(mount, 'size=1m,ro'),
      args: ['--db', `${mount}/quark.db`],
    });
    assert.notEqual(exit.code, 0);
    assert.ok(exit.log.includes(`${mount}/quark.db`), exit.log);
    assert.match(exit.log, /read-only file system/, exit.log);
  });
});
