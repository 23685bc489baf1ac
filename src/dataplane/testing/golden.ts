/**
 * Golden files of compiler tests: the expected rendering lives in the source tree beside the
 * compiler (`src/dataplane/compile/__golden__/<name>.txt`); `UPDATE_GOLDEN=1` rewrites it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';

// Tests run from dist/, so point back at src/.
const GOLDEN = new URL('../../../src/dataplane/compile/__golden__/', import.meta.url);

export function golden(name: string, text: string): void {
  const file = new URL(`${name}.txt`, GOLDEN);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `golden ${name} differs (UPDATE_GOLDEN=1 rewrites it)`);
}
