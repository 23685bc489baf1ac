import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { egressRules, spoofRules } from '../dataplane/compile/firewall/iptables-hybrid/port-chains.js';
import { natChains } from '../dataplane/compile/l3/nat.js';
import type { FirewallPortItem } from '../dataplane/compile/plan.js';
import type { TracePacket } from '../model/trace.js';
import { evaluateChain } from './iptables-eval.js';
import { parseIptablesSave } from './iptables-save.js';
import { netfilterPacket, ofprotoFlow } from './packet.js';

const v6: TracePacket = {
  protocol: 'icmp',
  src: '2001:db8:1::f816:3eff:fe00:1',
  dst: '2001:db8:2::5',
  srcMac: 'fa:16:3e:00:00:01',
  dstMac: 'fa:16:3e:00:00:ff',
  sport: null,
  dport: null,
  ttl: 64,
};
const noSets = () => null;

/** Chains as iptables-save prints them, from rules and the chain each goes in. */
function saved(table: string, chains: Record<string, readonly string[]>, hooks: Record<string, string> = {}) {
  const lines = [`*${table}`, ...Object.keys(chains).map((c) => `:${c} - [0:0]`)];
  for (const [builtin, chain] of Object.entries(hooks)) lines.push(`:${builtin} ACCEPT [0:0]`, `-A ${builtin} -j ${chain}`);
  for (const [chain, rules] of Object.entries(chains)) for (const r of rules) lines.push(`-A ${chain} ${r}`);
  return `${lines.join('\n')}\nCOMMIT\n`;
}

describe('trace over IPv6', () => {
  it('asks ofproto/trace for an ICMPv6 echo request by ipv6_src and ipv6_dst', () => {
    assert.equal(
      ofprotoFlow(v6, { inPort: 'qvo1' }),
      'in_port=qvo1,icmp6,dl_src=fa:16:3e:00:00:01,dl_dst=fa:16:3e:00:00:ff,ipv6_src=2001:db8:1::f816:3eff:fe00:1,ipv6_dst=2001:db8:2::5,nw_ttl=64,icmpv6_type=128,icmpv6_code=0',
    );
    assert.match(
      ofprotoFlow({ ...v6, protocol: 'tcp', sport: 40000, dport: 22 }, { inPort: 'qvo1' }),
      /,tcp6,.*tcp_dst=22,tcp_flags=syn$/,
    );
    // OVS refuses tp_src/tp_dst for UDP ("prerequisites not met"): the protocol's own field names.
    assert.match(
      ofprotoFlow({ ...v6, protocol: 'udp', sport: 40000, dport: 53 }, { inPort: 'qvo1' }),
      /,udp6,.*udp_src=40000,udp_dst=53$/,
    );
    assert.match(
      ofprotoFlow({ ...v6, protocol: 'tcp', sport: 22, dport: 40000, reply: { conntrack: [] } }, { inPort: 'qvo1' }),
      /,tcp_flags=0x012$/,
    );
  });

  it("runs ICMPv6 through an instance's egress chain: an echo request passes, a router advertisement would not", () => {
    const port: FirewallPortItem = {
      kind: 'firewallPort',
      portId: 'c0de1000-0000-0000-0000-000000000000',
      networkId: 'aaaa1000-0000-0000-0000-000000000000',
      device: 'tapc0de1000-00',
      filtered: true,
      zone: 1,
      mac: v6.srcMac!,
      fixedIps: [v6.src],
      sources: [{ cidr: `${v6.src}/128`, mac: v6.srcMac! }],
      groups: [],
      origin: { kind: 'port', id: 'c0de1000-0000-0000-0000-000000000000' },
    };
    const spoof = `quark-fw-s${port.portId.slice(0, 10)}`;
    const egress = `quark-fw-o${port.portId.slice(0, 10)}`;
    const tables = parseIptablesSave(
      saved(
        'filter',
        { [egress]: egressRules(port, 6), [spoof]: spoofRules(port, 6), 'quark-fw-sg-fallback': ['-j DROP'] },
        { FORWARD: egress },
      ),
    );
    const at = { inIf: 'qbr', outIf: 'qbr', physIn: port.device, physOut: 'qvb', bridged: true };
    const echo = evaluateChain(tables, 'filter', 'FORWARD', netfilterPacket(v6, at), noSets);
    assert.ok(
      echo.hits.some((h) => h.rule.text.includes('-p ipv6-icmp') && h.target === 'RETURN'),
      'ICMPv6 allowed',
    );
    const ra = evaluateChain(tables, 'filter', 'FORWARD', { ...netfilterPacket(v6, at), icmpType: 134 }, noSets);
    assert.equal(ra.verdict, 'DROP');
    assert.match(ra.decidedBy!.rule.text, /--icmpv6-type 134 .*Router Advts/);
  });

  it("follows a request to 169.254.169.254 into a router's metadata redirect", () => {
    const view = {
      router: { id: 'r1' } as never,
      interfaces: [],
      gateway: null,
      floatingIps: [],
      portForwardings: [],
      conntrackHelpers: [],
      meteringLabels: [],
    };
    const chains = natChains(view, 'qrouter-r1', 9697);
    const text = (table: string) =>
      saved(
        table,
        Object.fromEntries(chains.filter((c) => c.table === table).map((c) => [c.chain, c.rules])),
        Object.fromEntries(chains.filter((c) => c.table === table && c.hooks[0]).map((c) => [c.hooks[0]!, c.chain])),
      );
    const tables = parseIptablesSave(text('mangle') + text('nat') + text('filter'));
    const request = netfilterPacket(
      { ...v6, protocol: 'tcp', src: '10.0.0.3', dst: '169.254.169.254', sport: 40000, dport: 80 },
      { inIf: 'qr-1', outIf: null, physIn: null, physOut: null, bridged: false },
    );
    const mangle = evaluateChain(tables, 'mangle', 'PREROUTING', request, noSets);
    assert.equal(mangle.mark, 1);
    const nat = evaluateChain(tables, 'nat', 'PREROUTING', { ...request, mark: mangle.mark }, noSets);
    assert.deepEqual(nat.nat, { kind: 'REDIRECT', to: '9697' });
    assert.equal(evaluateChain(tables, 'filter', 'INPUT', { ...request, mark: mangle.mark }, noSets).verdict, 'ACCEPT');
    const direct = { ...request, dst: request.dst, dport: 9697 };
    assert.equal(
      evaluateChain(tables, 'filter', 'INPUT', direct, noSets).verdict,
      'DROP',
      'nothing reaches the proxy unredirected',
    );
  });
});
