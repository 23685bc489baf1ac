#!/usr/bin/env node
// bench/lab: wall time of `quark lab up` from nothing to a passing reachability report, for the
// article's scenario and for 50 instances, then of `quark lab down`. Each scenario runs --runs
// times; the lab is removed between runs. Needs root and a build (`npm run build`).
//
//   node bench/lab/run.mjs [--runs 3] [--out FILE] [scenario.yaml ...]
//
// The figure is the wall time of the whole `quark lab up` process (start of the server and the
// node's OVS daemons included), as a user sees it; `up in N s` in its output is the same span
// without Node's own start.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const runs = Number(opt('--runs', '3'));
const out = opt('--out', join(root, 'bench', 'results', `lab-${new Date().toISOString().slice(0, 10)}.json`));
const named = args.filter((a, i) => a.endsWith('.yaml') && args[i - 1] !== '--out');
const scenarios = named.length > 0 ? named : [join(root, 'scenarios', 'havana.yaml'), join(root, 'bench', 'lab', 'fifty.yaml')];
const quark = join(root, 'bin', 'quark');
const name = `qb${process.pid.toString(36).slice(-4)}`;

function timed(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(quark, argv, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const results = [];
try {
  for (const file of scenarios) {
    for (let i = 0; i < runs; i++) {
      const up = timed(['lab', 'up', file, '--name', name, '--port', '9797']);
      const checks = /reachability \((\d+) checks, (\d+) failed\)/.exec(up.stdout);
      const down = timed(['lab', 'down', name]);
      const row = {
        scenario: relative(root, resolve(file)),
        run: i + 1,
        up_s: +(up.ms / 1000).toFixed(2),
        down_s: +(down.ms / 1000).toFixed(2),
        exit: up.status,
        checks: checks ? Number(checks[1]) : null,
        failed: checks ? Number(checks[2]) : null,
      };
      results.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
      if (up.status !== 0) process.stderr.write(`${up.stdout}\n${up.stderr}\n`);
    }
  }
} finally {
  spawnSync(quark, ['lab', 'down', name, '--force'], { stdio: 'ignore' });
}

const byScenario = new Map();
for (const r of results) byScenario.set(r.scenario, [...(byScenario.get(r.scenario) ?? []), r]);
const summary = [...byScenario.values()].map((rows) => {
  const ups = rows.map((r) => r.up_s).sort((a, b) => a - b);
  return {
    scenario: rows[0].scenario,
    runs: rows.length,
    up_median_s: ups[Math.floor(ups.length / 2)],
    up_min_s: ups[0],
    up_max_s: ups.at(-1),
  };
});
const report = { date: new Date().toISOString(), runs: results, summary };
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
