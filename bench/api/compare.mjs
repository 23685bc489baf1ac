#!/usr/bin/env node
// bench/api/compare: the side-by-side table of BENCHMARKS.md from a Neutron result and a Quark
// result of the same workload (both written by bench/api/workload.mjs: Neutron's through
// bench/api/neutron/run-bench.sh, Quark's through bench/api/run.mjs), with Quark's rate as a
// multiple of Neutron's per operation and concurrency.
//
//   node bench/api/compare.mjs bench/results/neutron-api-DATE.json bench/results/api-DATE.json
import { readFileSync } from 'node:fs';

const [neutronFile, quarkFile] = process.argv.slice(2);
if (!neutronFile || !quarkFile) {
  console.error('usage: node bench/api/compare.mjs NEUTRON.json QUARK.json');
  process.exit(2);
}
const neutron = JSON.parse(readFileSync(neutronFile, 'utf8'));
const quark = JSON.parse(readFileSync(quarkFile, 'utf8'));
const fmt = (x, digits = 1) => (x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(digits));
const times = (q, n) => (q && n ? `${fmt(q / n, q / n >= 10 ? 0 : 1)}×` : '–');

for (const qRun of quark.runs) {
  const nRun = neutron.runs.find((r) => r.concurrency === qRun.concurrency);
  if (!nRun) continue;
  console.log(`\n**Concurrency ${qRun.concurrency}**\n`);
  console.log('| operation | n | Neutron ops/s | Neutron p50 / p99 ms | Quark ops/s | Quark p50 / p99 ms | Quark ÷ Neutron |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [op, q] of Object.entries(qRun.ops)) {
    const n = nRun.ops[op];
    console.log(
      `| ${op} | ${q.count} | ${fmt(n?.ops_per_sec, 2)} | ${fmt(n?.p50_ms)} / ${fmt(n?.p99_ms)} | ${fmt(q.ops_per_sec)} | ${fmt(q.p50_ms, 2)} / ${fmt(q.p99_ms, 2)} | ${times(q.ops_per_sec, n?.ops_per_sec)} |`,
    );
  }
  console.log(
    `| **all requests** | ${qRun.requests_ok} | ${fmt(nRun.requests_per_sec, 2)} | | ${fmt(qRun.requests_per_sec)} | | ${times(qRun.requests_per_sec, nRun.requests_per_sec)} |`,
  );
}
