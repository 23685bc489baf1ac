#!/usr/bin/env node
// bench/fuzz: the API fuzzer of the unit tier (src/server/testing/fuzz.ts) run for long, with
// other seeds, then two attacks on a real `quark server` process:
//   - raw HTTP: fast-check builds request lines and headers from good and bad pieces and sends
//     them over TCP; every answer must be Neutron's (or Keystone's) error body as JSON, never a
//     5xx, never an answer without a body;
//   - big bodies: eight 10 MB bodies at once to the unauthenticated POST /v3/auth/tokens (empty
//     objects, which grow most when parsed), the server's RSS before and after (VmRSS, VmHWM)
//     and /healthz's latency meanwhile, timed from another process.
//
//   node --expose-gc bench/fuzz/run.mjs [--runs 20000] [--seeds 1,2,3,4,5] [--raw 3000] [--phases api,raw,big]
//                           [--server-root DIR] [--out FILE]
//
// --server-root runs the big-body attack against another build (e.g. a checkout from before the
// limits) to compare. Needs `npm run build`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { machineLoad, options, root, round, summary, writeResult } from '../common.mjs';

const opt = options();
const runs = Number(opt('--runs', '20000'));
const seeds = opt('--seeds', '1,2,3,4,5').split(',').map(Number);
const rawRuns = Number(opt('--raw', '3000'));
const serverRoot = opt('--server-root', root);
const phases = new Set(opt('--phases', 'api,raw,big').split(','));
const out = opt('--out', join(root, 'bench', 'results', `fuzz-${new Date().toISOString().slice(0, 16).replace(':', '')}.json`));
const load = machineLoad();

const status = (pid) => readFileSync(`/proc/${pid}/status`, 'utf8');
const kib = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status(pid))?.[1] ?? 0);
const mib = (k) => round(k / 1024);

async function startServer(dir, treeRoot) {
  const child = spawn(
    process.execPath,
    [
      join(treeRoot, 'dist', 'cli', 'main.js'),
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--db',
      join(dir, 'q.db'),
      '--log-level',
      'info',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.setEncoding('utf8');
  const url = await new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      log += d;
      const line = log.split('\n').find((l) => l.includes('quark server listening'));
      if (line) resolve(JSON.parse(line).url);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${log}`)));
  });
  return {
    url,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Phase 1: the in-process API fuzzer, seed after seed. */
async function apiFuzz() {
  const { fuzzApi } = await import(join(root, 'dist', 'server', 'testing', 'fuzz.js'));
  const byStatus = {};
  let requests = 0;
  let maxRssMiB = 0;
  let agentUnavailable = 0;
  const heapAfterSeeds = [];
  const t0 = performance.now();
  for (const seed of seeds) {
    const report = await fuzzApi({ seed, numRuns: Math.ceil(runs / seeds.length) });
    requests += report.requests;
    maxRssMiB = Math.max(maxRssMiB, report.maxRssMiB);
    agentUnavailable += report.agentUnavailable;
    for (const [s, n] of report.byStatus) byStatus[s] = (byStatus[s] ?? 0) + n;
    // With --expose-gc: what stays allocated once a seed's server is closed (a leak would grow it).
    globalThis.gc?.();
    heapAfterSeeds.push(round(process.memoryUsage().heapUsed / 2 ** 20));
    console.log(
      `seed ${seed}: ${report.requests} requests, RSS ≤ ${Math.round(report.maxRssMiB)} MiB, heap after ${heapAfterSeeds.at(-1)} MiB`,
    );
  }
  const answers5xx = Object.entries(byStatus)
    .filter(([s]) => Number(s) >= 500)
    .reduce((n, [, c]) => n + c, 0);
  return {
    requests,
    seconds: round((performance.now() - t0) / 1000),
    by_status: byStatus,
    // explain/trace without a connected agent: 503 AgentUnavailable, the documented answer.
    agent_unavailable_503: agentUnavailable,
    other_5xx: answers5xx - agentUnavailable,
    max_rss_mib_server_and_fuzzer: round(maxRssMiB),
    heap_mib_after_each_seed: heapAfterSeeds,
  };
}

function rawExchange(port, request) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => {
      answer += d;
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
    socket.end(request);
    setTimeout(() => socket.destroy(), 5000);
  });
}

/** Phase 2: raw requests over TCP against a server process. */
async function rawFuzz() {
  const dir = mkdtempSync(join(tmpdir(), 'quark-fuzz-'));
  const server = await startServer(dir, root);
  const port = Number(new URL(server.url).port);
  const piece = (...xs) => fc.constantFrom(...xs);
  const requestArb = fc
    .record({
      method: fc.oneof(
        piece('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        fc.string({ minLength: 1, maxLength: 8 }),
      ),
      path: fc.oneof(
        piece(
          '/v2.0/networks',
          '/v2.0/ports/%zz',
          '/v3/auth/tokens',
          '/identity/v3/projects',
          '/healthz',
          '/',
          '*',
          'http://x/v2.0/networks',
        ),
        fc.string({ maxLength: 40 }).map((p) => `/v2.0/${p}`),
        fc.integer({ min: 1, max: 30_000 }).map((n) => `/v2.0/networks?name=${'a'.repeat(n)}`),
      ),
      version: piece('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', ''),
      headers: fc.array(
        fc.oneof(
          piece(
            'Host: x',
            'Content-Type: application/json',
            'X-Roles: admin',
            'X-Project-Id: p',
            'Transfer-Encoding: chunked',
            'Content-Length: 5',
            'Content-Length: -1',
            'Content-Length: 1, 2',
            'Expect: 100-continue',
          ),
          fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 })).map(([k, v]) => `${k}: ${v}`),
          fc.integer({ min: 1, max: 40_000 }).map((n) => `X-Big: ${'b'.repeat(n)}`),
        ),
        { maxLength: 5 },
      ),
      body: fc.oneof(piece('', '{}', '{"network": {}}', '0\r\n\r\n', 'hello'), fc.string({ maxLength: 30 })),
    })
    .map((r) => `${r.method} ${r.path} ${r.version}\r\n${[...r.headers, 'Connection: close'].join('\r\n')}\r\n\r\n${r.body}`);
  const byStatus = {};
  let bad = 0;
  const examples = [];
  const rssBefore = kib(server.pid, 'VmRSS');
  let rssAfter = rssBefore;
  try {
    await fc.assert(
      fc.asyncProperty(requestArb, async (request) => {
        const answer = await rawExchange(port, request);
        const head = answer.split('\r\n\r\n')[0] ?? '';
        const code = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
        byStatus[code] = (byStatus[code] ?? 0) + 1;
        if (code === 0) return; // closed without an answer (a reset, or nothing to answer)
        const body = answer.slice(head.length + 4);
        const problems = [];
        if (code >= 500) problems.push('5xx');
        if (code >= 400 && !/content-type: application\/json/i.test(head)) problems.push('not JSON');
        // A HEAD answer has headers only.
        const head_ = request.startsWith('HEAD ');
        if (code >= 400 && !head_ && !/"NeutronError"|"error":\{"code"/.test(body)) problems.push('no error body');
        if (problems.length > 0) {
          bad++;
          if (examples.length < 5) examples.push({ request: request.slice(0, 200), answer: answer.slice(0, 300), problems });
        }
      }),
      { seed: seeds[0], numRuns: rawRuns },
    );
  } finally {
    rssAfter = kib(server.pid, 'VmRSS');
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    requests: rawRuns,
    by_status: byStatus,
    answers_breaking_the_rules: bad,
    examples,
    rss_mib: { before: mib(rssBefore), after: mib(rssAfter) },
  };
}

/** Phase 3: eight 10 MB bodies at once to the unauthenticated token route. */
async function bigBodies(treeRoot) {
  const dir = mkdtempSync(join(tmpdir(), 'quark-fuzz-'));
  const server = await startServer(dir, treeRoot);
  try {
    await new Promise((r) => setTimeout(r, 500));
    const before = kib(server.pid, 'VmRSS');
    // 10 MB of empty objects: the shape that grows most when parsed (each `{},` becomes an object).
    const objects = '{},'.repeat((10 * 1024 * 1024) / 3 - 20);
    const body = `{"auth": {"identity": {"methods": [${objects}{}]}}}`;
    // /healthz is timed from another process: this one is busy sending 80 MB.
    const prober = spawn(
      process.execPath,
      [
        '-e',
        `const out = []; const end = Date.now() + 15000;
         (async () => { while (Date.now() < end) { const t = performance.now();
           await fetch(process.argv[1] + '/healthz', { signal: AbortSignal.timeout(10000) }).then((r) => r.text(), () => null);
           out.push(performance.now() - t);
           await new Promise((r) => setTimeout(r, 50)); } console.log(JSON.stringify(out)); })();`,
        server.url,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let probed = '';
    prober.stdout.on('data', (d) => {
      probed += d;
    });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () =>
        fetch(`${server.url}/v3/auth/tokens`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          // Past a minute the answer no longer matters: the figure is "did not answer".
          signal: AbortSignal.timeout(60_000),
        }).then(
          (r) => r.status,
          (e) => (e.name === 'TimeoutError' ? 'no answer in 60 s' : 'connection closed'),
        ),
      ),
    );
    const seconds = (performance.now() - t0) / 1000;
    await new Promise((r) => prober.once('exit', r));
    const health = JSON.parse(probed);
    return {
      server: treeRoot,
      statuses,
      seconds: round(seconds, 2),
      rss_mib: { before: mib(before), after: mib(kib(server.pid, 'VmRSS')), peak: mib(kib(server.pid, 'VmHWM')) },
      healthz_ms: summary(health),
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const result = {
  benchmark: 'fuzz',
  api: phases.has('api') ? await apiFuzz() : null,
  raw: phases.has('raw') ? await rawFuzz() : null,
  big_bodies: phases.has('big') ? await bigBodies(serverRoot) : null,
};
result.machine = load();
writeResult(out, result);
console.log(JSON.stringify({ ...result, machine: undefined }, null, 2));
