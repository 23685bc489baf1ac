import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memberTest } from '../dataplane/compile/firewall/verdict.js';
import type { TracePacket } from '../model/trace.js';
import { evaluateChain } from './iptables-eval.js';
import { matchRule } from './iptables-match.js';
import { parseIptablesSave, splitArgs } from './iptables-save.js';
import { netfilterPacket } from './packet.js';
import { HAVANA, fixture } from './testing/fixtures.js';

const compute = parseIptablesSave(fixture('iptables-compute.txt'));
const router = parseIptablesSave(fixture('iptables-router.txt'));
const sets = (name: string) =>
  name.startsWith('QIPv4190a44a2') ? memberTest(['10.0.0.2', '10.0.0.3']) : name.startsWith('QIPv4') ? memberTest([]) : null;

const packet = (over: Partial<TracePacket>): TracePacket => ({
  protocol: 'icmp',
  src: HAVANA.vm2.ip,
  dst: HAVANA.vm3.ip,
  srcMac: HAVANA.vm2.mac,
  dstMac: HAVANA.vm3.mac,
  sport: null,
  dport: null,
  ttl: 64,
  ...over,
});

/** vm2's frames leaving its tap into qbr (egress), and frames to vm3's tap (ingress). */
const egress = (p: TracePacket) =>
  netfilterPacket(p, {
    inIf: 'qbr270c41a8-db',
    outIf: 'qbr270c41a8-db',
    physIn: 'tap270c41a8-db',
    physOut: 'qvb270c41a8-db',
    bridged: true,
  });
const ingress = (p: TracePacket) =>
  netfilterPacket(p, {
    inIf: 'qbr5c87b7a3-3a',
    outIf: 'qbr5c87b7a3-3a',
    physIn: 'qvb5c87b7a3-3a',
    physOut: 'tap5c87b7a3-3a',
    bridged: true,
  });

describe('parseIptablesSave', () => {
  it('reads policies, user chains and every rule with its counters', () => {
    const filter = compute.get('filter')!;
    assert.equal(filter.get('FORWARD')?.policy, 'ACCEPT');
    assert.equal(filter.get('quark-fw-sg-chain')?.policy, null);
    const rule = filter.get('quark-fw-FORWARD')!.rules[0]!;
    assert.deepEqual([rule.packets, rule.bytes], [18, 2324]);
    assert.match(rule.text, /^-m physdev --physdev-out tap270c41a8-db/);
  });

  it('splits quoted comments into one argument', () => {
    assert.deepEqual(splitArgs('-m comment --comment "Allow \\"x\\" y" -j RETURN'), [
      '-m',
      'comment',
      '--comment',
      'Allow "x" y',
      '-j',
      'RETURN',
    ]);
  });
});

describe('evaluateChain', () => {
  it('lets vm2 send ICMP: anti-spoofing returns, the egress rule of default returns, sg-chain accepts', () => {
    const v = evaluateChain(compute, 'filter', 'FORWARD', egress(packet({})), sets);
    assert.equal(v.verdict, 'ACCEPT');
    assert.deepEqual(
      v.hits.map((h) => h.chain),
      [
        'FORWARD',
        'quark-fw-FORWARD',
        'quark-fw-sg-chain',
        'quark-fw-o270c41a8-d',
        'quark-fw-s270c41a8-d',
        'quark-fw-o270c41a8-d',
        'quark-fw-go190a44a2-c',
        'quark-fw-sg-chain',
      ],
    );
    assert.match(v.hits[6]!.rule.text, /rule 84e7e899/);
    assert.deepEqual(v.unreadable, []);
  });

  it('drops a spoofed source in the anti-spoofing chain', () => {
    const v = evaluateChain(compute, 'filter', 'FORWARD', egress(packet({ src: '10.0.0.77' })), sets);
    assert.equal(v.verdict, 'DROP');
    assert.equal(v.decidedBy?.chain, 'quark-fw-s270c41a8-d');
  });

  it('admits TCP 22 to vm3 by its rule and drops TCP 80 at the fallback', () => {
    const ssh = evaluateChain(compute, 'filter', 'FORWARD', ingress(packet({ protocol: 'tcp', sport: 40000, dport: 22 })), sets);
    assert.equal(ssh.verdict, 'ACCEPT');
    assert.ok(
      ssh.hits.some((h) => h.rule.text.includes('rule 356923d5')),
      'the remote group rule matches first',
    );
    const web = evaluateChain(
      compute,
      'filter',
      'FORWARD',
      ingress(packet({ protocol: 'tcp', src: '203.0.113.1', sport: 40000, dport: 80 })),
      sets,
    );
    assert.equal(web.verdict, 'DROP');
    assert.equal(web.decidedBy?.chain, 'quark-fw-sg-fallback');
    assert.equal(web.hits.at(-2)?.chain, 'quark-fw-gi190a44a2-c');
  });

  it('applies DNAT for a floating IP, and no SNAT to traffic that came in from outside', () => {
    const inbound = netfilterPacket(packet({ src: '203.0.113.1', dst: '203.0.113.11' }), {
      inIf: HAVANA.qg,
      outIf: null,
      physIn: null,
      physOut: null,
      bridged: false,
    });
    const mangle = evaluateChain(router, 'mangle', 'PREROUTING', inbound, sets);
    assert.equal(mangle.mark, 2);
    const dnat = evaluateChain(router, 'nat', 'PREROUTING', { ...inbound, mark: mangle.mark }, sets);
    assert.deepEqual(dnat.nat, { kind: 'DNAT', to: '10.0.0.3' });
    const out = netfilterPacket(
      packet({ src: '203.0.113.1', dst: '10.0.0.3' }),
      { inIf: HAVANA.qg, outIf: HAVANA.qr, physIn: null, physOut: null, bridged: false },
      { ctstate: ['DNAT'], mark: 2 },
    );
    const post = evaluateChain(router, 'nat', 'POSTROUTING', out, sets);
    assert.equal(post.nat, null);
    assert.equal(post.verdict, 'ACCEPT');
  });

  it('SNATs an instance without floating IP to the gateway, one with to its floating IP', () => {
    const from = (src: string) =>
      netfilterPacket(packet({ src, dst: '203.0.113.1' }), {
        inIf: HAVANA.qr,
        outIf: HAVANA.qg,
        physIn: null,
        physOut: null,
        bridged: false,
      });
    assert.deepEqual(evaluateChain(router, 'nat', 'POSTROUTING', from('10.0.0.2'), sets).nat, {
      kind: 'SNAT',
      to: '203.0.113.10',
    });
    assert.deepEqual(evaluateChain(router, 'nat', 'POSTROUTING', from('10.0.0.3'), sets).nat, {
      kind: 'SNAT',
      to: '203.0.113.11',
    });
  });

  it('reports a rule it cannot read instead of guessing', () => {
    const r = matchRule(splitArgs('-m hashlimit --hashlimit-upto 5/sec -j ACCEPT'), egress(packet({})), sets);
    assert.deepEqual(r, { unknown: 'option --hashlimit-upto' });
  });
});
