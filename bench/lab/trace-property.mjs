#!/usr/bin/env node
// bench/lab/trace-property: the long run of the property test of `quark trace` against reality
// (src/lab/trace-property.lab.test.ts runs a few dozen cases in CI). Brings up
// bench/lab/trace-property.yaml, runs --cases random cases (source, destination, protocol,
// port) from --seed, each traced through the API and sent for real, and counts how often the
// two disagree; then the same with compute2's agent stopped (--down-cases of the cases that
// touch compute2), where trace reads that host from the server's intent. Needs root and a build.
//
//   node bench/lab/trace-property.mjs [--cases 300] [--down-cases 60] [--seed N] [--out FILE]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { environment, machineLoad, options, root, writeResult } from '../common.mjs';

const opt = options();
const count = Number(opt('--cases', '300'));
const downCount = Number(opt('--down-cases', '60'));
const seed = Number(opt('--seed', String(Math.floor(Math.random() * 2 ** 31))));
const out = opt('--out', join(root, 'bench', 'results', `trace-property-${new Date().toISOString().slice(0, 10)}.json`));
const quark = join(root, 'bin', 'quark');
const name = `qt${process.pid.toString(36).slice(-4)}`;

const { Lab } = await import(join(root, 'dist/lab/lab.js'));
const { adminOf, labExtra } = await import(join(root, 'dist/lab/extra.js'));
const { Actions } = await import(join(root, 'dist/lab/actions.js'));
const { caseWords, cases, runCases } = await import(join(root, 'dist/lab/testing/trace-property.js'));

/** Cases, disagreements, and how they spread over sources, protocols and verdicts. */
function tally(outcomes, ms) {
  const by = (key) => {
    const m = {};
    for (const o of outcomes) m[key(o)] = (m[key(o)] ?? 0) + 1;
    return m;
  };
  return {
    cases: outcomes.length,
    disagreements: outcomes.filter((o) => o.real !== o.trace).length,
    agreed_on_second_try: outcomes.filter((o) => o.retried).length,
    real_allowed: outcomes.filter((o) => o.real === 'allowed').length,
    by_protocol: by((o) => o.case.protocol),
    by_source: by((o) => (o.case.from === 'internet' ? 'internet' : 'instance')),
    ms_per_case: Math.round(ms / Math.max(1, outcomes.length)),
    disagreeing: outcomes.filter((o) => o.real !== o.trace).map(caseWords),
  };
}

const load = machineLoad();
let report;
try {
  const up = spawnSync(quark, ['lab', 'up', join(root, 'bench/lab/trace-property.yaml'), '--name', name, '--port', '9798'], {
    encoding: 'utf8',
  });
  if (up.status !== 0) throw new Error(`lab up failed:\n${up.stdout}${up.stderr}`);
  const lab = Lab.load(`/run/quark/lab/${name}`);
  const api = adminOf(lab);
  let t0 = performance.now();
  const live = tally(await runCases(lab, api, cases(lab, count, seed)), performance.now() - t0);
  process.stderr.write(`live: ${live.cases} cases, ${live.disagreements} disagreements\n`);
  const actions = new Actions(lab);
  await actions.perform({ do: 'stop_agent', node: 'compute2' });
  const onCompute2 = new Set(
    labExtra(lab)
      .instances.filter((i) => i.node === 'compute2')
      .map((i) => i.name),
  );
  const touching = cases(lab, downCount * 4, seed + 1)
    .filter((c) => onCompute2.has(c.from) || onCompute2.has(c.to))
    .slice(0, downCount);
  t0 = performance.now();
  const down = tally(await runCases(lab, api, touching), performance.now() - t0);
  process.stderr.write(`compute2's agent stopped: ${down.cases} cases, ${down.disagreements} disagreements\n`);
  await actions.perform({ do: 'start_agent', node: 'compute2' });
  report = { date: new Date().toISOString(), seed, live, agent_down: down, machine: load(), environment: environment() };
} finally {
  spawnSync(quark, ['lab', 'down', name, '--force'], { stdio: 'ignore' });
}
writeResult(out, report);
process.stdout.write(`${JSON.stringify({ seed, live: report.live, agent_down: report.agent_down }, null, 2)}\n`);
