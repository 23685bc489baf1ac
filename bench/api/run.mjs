#!/usr/bin/env node
// bench/api: the Neutron API workload (bench/api/workload.mjs, the same operations and counts that
// bench/api/neutron/run-bench.sh sends to a real Neutron) against a Quark server started here, plus
// the server's peak RSS and CPU.
//
//   node bench/api/run.mjs [--concurrency 1,8] [--db sqlite|memory] [--out bench/results/api-DATE.json]
//
// The server runs with --auth noauth (as the reference Neutron does) and quotas off (the workload
// creates 1000 ports in one project). Run it on an otherwise idle machine, one side after the other.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, peakRssMiB, startQuarkServer } from '../lib/quark-server.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const workload = join(root, 'bench', 'api', 'workload.mjs');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const concurrency = opt('--concurrency', '1,8');
const date = new Date().toISOString().slice(0, 10);
const out = opt('--out', join(root, 'bench', 'results', `api-${date}.json`));
const server = await startQuarkServer({ db: opt('--db', 'sqlite') });
const pid = server.process.pid;

try {
  const started = Date.now();
  const bench = spawn(process.execPath, [workload, server.url, '--concurrency', concurrency, '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  bench.stdout.on('data', (d) => (text += d));
  await new Promise((r) => bench.on('close', r));
  const result = JSON.parse(text);
  result.server = {
    implementation: 'quark',
    db: server.db,
    peak_rss_mib: peakRssMiB(pid),
    cpu_s: cpuSeconds(pid),
    wall_s: (Date.now() - started) / 1000,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  for (const run of result.runs) {
    console.log(`c=${run.concurrency}: ${run.requests_per_sec} req/s, ${run.requests_failed} failed`);
    for (const [k, v] of Object.entries(run.ops))
      console.log(`  ${k.padEnd(28)} ${String(v.ops_per_sec).padStart(9)}/s  p50 ${v.p50_ms} ms  p99 ${v.p99_ms} ms`);
  }
  console.log(`server peak RSS ${result.server.peak_rss_mib?.toFixed(1)} MiB, CPU ${result.server.cpu_s} s; written to ${out}`);
} finally {
  await server.close();
}
