import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FloatingIpItem } from '../dataplane/compile/plan.js';
import { changedMappings } from './floating-ips.js';

const item = (netns: string, floating: string, fixed: string): FloatingIpItem => ({
  kind: 'floatingIp',
  netns,
  device: 'qg-9a7e1000-00',
  floatingIpAddress: floating,
  fixedIpAddress: fixed,
  origin: { kind: 'floatingip', id: floating },
});

describe('changedMappings', () => {
  it('finds floating IPs removed or moved to another fixed IP or router, not those kept', () => {
    const before = [
      item('qrouter-1', '203.0.113.20', '10.0.0.4'),
      item('qrouter-1', '203.0.113.21', '10.0.0.5'),
      item('qrouter-1', '203.0.113.22', '10.0.0.6'),
    ];
    const after = [
      item('qrouter-1', '203.0.113.20', '10.0.0.4'),
      item('qrouter-1', '203.0.113.21', '10.0.0.9'),
      item('qrouter-2', '203.0.113.22', '10.1.0.6'),
    ];
    const changed = changedMappings(before, after, new Set(['qrouter-1', 'qrouter-2']));
    assert.deepEqual(
      [...changed],
      [
        [
          'qrouter-1',
          [
            { floating: '203.0.113.21', fixed: '10.0.0.5' },
            { floating: '203.0.113.22', fixed: '10.0.0.6' },
          ],
        ],
      ],
    );
  });

  it('leaves out namespaces that are going away', () => {
    const changed = changedMappings([item('qrouter-1', '203.0.113.20', '10.0.0.4')], [], new Set(['qrouter-2']));
    assert.equal(changed.size, 0);
  });
});
