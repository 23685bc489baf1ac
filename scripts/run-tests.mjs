#!/usr/bin/env node
// Runs one tier of tests from the compiled tree: unit (*.test.js, no root), host
// (*.host.test.js, root and real tools), lab (test/lab), client (test/client).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const tier = process.argv[2] ?? 'unit';
const only = process.argv.slice(3);
const suffix = {
  unit: /(?<!\.host|\.lab|\.client)\.test\.js$/,
  host: /\.host\.test\.js$/,
  lab: /\.lab\.test\.js$/,
  client: /\.client\.test\.js$/,
}[tier];
if (!suffix) {
  console.error(`unknown test tier ${tier}`);
  process.exit(2);
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

// A test deleted from src/ leaves its compiled file in dist/ (tsc never removes outputs): run
// only those whose source still exists.
const hasSource = (f) => existsSync(f.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts'));
const files = walk('dist')
  .filter((f) => suffix.test(f))
  .filter(hasSource)
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (files.length === 0) {
  console.log(`no ${tier} tests`);
  process.exit(0);
}
const concurrency = tier === 'unit' ? '2' : '1';
const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--enable-source-maps', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
