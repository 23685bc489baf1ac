/**
 * The HAProxy configuration of docs/scale-out.md, run by Debian's haproxy in front of three
 * `quark server` processes that start together on one empty, real PostgreSQL; the real
 * `openstack` CLI goes through it, set up as the README tells a user (`quark admin bootstrap`,
 * clouds.yaml). Each command's requests are spread over the three servers and every command
 * sees what the one before it did; a server killed, and PostgreSQL restarted, are what the
 * document says they are.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type PrivatePostgres, startPostgres } from '../store/testing/private-postgres.js';
import { cleanEnv, openstack, openstackJson, openstackOk, quark } from '../testing/quark-process.js';
import { type ServerProcess, startServerProcess } from './testing/server-process.js';

const DOC = resolve(import.meta.dirname, '../../docs/scale-out.md');

/** The ```haproxy block of the document. */
function documentedConfig(): string {
  const block = /^```haproxy\n([\s\S]*?)^```/m.exec(readFileSync(DOC, 'utf8'));
  assert.ok(block, 'docs/scale-out.md has a ```haproxy block');
  return block[1]!;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - start;
}

describe('HAProxy of docs/scale-out.md before three servers on one PostgreSQL, the openstack CLI through it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quark-lb-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const url = `http://127.0.0.1:${port}`;
  let pg: PrivatePostgres | null = null;
  let haproxy: ChildProcess | null = null;
  let haproxyLog = '';
  const servers: ServerProcess[] = [];
  let env: NodeJS.ProcessEnv;

  /** Which servers answered the requests HAProxy logged since `from` (its httplog lines). */
  const answeredBy = (from: number) =>
    new Set([...haproxyLog.slice(from).matchAll(/ quark_servers\/(quark\d) .* "[A-Z]+ \S+ HTTP\/1\.1"$/gm)].map((m) => m[1]));

  before(async () => {
    pg = await startPostgres();
    pg.createDatabase('quark_lb');
    const db = pg.url('quark_lb');
    // All three at once on the empty database: one creates the tables, the others wait.
    servers.push(
      ...(await Promise.all([0, 1, 2].map(() => startServerProcess({ env: { QUARK_DB: db, QUARK_PUBLIC_URL: url }, args: [] })))),
    );
    // Debian's global and defaults sections, less what would touch the system's own haproxy
    // (chroot, stats socket, user), logging to stderr; then the document's block with this
    // test's addresses.
    const addresses = servers.map((s) => new URL(s.url).host);
    let k = 0;
    const block = documentedConfig()
      .replace(/^(\s*)bind :9696$/m, `$1bind 127.0.0.1:${port}`)
      .replace(/^(\s*server quark\d) \S+$/gm, (_, head: string) => `${head} ${addresses[k++]}`);
    assert.equal(k, 3, 'three server lines replaced');
    const config = join(dir, 'haproxy.cfg');
    writeFileSync(
      config,
      [
        'global',
        '    log stderr format raw local0 info',
        'defaults',
        '    log global',
        '    mode http',
        '    option httplog',
        '    option dontlognull',
        '    timeout connect 5000',
        '    timeout client 50000',
        '    timeout server 50000',
        block,
      ].join('\n'),
    );
    haproxy = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    haproxy.stderr!.setEncoding('utf8');
    haproxy.stderr!.on('data', (chunk: string) => {
      haproxyLog += chunk;
    });
    await until('haproxy answers', async () => (await fetch(`${url}/`).catch(() => null))?.status === 200);
    const clouds = join(dir, 'clouds.yaml');
    const boot = await quark([
      'admin',
      'bootstrap',
      '--db',
      db,
      '--url',
      url,
      '--clouds-yaml',
      clouds,
      '--password',
      'admin-secret',
    ]);
    assert.equal(boot.code, 0, boot.stderr);
    env = cleanEnv({ OS_CLIENT_CONFIG_FILE: clouds, OS_CLOUD: 'quark' });
  });

  after(async () => {
    if (haproxy && haproxy.exitCode === null) {
      const exited = new Promise((r) => haproxy!.once('exit', r));
      haproxy.kill('SIGTERM');
      await exited;
    }
    for (const s of servers) await s.stop().catch(() => undefined);
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spreads each command over the servers, and every command sees the one before', async () => {
    const from = haproxyLog.length;
    await openstackJson(['network', 'create', 'lb-net'], env);
    await openstackJson(['subnet', 'create', '--network', 'lb-net', '--subnet-range', '10.9.0.0/24', 'lb-sub'], env);
    for (let k = 0; k < 2; k++) {
      const created = await openstackJson(['port', 'create', '--network', 'lb-net', `lb-p${k}`], env);
      const shown = await openstackJson(['port', 'show', `lb-p${k}`], env);
      assert.equal(shown.id, created.id);
      await openstackOk(['port', 'set', '--description', `d${k}`, `lb-p${k}`], env);
      assert.equal((await openstackJson(['port', 'show', `lb-p${k}`], env)).description, `d${k}`);
    }
    assert.equal((await openstackJson(['port', 'list', '--network', 'lb-net'], env)).length, 2);
    assert.deepEqual([...answeredBy(from)].sort(), ['quark1', 'quark2', 'quark3']);
  });

  it('goes on when a server is killed: its connections go to the others', async () => {
    process.kill(servers[1]!.pid, 'SIGKILL');
    const from = haproxyLog.length;
    for (let k = 0; k < 3; k++) {
      await openstackJson(['network', 'create', `after-kill-${k}`], env);
      assert.equal((await openstackJson(['network', 'list', '--name', `after-kill-${k}`], env)).length, 1);
    }
    assert.ok(!answeredBy(from).has('quark2'));
    await until('haproxy marks the dead server down', () => /quark_servers\/quark2 is DOWN/.test(haproxyLog));
  });

  it('answers 503 while PostgreSQL restarts, and serves again by itself', async () => {
    await pg!.halt();
    const down = await openstack(['network', 'list'], env);
    assert.notEqual(down.code, 0);
    assert.match(down.stderr, /503|Service Unavailable|ServiceUnavailable/i);
    await pg!.start();
    await until('the CLI works again', async () => (await openstack(['network', 'list'], env)).code === 0, 60_000);
    assert.equal((await openstackJson(['network', 'list', '--name', 'lb-net'], env)).length, 1);
  });
});
