#!/usr/bin/env node
// bench/outage: what clients of a `quark server` see while its PostgreSQL goes away, with the
// default timeouts (docs/config.md): the latency of the 503s while PostgreSQL is stopped and
// while it is frozen (SIGSTOP of the postmaster and its backends), how long after it is back the
// server serves again, and whether any acknowledged write is missing. The host test
// (src/server/postgres-outage.host.test.ts) proves the same with short timeouts; this measures.
//
//   sudo node bench/outage/run.mjs [--rounds 3] [--out FILE]
//
// Root (PostgreSQL runs as the postgres user); needs `npm run build` and Debian's postgresql.
import { join } from 'node:path';
import { machineLoad, options, root, round, summary, writeResult } from '../common.mjs';

const { startPostgres } = await import(join(root, 'dist', 'store', 'testing', 'private-postgres.js'));
const { startServerProcess } = await import(join(root, 'dist', 'server', 'testing', 'server-process.js'));

const opt = options();
const rounds = Number(opt('--rounds', '3'));
const out = opt('--out', join(root, 'bench', 'results', `outage-${new Date().toISOString().slice(0, 16).replace(':', '')}.json`));
const load = machineLoad();
const HEADERS = { 'x-project-id': 'bench', 'x-roles': 'admin', 'content-type': 'application/json' };

async function call(url, method = 'GET', body) {
  const t0 = performance.now();
  const res = await fetch(url, {
    method,
    headers: HEADERS,
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  return { status: res.status, ms: performance.now() - t0, body: text ? JSON.parse(text) : {} };
}

async function until(check) {
  const t0 = performance.now();
  for (;;) {
    if (await check().catch(() => false)) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pg = await startPostgres();
pg.createDatabase('quark_bench');
const server = await startServerProcess({
  env: { QUARK_DB: pg.url('quark_bench'), QUARK_QUOTA_NETWORK: '-1' },
  args: ['--auth', 'noauth'],
});
const acknowledged = [];
const create = async (name) => {
  const r = await call(`${server.url}/v2.0/networks`, 'POST', { network: { name } });
  if (r.status === 201) acknowledged.push(r.body.network.id);
  return r;
};
/** The requests a client makes right after the database went away: a write, a read, /healthz, then writes again. */
async function during(label) {
  const first = await create(`${label}-first`);
  const read = await call(`${server.url}/v2.0/networks?limit=1`);
  const health = await call(`${server.url}/healthz`);
  const later = [];
  for (let i = 0; i < 20; i++) later.push(await create(`${label}-${i}`));
  const statuses = [first, read, health, ...later].map((r) => r.status);
  return {
    statuses: [...new Set(statuses)],
    first_write_ms: round(first.ms),
    read_ms: round(read.ms),
    healthz_ms: round(health.ms),
    later_writes_ms: summary(later.map((r) => r.ms)),
  };
}

const results = [];
try {
  for (let i = 0; i < 20; i++) await create(`warm-${i}`);
  for (let round_ = 0; round_ < rounds; round_++) {
    await pg.halt();
    const stopped = await during('stopped');
    const t0 = performance.now();
    await pg.start();
    const startedMs = performance.now() - t0;
    const backAfterStart = await until(async () => (await create('after-start')).status === 201);

    pg.freeze();
    const frozen = await during('frozen');
    pg.thaw();
    const backAfterThaw = await until(async () => (await create('after-thaw')).status === 201);
    results.push({
      stopped,
      postgres_start_ms: round(startedMs),
      serving_after_start_ms: round(backAfterStart),
      frozen,
      serving_after_thaw_ms: round(backAfterThaw),
      server_alive: server.alive(),
    });
    console.log(JSON.stringify(results.at(-1)));
  }
  const stored = new Set(pg.query('quark_bench', 'select id from networks').split('\n').filter(Boolean));
  const result = {
    benchmark: 'outage',
    timeouts: 'defaults (dbConnectTimeout 3 s, dbStatementTimeout 5 s)',
    rounds: results,
    acknowledged_writes: acknowledged.length,
    acknowledged_missing: acknowledged.filter((id) => !stored.has(id)).length,
    machine: load(),
  };
  writeResult(out, result);
  console.log(`acknowledged ${result.acknowledged_writes}, missing ${result.acknowledged_missing}`);
} finally {
  pg.thaw();
  await server.stop();
  await pg.stop();
}
