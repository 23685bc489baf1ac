/**
 * Golden files for compiler tests: the expected text lives in src/dataplane/compile/__golden__/
 * (tests run from dist/, so the path points back at src/). `UPDATE_GOLDEN=1` rewrites them.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';

const GOLDEN = new URL('../../../src/dataplane/compile/__golden__/', import.meta.url);

export function golden(name: string, text: string): void {
  const file = new URL(`${name}.txt`, GOLDEN);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `golden ${name} differs (UPDATE_GOLDEN=1 rewrites it)`);
}
