#!/usr/bin/env node
// Writes docs/config.md from the configuration schemas of each process (run after `npm run build`).
// A unit test fails when the committed file differs from what this script writes.
import { writeFileSync } from 'node:fs';
import { renderConfigDoc } from '../dist/model/config-doc.js';
import { schemas } from '../dist/cli/config-schemas.js';

writeFileSync(new URL('../docs/config.md', import.meta.url), renderConfigDoc(schemas));
console.log('wrote docs/config.md');
