import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChainCounters } from '../dataplane/drivers/iptables-counters.js';
import { countsSince } from './metering.js';

describe('metering counts', () => {
  it('reads the counters of the chosen chains from iptables-save -c, summed over their rules', () => {
    const text = [
      '*filter',
      ':quark-meter-l-aaaa - [0:0]',
      '[12:3400] -A quark-meter-l-aaaa',
      '[1:100] -A quark-meter-l-aaaa -s 10.0.0.0/8',
      '[99:9900] -A quark-meter-r-aaaa -o qg-x -j quark-meter-l-aaaa',
      'COMMIT',
    ].join('\n');
    assert.deepEqual(
      [...parseChainCounters(text, new Set(['quark-meter-l-aaaa']))],
      [['quark-meter-l-aaaa', { packets: 13, bytes: 3500 }]],
    );
  });

  it('reports what was counted since the last report, all of it after a chain was made anew, IPv4 and IPv6 together', () => {
    const reported = new Map([
      ['r1 l1 4', { packets: 10, bytes: 1000 }],
      ['r1 l1 6', { packets: 2, bytes: 200 }],
      ['r2 l1 4', { packets: 50, bytes: 5000 }],
    ]);
    const now = new Map([
      ['r1 l1 4', { packets: 15, bytes: 1600 }],
      ['r1 l1 6', { packets: 3, bytes: 300 }],
      ['r2 l1 4', { packets: 4, bytes: 400 }],
      ['r3 l2 4', { packets: 0, bytes: 0 }],
    ]);
    assert.deepEqual(countsSince(reported, now), [
      { label_id: 'l1', router_id: 'r1', pkts: 6, bytes: 700 },
      { label_id: 'l1', router_id: 'r2', pkts: 4, bytes: 400 },
    ]);
  });
});
