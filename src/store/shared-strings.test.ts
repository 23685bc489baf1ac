import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shareStrings } from './shared-strings.js';

describe('shareStrings', () => {
  it('leaves every value as it was', () => {
    const text = JSON.stringify({
      id: 'p1',
      network_id: 'n1',
      created_at: '2026-12-07T10:00:00Z',
      name: 'n1',
      fixed_ips: [{ subnet_id: 's1', ip_address: '10.0.0.3' }],
      security_groups: ['g1', 'g2'],
      'binding:profile': {},
      tags: [],
    });
    const seen = new Map<string, string>();
    const a = JSON.parse(text) as Record<string, unknown>;
    const b = JSON.parse(text) as Record<string, unknown>;
    shareStrings(a, seen);
    shareStrings(b, seen);
    assert.deepEqual(a, JSON.parse(text));
    assert.deepEqual(b, JSON.parse(text));
    assert.deepEqual([...seen.keys()].sort(), ['2026-12-07T10:00:00Z', 'g1', 'g2', 'n1', 's1']);
  });
});
