import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderConfigDoc } from '../model/config-doc.js';
import { schemas } from './config-schemas.js';

describe('docs/config.md', () => {
  it('matches the configuration schemas (regenerate with node scripts/gen-docs.mjs)', () => {
    const committed = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
    assert.equal(committed, renderConfigDoc(schemas));
  });
});
