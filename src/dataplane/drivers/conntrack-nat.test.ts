import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConnections, staleMappings } from './conntrack-nat.js';

// `conntrack -L` in a router: the internet host into a floating IP, an instance out through
// its floating IP, another out through the gateway address, and one east-west flow.
const LIST = `tcp      6 431999 ESTABLISHED src=203.0.113.1 dst=203.0.113.20 sport=40000 dport=80 src=10.0.0.4 dst=203.0.113.1 sport=80 dport=40000 [ASSURED] mark=0 use=1
tcp      6 431999 ESTABLISHED src=10.0.0.4 dst=203.0.113.1 sport=41000 dport=22 src=203.0.113.1 dst=203.0.113.20 sport=22 dport=41000 [ASSURED] mark=0 use=1
icmp     1 29 src=10.0.0.5 dst=203.0.113.1 type=8 code=0 id=7 src=203.0.113.1 dst=203.0.113.10 type=0 code=0 id=7 mark=0 use=1
icmp     1 29 src=10.0.0.5 dst=10.1.0.5 type=8 code=0 id=8 src=10.1.0.5 dst=10.0.0.5 type=0 code=0 id=8 mark=0 use=1
`;
const ROUTER = new Set(['10.0.0.1', '10.1.0.1', '203.0.113.10', '203.0.113.20']);

describe('conntrack', () => {
  it('parses the original and reply addresses of each connection', () => {
    const c = parseConnections(LIST);
    assert.equal(c.length, 4);
    assert.deepEqual(c[0], { origSrc: '203.0.113.1', origDst: '203.0.113.20', replySrc: '10.0.0.4', replyDst: '203.0.113.1' });
  });

  it('finds nothing stale while the floating IP still maps to the same fixed IP', () => {
    const wanted = [{ floating: '203.0.113.20', fixed: '10.0.0.4' }];
    assert.deepEqual(staleMappings(parseConnections(LIST), wanted, ROUTER), []);
  });

  it('finds the mapping of a floating IP that moved to another fixed IP, in both directions', () => {
    const wanted = [{ floating: '203.0.113.20', fixed: '10.0.0.9' }];
    assert.deepEqual(staleMappings(parseConnections(LIST), wanted, ROUTER), [{ floating: '203.0.113.20', fixed: '10.0.0.4' }]);
  });

  it('finds the mapping of a floating IP that was removed, and of SNAT to an address the router lost', () => {
    const router = new Set(['10.0.0.1', '10.1.0.1', '203.0.113.11']);
    assert.deepEqual(staleMappings(parseConnections(LIST), [], router), [
      { floating: '203.0.113.20', fixed: '10.0.0.4' },
      { floating: '203.0.113.10', fixed: '10.0.0.5' },
    ]);
  });
});
