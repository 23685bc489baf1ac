#!/usr/bin/env node
// bench/scale-out: how soon a commit acknowledged by one `quark server` is visible on the others
// sharing its PostgreSQL (docs/scale-out.md): in reads (a GET without the revision cookie,
// repeated until it finds the port) and in agents' feeds (a feed held open on every server).
// The same measurement on the writing server itself is the reference run. Then what a client
// behind a round-robin load balancer sees: a GET with the revision cookie on the next server
// right after its write, against a GET on the writing server. Then a burst: three clients
// writing as fast as they can, one per server, feeds only.
//
//   sudo node bench/scale-out/run.mjs [--servers 3] [--writes 300] [--burst 200] [--out FILE]
//
// Root (PostgreSQL runs as the postgres user); needs `npm run build` and Debian's postgresql.
// Times are taken in this one process (performance.now()) from the moment the writing server's
// answer arrived; the commit happened a little before, so "from the request" is given too.
import { join } from 'node:path';
import { machineLoad, options, root, round, stamp, summary, writeResult } from '../common.mjs';

const { startPostgres } = await import(join(root, 'dist', 'store', 'testing', 'private-postgres.js'));
const { startServerProcess } = await import(join(root, 'dist', 'server', 'testing', 'server-process.js'));

const opt = options();
const count = Number(opt('--servers', '3'));
const writes = Number(opt('--writes', '300'));
const burst = Number(opt('--burst', '200'));
const out = opt('--out', join(root, 'bench', 'results', `scale-out-${stamp()}.json`));
const load = machineLoad();
const HEADERS = { 'x-project-id': 'bench', 'x-roles': 'admin', 'content-type': 'application/json' };
const HOST = 'bench-host';

async function call(url, method = 'GET', body, headers = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...HEADERS, ...headers },
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

/** A feed held open on one server: when each port first arrived. */
function feed(url) {
  const seen = new Map();
  const controller = new AbortController();
  const ready = (async () => {
    const res = await fetch(`${url}/v2.0/quark/feed?host=${HOST}&roles=l2&since=0`, {
      headers: HEADERS,
      signal: controller.signal,
    });
    let buffer = '';
    let first = true;
    let signal;
    const opened = new Promise((r) => {
      signal = r;
    });
    void (async () => {
      try {
        for await (const chunk of res.body) {
          const now = performance.now();
          buffer += Buffer.from(chunk).toString();
          for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
            const m = JSON.parse(buffer.slice(0, nl));
            buffer = buffer.slice(nl + 1);
            if (m.type === 'changes')
              for (const c of m.changes) if (c.kind === 'port' && c.op === 'put' && !seen.has(c.id)) seen.set(c.id, now);
            if (first) {
              first = false;
              signal();
            }
          }
        }
      } catch {
        // closed at the end
      }
    })();
    await opened;
  })();
  return { seen, ready, close: () => controller.abort() };
}

/** Polls GET /ports/{id} on `url` until it is found; the time it was. */
async function readUntilFound(url, id) {
  for (;;) {
    const r = await call(`${url}/v2.0/ports/${id}`);
    if (r.status === 200) return performance.now();
    if (r.status !== 404) throw new Error(`GET port: ${r.status}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function waitSeen(f, id) {
  while (!f.seen.has(id)) await new Promise((r) => setTimeout(r, 2));
  return f.seen.get(id);
}

const pg = await startPostgres();
pg.createDatabase('quark_bench');
const env = { QUARK_DB: pg.url('quark_bench'), QUARK_QUOTA_PORT: '-1', QUARK_QUOTA_NETWORK: '-1' };
const servers = [await startServerProcess({ env, args: ['--auth', 'noauth'] })];
servers.push(
  ...(await Promise.all(Array.from({ length: count - 1 }, () => startServerProcess({ env, args: ['--auth', 'noauth'] })))),
);
const urls = servers.map((s) => s.url);
const feeds = [];
try {
  const net = (await call(`${urls[0]}/v2.0/networks`, 'POST', { network: { name: 'bench' } })).body.network;
  const port = (i, name) =>
    call(`${urls[i]}/v2.0/ports`, 'POST', { port: { network_id: net.id, name, 'binding:host_id': HOST } });
  await port(0, 'first');
  for (const url of urls) feeds.push(feed(url));
  await Promise.all(feeds.map((f) => f.ready));
  for (let k = 0; k < 30; k++) await port(k % count, `warm-${k}`);

  // 1. Visibility: one write at a time, round robin; reads and feeds on every server.
  const other = { read_from_ack: [], read_from_request: [], feed_from_ack: [], feed_from_request: [] };
  const same = { read_from_ack: [], feed_from_ack: [] };
  for (let k = 0; k < writes; k++) {
    const i = k % count;
    const t0 = performance.now();
    const r = await port(i, `v-${k}`);
    const t1 = performance.now();
    if (r.status !== 201) throw new Error(`POST port: ${r.status}`);
    const id = r.body.port.id;
    await Promise.all(
      urls.map(async (url, j) => {
        const [read, fed] = await Promise.all([readUntilFound(url, id), waitSeen(feeds[j], id)]);
        if (j === i) {
          same.read_from_ack.push(Math.max(0, read - t1));
          same.feed_from_ack.push(Math.max(0, fed - t1));
        } else {
          other.read_from_ack.push(read - t1);
          other.read_from_request.push(read - t0);
          other.feed_from_ack.push(fed - t1);
          other.feed_from_request.push(fed - t0);
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 10));
  }

  // 2. Read-your-writes behind a round robin: the next request goes to the next server, with the cookie.
  const cookie = { next_server_with_cookie: [], same_server: [] };
  for (let k = 0; k < writes; k++) {
    const i = k % count;
    const r = await port(i, `c-${k}`);
    const id = r.body.port.id;
    const t1 = performance.now();
    const next = await call(`${urls[(i + 1) % count]}/v2.0/ports/${id}`, 'GET', undefined, { cookie: r.cookie });
    const t2 = performance.now();
    if (next.status !== 200) throw new Error(`cookie read on the next server: ${next.status}`);
    cookie.next_server_with_cookie.push(t2 - t1);
    const own = await call(`${urls[i]}/v2.0/ports/${id}`);
    if (own.status !== 200) throw new Error(`read on the writing server: ${own.status}`);
    cookie.same_server.push(performance.now() - t2);
    await new Promise((r) => setTimeout(r, 5));
  }

  // 3. Burst: one client per server writing back to back; every feed must carry every write.
  const burstOther = [];
  const burstSame = [];
  const burstStart = performance.now();
  const acked = [];
  await Promise.all(
    urls.map(async (_, i) => {
      for (let k = 0; k < burst; k++) {
        const r = await port(i, `b-${i}-${k}`);
        acked.push({ i, id: r.body.port.id, t1: performance.now() });
      }
    }),
  );
  const burstSeconds = (performance.now() - burstStart) / 1000;
  for (const a of acked)
    for (const [j, f] of feeds.entries()) {
      const fed = await waitSeen(f, a.id);
      (j === a.i ? burstSame : burstOther).push(Math.max(0, fed - a.t1));
    }

  const ms = (xs) => summary(xs, 1);
  const result = {
    benchmark: 'scale-out',
    servers: count,
    database: 'PostgreSQL (private, this machine, unix socket for psql, TCP 127.0.0.1 for the servers)',
    writes,
    visibility_ms: {
      other_servers: Object.fromEntries(Object.entries(other).map(([k, v]) => [k, ms(v)])),
      writing_server: Object.fromEntries(Object.entries(same).map(([k, v]) => [k, ms(v)])),
    },
    read_your_writes_ms: Object.fromEntries(Object.entries(cookie).map(([k, v]) => [k, ms(v)])),
    burst: {
      writes: acked.length,
      writes_per_second: round(acked.length / burstSeconds),
      feed_from_ack_other_servers_ms: ms(burstOther),
      feed_from_ack_writing_server_ms: ms(burstSame),
    },
    machine: load(),
  };
  writeResult(out, result);
  console.log(JSON.stringify(result, null, 2));
} finally {
  for (const f of feeds) f.close();
  for (const s of servers) await s.stop();
  await pg.stop();
}
