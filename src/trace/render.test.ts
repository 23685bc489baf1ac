import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TraceEndpoint, TraceResult } from '../model/trace.js';
import { renderTrace } from './render.js';

const end = (label: string, ip: string): TraceEndpoint => ({ label, ip, portId: null, host: null });

function result(from: TraceEndpoint, to: TraceEndpoint): TraceResult {
  return {
    from,
    to,
    packet: { protocol: 'icmp', src: from.ip, dst: to.ip, srcMac: null, dstMac: null, sport: null, dport: null, ttl: 64 },
    hops: [],
    verdict: { result: 'unreachable', says: 'no path', refs: [] },
    final: null,
    probe: null,
    names: {},
    ms: 1,
  };
}

describe('renderTrace', () => {
  it('names an address once when the label already holds it, and only then', () => {
    const header = (from: TraceEndpoint, to: TraceEndpoint) => renderTrace(result(from, to)).split('\n')[0];
    assert.equal(
      header(end('203.0.113.1 (outside the cloud)', '203.0.113.1'), end('port vm3 (fa156c1c)', '10.0.0.4')),
      'trace icmp echo from 203.0.113.1 (outside the cloud) to port vm3 (fa156c1c) (10.0.0.4)',
    );
    // 203.0.113.1 is a prefix of the floating IP in the label, not the label's address.
    assert.equal(
      header(end('port vm2 (270c41a8)', '10.0.0.2'), end('port vm3 via floating IP 203.0.113.11', '203.0.113.1')),
      'trace icmp echo from port vm2 (270c41a8) (10.0.0.2) to port vm3 via floating IP 203.0.113.11 (203.0.113.1)',
    );
  });
});
