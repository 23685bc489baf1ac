#!/usr/bin/env node
// Enforces the layer map of DESIGN.md §2 (and CONVENTIONS.md 1): which layer may import which,
// and which npm packages each layer may use. Exceptions are listed file by file with a reason
// and should only shrink.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const LAYERS = {
  model: [],
  store: ['model'],
  server: ['model', 'store'],
  'dataplane/compile': ['model'],
  // Drivers apply plans, so they know the plan's types (never the other way round).
  'dataplane/drivers': ['model', 'dataplane/compile'],
  // The agent talks to the server through the typed client; it never imports the server.
  // The agent answers explain and trace queries with the pure trace code.
  agent: ['model', 'dataplane/compile', 'dataplane/drivers', 'client', 'trace'],
  client: ['model'],
  lab: ['model', 'client', 'agent', 'dataplane/drivers'],
  trace: ['model', 'client', 'dataplane/compile', 'dataplane/drivers'],
  cli: ['model', 'client', 'lab', 'trace'],
  // The built-in metadata backend (`quark metadata-api`): reads the API, serves instances.
  metadata: ['model', 'client'],
  web: ['model'],
};

// `quark server` and `quark agent` are commands of the one binary: the CLI starts those processes.
const EXCEPTIONS = {
  'src/cli/server-command.ts': ['server'],
  'src/cli/agent-command.ts': ['agent'],
  'src/cli/host-command.ts': ['agent'],
  'src/cli/vif-command.ts': ['agent'],
  'src/cli/admin-bootstrap.ts': ['server', 'store'],
  'src/cli/config-schemas.ts': ['server', 'agent', 'metadata'],
  'src/cli/metadata-command.ts': ['metadata'],
};

const PACKAGES = {
  kysely: ['store'],
  'better-sqlite3': ['store'],
  pg: ['store'],
  fastify: ['server'],
  'prom-client': ['server', 'agent'],
  commander: ['cli'],
  'node:child_process': ['dataplane/drivers', 'lab', 'testing'],
};

function layerOf(file) {
  const rel = relative('src', file).split('/');
  if (rel.includes('testing')) return 'testing';
  if (rel[0] === 'dataplane') return `dataplane/${rel[1]}`;
  return rel[0];
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const problems = [];
for (const file of walk('src')) {
  const from = layerOf(file);
  const text = readFileSync(file, 'utf8');
  const isTest = file.endsWith('.test.ts');
  for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    const spec = m[1];
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const to = layerOf(relative(process.cwd(), target));
      if (to === from || isTest || from === 'testing' || to === 'testing') continue;
      const allowed = LAYERS[from] ?? [];
      const exempt = EXCEPTIONS[file] ?? [];
      if (!allowed.includes(to) && !exempt.includes(to))
        problems.push(`${file}: layer '${from}' may not import '${to}' (${spec})`);
    } else {
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      const owners = PACKAGES[pkg];
      if (owners && !owners.includes(from) && !isTest) problems.push(`${file}: layer '${from}' may not use '${pkg}'`);
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('layers ok');
