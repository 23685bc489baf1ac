#!/usr/bin/env node
// Builds the web view (docs/web.md) into dist/ui/: one bundle of src/web/ui/main.ts with its
// libraries (elkjs) inside, and the page and style beside it. Nothing is fetched from elsewhere.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const out = 'dist/ui';
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ['src/web/ui/main.ts'],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  outfile: `${out}/ui.js`,
  legalComments: 'linked',
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) copyFileSync(`src/web/static/${f}`, `${out}/${f}`);
console.log(`web view built into ${out}/`);
