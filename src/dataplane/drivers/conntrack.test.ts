import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterArgs, parseConntrack } from './conntrack.js';

describe('conntrack driver', () => {
  it('parses the original direction, the protocol number and the zone of `conntrack -L` lines', () => {
    const text = [
      'tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1000 dport=22 src=10.0.0.2 dst=10.0.0.1 sport=22 dport=1000 [ASSURED] mark=0 zone=4098 use=1',
      'icmp     1 29 src=10.0.0.3 dst=10.0.0.2 type=8 code=0 id=77 [UNREPLIED] src=10.0.0.2 dst=10.0.0.3 type=0 code=0 id=77 mark=0 use=1',
      'unknown  112 599 src=10.0.0.3 dst=10.0.0.2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.3 mark=0 zone=4098 use=1',
      '',
    ].join('\n');
    assert.deepEqual(parseConntrack(text, 4), [
      {
        zone: 4098,
        family: 4,
        protocol: 6,
        src: '10.0.0.1',
        dst: '10.0.0.2',
        sport: 1000,
        dport: 22,
        icmpType: null,
        icmpCode: null,
      },
      { zone: 0, family: 4, protocol: 1, src: '10.0.0.3', dst: '10.0.0.2', sport: null, dport: null, icmpType: 8, icmpCode: 0 },
      {
        zone: 4098,
        family: 4,
        protocol: 112,
        src: '10.0.0.3',
        dst: '10.0.0.2',
        sport: null,
        dport: null,
        icmpType: null,
        icmpCode: null,
      },
    ]);
  });

  it('names the protocols whose port options conntrack only accepts by name', () => {
    assert.deepEqual(filterArgs({ family: 6, zone: 4097, protocol: 6, src: '2001:db8::1', dport: 22 }), [
      '-f',
      'ipv6',
      '-w',
      '4097',
      '-s',
      '2001:db8::1',
      '-p',
      'tcp',
      '--dport',
      '22',
    ]);
    assert.deepEqual(filterArgs({ family: 4, protocol: 112 }), ['-f', 'ipv4', '-p', '112']);
    assert.deepEqual(filterArgs({ family: 4, dst: '203.0.113.20', replySrc: '10.0.0.4' }), [
      '-f',
      'ipv4',
      '-d',
      '203.0.113.20',
      '-r',
      '10.0.0.4',
    ]);
  });
});
