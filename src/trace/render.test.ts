import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Evidence, TraceEndpoint, TraceResult } from '../model/trace.js';
import { evidenceText, evidenceWords, renderTrace } from './render.js';

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
    reply: null,
    notLive: [],
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

describe('evidenceText', () => {
  const words = { says: 'what it means', refs: [] };
  it("renders each kind of evidence in the host tools' own syntax", () => {
    const flow: Evidence = {
      kind: 'flow',
      bridge: 'br-tun',
      table: 20,
      tableName: 'UCAST_TO_TUN(20)',
      priority: 2,
      match: 'dl_vlan=2,dl_dst=fa:16:3e:0c:33:2f',
      actions: ['pop_vlan', 'set_field:0x2->tun_id', 'output:2'],
      cookie: '0x5155026c893c94c6',
      effects: ['untag', 'set-tunnel-key', 'output'],
      notes: [],
      counters: null,
      ...words,
    };
    assert.equal(
      evidenceText(flow),
      'UCAST_TO_TUN(20) priority=2 dl_vlan=2,dl_dst=fa:16:3e:0c:33:2f actions=pop_vlan,set_field:0x2->tun_id,output:2 cookie=0x5155026c893c94c6',
    );
    assert.equal(
      evidenceText({ ...flow, match: null, priority: null, actions: [], cookie: null }),
      'UCAST_TO_TUN(20) priority=- (no flow matched) actions=',
    );
    assert.equal(evidenceText({ ...flow, match: '' }).split(' actions=')[0], 'UCAST_TO_TUN(20) priority=2');
    const rule: Evidence = {
      kind: 'rule',
      netns: 'qrouter-3a95',
      table: 'nat',
      chain: 'quark-l3-snat',
      rule: '-o qg-d8aaac23-67 -j SNAT --to-source 203.0.113.10',
      matched: true,
      counters: { packets: 3, bytes: 252 },
      ...words,
    };
    assert.equal(evidenceText(rule), '[qrouter-3a95] -t nat -A quark-l3-snat -o qg-d8aaac23-67 -j SNAT --to-source 203.0.113.10');
    assert.equal(
      evidenceText({ ...rule, netns: null, table: 'filter' }),
      '-A quark-l3-snat -o qg-d8aaac23-67 -j SNAT --to-source 203.0.113.10',
    );
    const route = {
      kind: 'route',
      netns: 'qrouter-3a95',
      dst: '203.0.113.1',
      src: '10.0.0.2',
      iif: 'qr-6c893c94-c6',
      ...words,
    } as const;
    const lookup = 'ip route get 203.0.113.1 from 10.0.0.2 iif qr-6c893c94-c6';
    assert.equal(
      evidenceText({ ...route, type: 'unicast', dev: 'qg-d8aaac23-67', gateway: null, error: null }),
      `${lookup}: dev qg-d8aaac23-67`,
    );
    assert.equal(
      evidenceText({ ...route, type: 'unicast', dev: 'qg-d', gateway: '203.0.113.1', error: null }),
      `${lookup}: via 203.0.113.1 dev qg-d`,
    );
    assert.equal(evidenceText({ ...route, type: 'local', dev: 'lo', gateway: null, error: null }), `${lookup}: local`);
    assert.equal(
      evidenceText({ ...route, type: 'unreachable', dev: null, gateway: null, error: 'Network is unreachable' }),
      lookup,
    );
    assert.equal(
      evidenceText({ kind: 'neighbour', netns: 'q', ip: '203.0.113.1', dev: 'qg-d', mac: null, source: 'none', ...words }),
      'neighbour 203.0.113.1 dev qg-d',
    );
  });

  it('says that a security group rule the packet met did not match it, and shows counters', () => {
    const rule: Evidence = {
      kind: 'rule',
      netns: null,
      table: 'filter',
      chain: 'quark-fw-gi190a44a2-c',
      rule: '-p tcp -m tcp --dport 22 -m comment --comment "rule 9183198e" -j RETURN',
      matched: false,
      counters: { packets: 0, bytes: 0 },
      says: 'security group default (190a44a2) allows ingress IPv4 tcp/22 from anywhere (rule 9183198e)',
      refs: [{ kind: 'security_group_rule', id: '9183198e' }],
    };
    assert.equal(evidenceWords(rule), `${rule.says} — does not match`);
    assert.equal(evidenceWords({ ...rule, matched: true }), rule.says);
    const t = { ...result(end('a', '10.0.0.1'), end('b', '10.0.0.2')) };
    const hop = {
      host: 'compute',
      where: 'iptables filter FORWARD on qbr5c87b7a3-3a',
      says: 'no rule',
      result: 'drop' as const,
      refs: [],
    };
    const lines = renderTrace({ ...t, hops: [{ ...hop, evidence: [rule] }] }).split('\n');
    assert.deepEqual(lines.slice(1, 4), [
      '└─ compute  iptables filter FORWARD on qbr5c87b7a3-3a  ✗ no rule',
      `      -A quark-fw-gi190a44a2-c ${rule.rule}  [0 pkts, 0 bytes]`,
      `          ↳ ${rule.says} — does not match`,
    ]);
  });
});
