import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TracePacket } from '../model/trace.js';
import { HAVANA_PORTS, havanaView } from './testing/havana.js';
import { parseIptablesSave } from './iptables-save.js';
import { fixture } from './testing/fixtures.js';
import { walkHost } from './walk.js';
import { enterNamespace } from './walk-router.js';
import { filterPort } from './walk-firewall.js';

const { vm2, vm3, qr, qg } = HAVANA_PORTS;
const icmp = (over: Partial<TracePacket> = {}): TracePacket => ({
  protocol: 'icmp',
  src: '10.0.0.2',
  dst: '10.0.0.3',
  srcMac: vm2.mac_address,
  dstMac: vm3.mac_address,
  sport: null,
  dport: null,
  ttl: 64,
  ...over,
});

describe('walkHost', () => {
  it('vm2 → vm3 on one host: egress rules, br-int, ingress rules, delivered', async () => {
    const t = await walkHost(havanaView('compute'), { at: 'port', portId: vm2.id }, icmp());
    assert.deepEqual(
      t.hops.map((h) => [h.where, h.result]),
      [
        ['iptables filter FORWARD on qbr270c41a8-db', 'pass'],
        ['br-int', 'pass'],
        ['iptables filter FORWARD on qbr5c87b7a3-3a', 'pass'],
      ],
    );
    assert.deepEqual(t.exits, [{ kind: 'delivered', portId: vm3.id, packet: icmp() }]);
    assert.match(t.hops[0]!.says, /egress of port vm2 .*allows egress IPv4 any protocol to anywhere/);
    assert.match(t.hops[2]!.says, /ingress of port vm3 .*allows ingress IPv4 icmp from anywhere \(rule 0664f495\)/);
  });

  it('vm2 → the internet: leaves compute through the GRE tunnel to the network node with key 2', async () => {
    const p = icmp({ dst: '203.0.113.1', dstMac: qr.mac_address });
    const t = await walkHost(havanaView('compute'), { at: 'port', portId: vm2.id }, p);
    assert.deepEqual(
      t.hops.map((h) => h.where),
      ['iptables filter FORWARD on qbr270c41a8-db', 'br-int', 'br-tun'],
    );
    assert.deepEqual(t.exits, [{ kind: 'tunnel', remoteIp: '198.18.1.11', key: 2, type: 'gre', packet: p }]);
    const ucast = t.hops[2]!.evidence.find((e) => e.kind === 'flow' && e.tableName === 'UCAST_TO_TUN(20)');
    assert.deepEqual(ucast?.refs, [{ kind: 'port', id: qr.id }], 'the l2population flow names the router port it exists for');
  });

  it('on the network node: out of the tunnel into the router, SNAT to the gateway, out on the external network', async () => {
    const routes = (dst: string) => ({ type: 'unicast', dev: 'qg-d8aaac23-67', gateway: null, error: null, dst });
    const p = icmp({ dst: '203.0.113.1', dstMac: qr.mac_address });
    const t = await walkHost(havanaView('network', routes), { at: 'tunnel', fromIp: '198.18.1.12', key: 2, type: 'gre' }, p);
    assert.deepEqual(
      t.hops.map((h) => h.where),
      ['br-tun', 'br-int', 'qrouter-3a9566e2-2fa2-4e22-b92c-0fd29db53bfe', 'br-int', 'br-ex'],
    );
    assert.match(
      t.hops[2]!.says,
      /router test1-router .* routes 203\.0\.113\.1 out of qg-d8aaac23-67 \(SNAT 10\.0\.0\.2 → 203\.0\.113\.10\)/,
    );
    assert.equal(t.exits.length, 1);
    const exit = t.exits[0]!;
    assert.equal(exit.kind, 'external');
    if (exit.kind === 'external') {
      assert.deepEqual(
        [exit.bridge, exit.device, exit.packet.src, exit.packet.srcMac],
        ['br-ex', 'eth2', '203.0.113.10', qg.mac_address],
      );
      assert.equal(exit.packet.ttl, 63);
    }
  });

  it('drops a spoofed source in vm2’s anti-spoofing chain and says so', async () => {
    const t = await walkHost(havanaView('compute'), { at: 'port', portId: vm2.id }, icmp({ src: '10.0.0.77' }));
    assert.equal(t.hops.length, 1);
    assert.deepEqual(
      t.exits.map((e) => e.kind === 'dropped' && e.cause.code),
      ['anti-spoofing'],
    );
  });

  it('stops at a router without a route, naming the router', async () => {
    const p = icmp({ dst: '203.0.113.1', dstMac: qr.mac_address });
    const t = await walkHost(havanaView('network'), { at: 'tunnel', fromIp: '198.18.1.12', key: 2, type: 'gre' }, p);
    const exit = t.exits[0]!;
    assert.equal(exit.kind === 'dropped' && exit.cause.code, 'no-route');
    assert.deepEqual(exit.kind === 'dropped' && exit.cause.refs, [
      { kind: 'router', id: '3a9566e2-2fa2-4e22-b92c-0fd29db53bfe' },
    ]);
  });

  it('says a port that is not plugged on the host is not', async () => {
    const t = await walkHost(havanaView('network'), { at: 'port', portId: vm2.id }, icmp());
    assert.deepEqual(
      t.exits.map((e) => e.kind === 'dropped' && e.cause.code),
      ['not-plugged'],
    );
  });
});

describe('enterNamespace', () => {
  const fromOutside = (dst: string) => icmp({ src: '203.0.113.1', dst, srcMac: 'd6:5d:d2:8b:52:93', dstMac: qg.mac_address });
  const local = (dst: string) => ({ type: 'local', dev: 'lo', gateway: null, error: null, dst });

  it('forwards a floating IP to its fixed IP by the DNAT rule', async () => {
    const qrDevice = havanaView('network').plan.servicePorts.find((s) => s.portId === qr.id)!.device;
    const view = havanaView('network', (dst) => ({ type: 'unicast', dev: qrDevice, gateway: null, error: null, dst }));
    const into = view.plan.servicePorts.find((s) => s.portId === qg.id)!;
    const r = await enterNamespace(view, into, fromOutside('203.0.113.11'));
    assert.notEqual(r.kind, 'dropped');
    assert.match(r.hop.says, /DNAT 203\.0\.113\.11 → 10\.0\.0\.3/);
  });

  it('names the floating IP whose DNAT rule is missing from the router (drift) instead of calling it the router’s own', async () => {
    const view = havanaView('network', local);
    const text = fixture('iptables-router.txt')
      .split('\n')
      .filter((l) => !l.includes('-A quark-l3-PREROUTING -d 203.0.113.11/32'))
      .join('\n');
    const into = view.plan.servicePorts.find((s) => s.portId === qg.id)!;
    const r = await enterNamespace({ ...view, iptables: async () => parseIptablesSave(text) }, into, fromOutside('203.0.113.11'));
    assert.equal(r.kind, 'dropped');
    if (r.kind === 'dropped') {
      assert.equal(r.cause.code, 'missing-nat');
      assert.match(
        r.cause.says,
        /no DNAT rule for floating IP 203\.0\.113\.11 .*the agent's plan has the rule, so the host has drifted/,
      );
      assert.deepEqual(r.cause.refs[1], { kind: 'floatingip', id: '32080075-9cbb-4b2b-b0d6-b10486bafb0e' });
    }
  });
});

describe('enterNamespace of an HA router', () => {
  const base = havanaView('network');
  const netns = base.plan.namespaces.find((n) => n.origin.kind === 'router')!.name;
  const routerId = base.plan.namespaces.find((n) => n.origin.kind === 'router')!.origin.id;
  const keepalived = { kind: 'daemon', service: 'keepalived', netns, origin: { kind: 'router', id: routerId } } as never;
  const haView = (state: 'MASTER' | 'BACKUP' | null, routes = base.routeGet) => ({
    ...base,
    plan: { ...base.plan, daemons: [...base.plan.daemons, keepalived] },
    vrrp: async () => state,
    routeGet: routes,
  });
  const toFloating = icmp({ src: '203.0.113.1', dst: '203.0.113.11', srcMac: 'd6:5d:d2:8b:52:93', dstMac: qg.mac_address });

  it('says the router is standby on a node where keepalived is not master, and routes nothing there', async () => {
    const view = haView('BACKUP');
    const r = await enterNamespace(view, view.plan.servicePorts.find((s) => s.portId === qg.id)!, toFloating);
    assert.equal(r.kind, 'dropped');
    if (r.kind === 'dropped') {
      assert.equal(r.cause.code, 'standby');
      assert.match(r.cause.says, /is standby on host network \(keepalived BACKUP\): it holds none of its addresses here/);
    }
  });

  it('routes as any router where keepalived is master', async () => {
    const qrDevice = base.plan.servicePorts.find((s) => s.portId === qr.id)!.device;
    const view = haView('MASTER', async (_netns, dst) => ({ type: 'unicast', dev: qrDevice, gateway: null, error: null, dst }));
    const r = await enterNamespace(view, view.plan.servicePorts.find((s) => s.portId === qg.id)!, toFloating);
    assert.equal(r.kind, 'forward');
  });
});

describe('the reply of a traced connection', () => {
  const router = 'qrouter-3a9566e2-2fa2-4e22-b92c-0fd29db53bfe';
  const snat = {
    host: 'network',
    netns: router,
    before: { src: '10.0.0.2', dst: '203.0.113.1' },
    after: { src: '203.0.113.10', dst: '203.0.113.1' },
  };

  it('passes the router back through conntrack: the SNAT undone, the nat table not read again', async () => {
    const qrDevice = havanaView('network').plan.servicePorts.find((s) => s.portId === qr.id)!.device;
    const looked: string[] = [];
    const view = havanaView('network', (dst) => {
      looked.push(dst);
      return { type: 'unicast', dev: qrDevice, gateway: null, error: null };
    });
    const into = view.plan.servicePorts.find((s) => s.portId === qg.id)!;
    const reply = icmp({
      src: '203.0.113.1',
      dst: '203.0.113.10',
      srcMac: 'd6:5d:d2:8b:52:93',
      dstMac: qg.mac_address,
      reply: { conntrack: [snat] },
    });
    const r = await enterNamespace(view, into, reply);
    assert.equal(r.kind, 'forward');
    if (r.kind !== 'forward') return;
    assert.deepEqual([r.packet.src, r.packet.dst, r.packet.dstMac], ['203.0.113.1', '10.0.0.2', vm2.mac_address]);
    assert.deepEqual(looked, ['10.0.0.2'], 'the route is looked up for the address conntrack gives back');
    assert.match(
      r.hop.says,
      /routes the reply to 10\.0\.0\.2 out of qr-.*\(conntrack: destination 203\.0\.113\.10 → 10\.0\.0\.2\)/,
    );
    assert.ok(!r.hop.evidence.some((e) => e.kind === 'rule' && e.table === 'nat'), 'no nat rule is evaluated for a reply');
  });

  it('lets the reply into the instance as ESTABLISHED, where no rule would let the packet in as new', async () => {
    // tcp/80 from outside: vm3's groups allow no such new connection, but its reply state passes.
    const syn = icmp({ protocol: 'tcp', src: '203.0.113.1', srcMac: null, sport: 40000, dport: 80 });
    assert.equal((await filterPort(havanaView('compute'), vm3.id, 'ingress', syn)).dropped?.code, 'ingress-rules');
    const synAck = { ...syn, reply: { conntrack: [] } };
    assert.equal((await filterPort(havanaView('compute'), vm3.id, 'ingress', synAck)).dropped, null);
  });

  it('records what each router did to the first packet, for its reply', async () => {
    const routes = () => ({ type: 'unicast', dev: 'qg-d8aaac23-67', gateway: null, error: null });
    const p = icmp({ dst: '203.0.113.1', dstMac: qr.mac_address });
    const t = await walkHost(havanaView('network', routes), { at: 'tunnel', fromIp: '198.18.1.12', key: 2, type: 'gre' }, p);
    assert.deepEqual(t.conntrack, [snat]);
  });
});

describe('filterPort', () => {
  it('names the groups when no ingress rule matches, and lists the rules that did not match', async () => {
    const p = icmp({ protocol: 'tcp', src: '203.0.113.1', srcMac: null, sport: 40000, dport: 80 });
    const f = await filterPort(havanaView('compute'), vm3.id, 'ingress', p);
    assert.equal(f.dropped?.code, 'ingress-rules');
    assert.deepEqual(f.dropped?.refs, [
      { kind: 'security_group', id: '190a44a2-ca5b-4f83-98a6-7c6c6052dc3a' },
      { kind: 'port', id: vm3.id },
    ]);
    const misses = f.hop.evidence.filter((e) => e.kind === 'rule' && !e.matched);
    assert.deepEqual(
      misses.map((e) => e.kind === 'rule' && [e.chain, e.refs[0]?.kind, e.refs[0]?.id.slice(0, 8)]),
      [
        ['quark-fw-gi190a44a2-c', 'security_group_rule', '0664f495'],
        ['quark-fw-gi190a44a2-c', 'security_group_rule', '356923d5'],
        ['quark-fw-gi190a44a2-c', 'security_group_rule', '9183198e'],
      ],
    );
    assert.deepEqual(
      misses.map((e) => e.says),
      [
        'security group default (190a44a2) allows ingress IPv4 icmp from anywhere (rule 0664f495)',
        'security group default (190a44a2) allows ingress IPv4 any protocol from members of security group default (190a44a2) (rule 356923d5)',
        'security group default (190a44a2) allows ingress IPv4 tcp/22 from anywhere (rule 9183198e)',
      ],
    );
  });
});
