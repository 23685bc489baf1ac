/**
 * A `quark server` on a real PostgreSQL that goes away: stopped, then frozen (SIGSTOP of the
 * postmaster and its backends). The server must never exit; while the database is away every
 * request that needs it gets 503 ServiceUnavailable with Retry-After, within a bounded time;
 * it serves again once the database is back, without a restart; and no write it acknowledged is
 * missing from the database. Starting with a database that cannot be used names the cause.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type PrivatePostgres, startPostgres } from '../store/testing/private-postgres.js';
import { type ServerProcess, serverExit, startServerProcess } from './testing/server-process.js';

const PASSWORD = 'not-in-any-log-7f3a';
/** Short timeouts keep the test quick; the figures with the defaults are in BENCHMARKS.md. */
const TIMEOUTS = { QUARK_DB_CONNECT_TIMEOUT: '1', QUARK_DB_STATEMENT_TIMEOUT: '2' };
/** The writers create networks until stopped. */
const NO_QUOTA = { QUARK_QUOTA_NETWORK: '-1' };
/** A request that takes longer than this hangs: the test fails instead of waiting with it. */
const HANG_MS = 20_000;
const ADMIN = { 'x-project-id': 'admin-project', 'x-roles': 'admin', 'content-type': 'application/json' };

interface Answer {
  readonly status: number;
  readonly ms: number;
  readonly body: Record<string, any>;
  readonly retryAfter: string | null;
}

async function call(url: string, method = 'GET', body?: unknown): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method,
    headers: ADMIN,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(HANG_MS),
  });
  const text = await res.text();
  return {
    status: res.status,
    ms: performance.now() - t0,
    body: text ? (JSON.parse(text) as Record<string, any>) : {},
    retryAfter: res.headers.get('retry-after'),
  };
}

async function until(what: string, check: () => Promise<boolean>, seconds = 30): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    if (await check().catch(() => false)) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${seconds} s`);
}

/** Creates networks in a loop until stopped; keeps the ids of those the server acknowledged (201). */
function writers(url: string, clients: number) {
  const acknowledged: string[] = [];
  const statuses = new Map<number, number>();
  let running = true;
  let n = 0;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const r = await call(`${url}/v2.0/networks`, 'POST', { network: { name: `w${n++}` } }).catch(() => null);
      const status = r?.status ?? 0;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 201) acknowledged.push(r!.body.network.id as string);
      else await new Promise((done) => setTimeout(done, 50));
    }
  });
  return {
    acknowledged,
    statuses,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Every request the API serves from the store, as a client would send them while it is away. */
async function assertUnavailable(url: string, label: string): Promise<number[]> {
  const answers = [
    await call(`${url}/v2.0/networks`, 'POST', { network: { name: 'during-outage' } }),
    await call(`${url}/v2.0/networks`),
    await call(`${url}/v2.0/ports`),
    await call(`${url}/healthz`),
  ];
  for (const a of answers) {
    assert.equal(a.status, 503, `${label}: ${JSON.stringify(a.body)}`);
    assert.equal(a.body.NeutronError?.type, 'ServiceUnavailable', label);
    assert.ok(a.retryAfter && Number(a.retryAfter) > 0, `${label}: Retry-After`);
  }
  const login = await call(`${url}/v3/auth/tokens`, 'POST', {
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'x' } } },
    },
  });
  assert.equal(login.status, 503, `${label}: login ${JSON.stringify(login.body)}`);
  assert.equal(login.body.error?.code, 503, `${label}: Keystone's body on the identity API`);
  assert.ok(login.retryAfter, `${label}: Retry-After on the identity API`);
  const live = await call(`${url}/livez`);
  assert.equal(live.status, 200, `${label}: /livez answers while the store is away`);
  return answers.map((a) => Math.round(a.ms));
}

describe('PostgreSQL outage', () => {
  let pg: PrivatePostgres;
  let server: ServerProcess;
  let db: string;
  before(async () => {
    pg = await startPostgres();
    pg.createDatabase('quark_outage');
    pg.requirePassword('quark', PASSWORD);
    db = `postgres://quark:${PASSWORD}@127.0.0.1:${pg.port}/quark_outage`;
    server = await startServerProcess({ env: { QUARK_DB: db, ...TIMEOUTS, ...NO_QUOTA }, args: ['--auth', 'noauth'] });
  });
  after(async () => {
    pg?.thaw();
    await server?.stop();
    await pg?.stop();
  });

  it('answers 503 while PostgreSQL is stopped or frozen, serves again when it is back, and loses no acknowledged write', async (t) => {
    const load = writers(server.url, 4);
    await until('writes succeed', async () => load.acknowledged.length >= 20);

    await pg.halt();
    t.diagnostic(`stopped: 503s within ${(await assertUnavailable(server.url, 'stopped')).join(', ')} ms`);
    assert.ok(server.alive(), 'the server lives through a stopped PostgreSQL');
    await pg.start();
    const backMs = await until('healthy after the restart', async () => (await call(`${server.url}/healthz`)).status === 200);
    t.diagnostic(`PostgreSQL started again: /healthz 200 after ${Math.round(backMs)} ms`);
    const before = load.acknowledged.length;
    await until('writes succeed again', async () => load.acknowledged.length > before + 10);

    const frozen = pg.freeze();
    try {
      t.diagnostic(
        `frozen (${frozen.length} processes): 503s within ${(await assertUnavailable(server.url, 'frozen')).join(', ')} ms`,
      );
      assert.ok(server.alive(), 'the server lives through a frozen PostgreSQL');
    } finally {
      pg.thaw();
    }
    const thawedMs = await until('healthy after the thaw', async () => (await call(`${server.url}/healthz`)).status === 200);
    t.diagnostic(`thawed: /healthz 200 after ${Math.round(thawedMs)} ms`);
    const beforeThaw = load.acknowledged.length;
    await until('writes succeed after the thaw', async () => load.acknowledged.length > beforeThaw + 10);
    await load.stop();
    t.diagnostic(`writes by status: ${JSON.stringify(Object.fromEntries(load.statuses))}`);
    assert.deepEqual(
      [...load.statuses.keys()].filter((s) => s !== 201 && s !== 503).sort(),
      [],
      'every write was acknowledged or refused with 503',
    );

    const stored = new Set(pg.query('quark_outage', 'select id from networks').split('\n').filter(Boolean));
    const lost = load.acknowledged.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], 'acknowledged writes missing from PostgreSQL');
    const listed = new Set(((await call(`${server.url}/v2.0/networks`)).body.networks as { id: string }[]).map((n) => n.id));
    assert.deepEqual(
      load.acknowledged.filter((id) => !listed.has(id)),
      [],
      "acknowledged writes missing from the server's view",
    );
  });

  it('lives through PostgreSQL going away while no request is running', async () => {
    assert.equal((await call(`${server.url}/healthz`)).status, 200);
    await pg.halt();
    // The pool's idle connections die now; without error listeners that ends the process.
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(server.alive(), 'the server lives through idle connections dying');
    await assertUnavailable(server.url, 'stopped while idle');
    await pg.start();
    await until('healthy again', async () => (await call(`${server.url}/healthz`)).status === 200);
    assert.equal((await call(`${server.url}/v2.0/networks`, 'POST', { network: { name: 'after' } })).status, 201);
  });

  it('never shows the password: not in its log, not in ps', () => {
    assert.ok(server.log().includes('store unavailable'), 'the outage is in the log');
    assert.ok(!server.log().includes(PASSWORD), 'the log has the password');
    assert.ok(!server.cmdline().includes(PASSWORD), 'ps shows the password');
    assert.ok(server.log().includes(`postgres://quark:***@127.0.0.1:${pg.port}/quark_outage`), 'the log names the database');
  });

  it('refuses to start with a database it cannot use, and says why and where', async () => {
    const closedPort = pg.port + 1;
    const cases = [
      {
        db: `postgres://quark:${PASSWORD}@127.0.0.1:${closedPort}/quark_outage`,
        says: 'connection refused',
        where: `127.0.0.1:${closedPort}`,
      },
      {
        db: `postgres://quark:wrong-${PASSWORD}@127.0.0.1:${pg.port}/quark_outage`,
        says: 'password authentication failed',
        where: `:${pg.port}/quark_outage`,
      },
      {
        db: `postgres://quark:${PASSWORD}@127.0.0.1:${pg.port}/no_such_db`,
        says: 'database "no_such_db" does not exist',
        where: '/no_such_db',
      },
    ];
    for (const c of cases) {
      const exit = await serverExit({ env: { QUARK_DB: c.db, ...TIMEOUTS } });
      assert.notEqual(exit.code, 0, c.says);
      assert.ok(exit.log.includes(c.says), `${c.says}: ${exit.log}`);
      assert.ok(exit.log.includes(c.where), `${c.where}: ${exit.log}`);
      assert.ok(!exit.log.includes(PASSWORD), `the password in: ${exit.log}`);
      assert.ok(!exit.log.includes('migration unknown'), exit.log);
    }
  });
});
