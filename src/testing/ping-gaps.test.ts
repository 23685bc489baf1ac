import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pingLoss } from './ping-gaps.js';

describe('pingLoss', () => {
  it('counts the replies, the longest run of requests without one and the time it lasted', () => {
    const out = [
      '[1700000000.000000] 64 bytes from 203.0.113.20: icmp_seq=1 ttl=63 time=0.5 ms',
      '[1700000000.010000] 64 bytes from 203.0.113.20: icmp_seq=2 ttl=63 time=0.5 ms',
      '[1700000001.250000] 64 bytes from 203.0.113.20: icmp_seq=6 ttl=63 time=0.5 ms',
      '[1700000001.270000] 64 bytes from 203.0.113.20: icmp_seq=8 ttl=63 time=0.5 ms',
      '8 packets transmitted, 4 received, 50% packet loss, time 70ms',
    ].join('\n');
    assert.deepEqual(pingLoss(out), { sent: 8, received: 4, longestGap: 3, longestGapMs: 1240 });
    assert.equal(pingLoss(out.replace(/\[[^\]]+\] /g, '')).longestGapMs, 0);
  });
});
