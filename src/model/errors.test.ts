import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES } from './errors.js';

describe('error codes', () => {
  it('docs/errors.md lists every code and no code that does not exist', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `([A-Za-z0-9]+)` \|/gm)].map((m) => m[1]));
    const codes = new Set(Object.keys(ERROR_CODES));
    assert.deepEqual(
      [...codes].filter((c) => !documented.has(c)),
      [],
      'codes missing from docs/errors.md',
    );
    assert.deepEqual(
      [...documented].filter((c) => !codes.has(c as string)),
      [],
      'docs/errors.md lists unknown codes',
    );
  });
});
