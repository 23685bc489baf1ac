/**
 * The API fuzzed briefly with a fixed seed (testing/fuzz.ts has the properties; bench/fuzz runs
 * the same for long, with other seeds).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzzApi } from './testing/fuzz.js';

describe('API fuzz (fast-check, fixed seed)', () => {
  it('no 5xx, every error a NeutronError or Keystone error of a known type, refused requests change nothing', async (t) => {
    const report = await fuzzApi({ seed: 20261127, numRuns: 400 });
    t.diagnostic(`${report.requests} requests: ${JSON.stringify(Object.fromEntries([...report.byStatus].sort()))}`);
    assert.ok(report.requests >= 400);
    assert.ok(report.maxRssMiB < 1024, `RSS ${report.maxRssMiB} MiB`);
  });
});
