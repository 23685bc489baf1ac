#!/usr/bin/env node
// Summarises a V8 heap snapshot (`node bench/scale/run.mjs --heap-snapshot FILE`): the bytes the
// objects themselves hold (V8's "self size"), grouped by what they are — objects by constructor,
// strings apart (and, among them, JSON texts: strings that start with `{"`), arrays, V8's
// internal structures — largest first.
//
//   node --max-old-space-size=8000 bench/scale/heap-summary.mjs FILE [--top 25]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args[0];
const top = Number(args.includes('--top') ? args[args.indexOf('--top') + 1] : 25);
if (!file) throw new Error('usage: heap-summary.mjs FILE [--top N]');

const { snapshot, nodes, strings } = JSON.parse(readFileSync(file, 'utf8'));
const fields = snapshot.meta.node_fields;
const types = snapshot.meta.node_types[0];
const width = fields.length;
const TYPE = fields.indexOf('type');
const NAME = fields.indexOf('name');
const SIZE = fields.indexOf('self_size');

const groups = new Map();
let total = 0;
for (let i = 0; i < nodes.length; i += width) {
  const type = types[nodes[i + TYPE]];
  const size = nodes[i + SIZE];
  total += size;
  let key;
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
    key = strings[nodes[i + NAME]].startsWith('{"') ? 'string: JSON text' : `string (${type})`;
  } else if (type === 'object' || type === 'closure' || type === 'regexp') {
    key = `${type}: ${strings[nodes[i + NAME]]}`;
  } else {
    key = `${type}: ${strings[nodes[i + NAME]]}`.slice(0, 60);
  }
  const g = groups.get(key) ?? { count: 0, bytes: 0 };
  g.count++;
  g.bytes += size;
  groups.set(key, g);
}
const mib = (b) => (b / 1048576).toFixed(1);
console.log(`heap ${mib(total)} MiB in ${nodes.length / width} nodes`);
console.log('| what | count | MiB | share |\n|---|---:|---:|---:|');
for (const [key, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
  console.log(`| ${key.replaceAll('|', '\\|')} | ${g.count} | ${mib(g.bytes)} | ${((100 * g.bytes) / total).toFixed(1)} % |`);
}
