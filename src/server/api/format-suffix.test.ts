import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dropJsonSuffix } from './format-suffix.js';

describe('dropJsonSuffix()', () => {
  it('drops .json at the end of a /v2.0 path and keeps the query', () => {
    assert.equal(dropJsonSuffix('/v2.0/networks.json'), '/v2.0/networks');
    assert.equal(dropJsonSuffix('/v2.0/quotas/p1/details.json?fields=network'), '/v2.0/quotas/p1/details?fields=network');
  });

  it('leaves other paths and a .json elsewhere alone', () => {
    assert.equal(dropJsonSuffix('/v2.0/networks'), '/v2.0/networks');
    assert.equal(dropJsonSuffix('/identity/v3/projects.json'), '/identity/v3/projects.json');
    assert.equal(dropJsonSuffix('/v2.0/networks?name=a.json'), '/v2.0/networks?name=a.json');
  });
});
