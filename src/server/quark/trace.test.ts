import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linuxBridgeAgent } from '../../dataplane/testing/fixtures.js';
import type { AgentQuery } from '../../model/feed.js';
import type { Agent, Network } from '../../model/resources.js';
import { QuarkError } from '../../model/errors.js';
import type { ProbeResult } from '../../model/trace.js';
import type { Kind } from '../../store/kinds.js';
import { MemoryView } from '../../store/view.js';
import { HAVANA_PORTS, HAVANA_REPLICA, havanaView } from '../../trace/testing/havana.js';
import { walkHost } from '../../trace/walk.js';
import type { AgentAsker } from './broker.js';
import { Names } from './names.js';
import { trace } from './trace.js';
import { dropVerdict } from './verdict.js';

/** The store as the havana lab run had it (or, `linuxBridge`, with its tenant networks on VXLAN and Linux bridge agents). */
function havanaStore(linuxBridge = false): MemoryView {
  const view = new MemoryView();
  const r = HAVANA_REPLICA;
  const vxlan = (n: Network): Network => (n['provider:network_type'] === 'gre' ? { ...n, 'provider:network_type': 'vxlan' } : n);
  const agentsOf = (a: Agent): Agent =>
    linuxBridgeAgent(a.host, a.configurations.tunneling_ip as string, a.host === 'network' ? { physnet1: 'eth2' } : {});
  const tables: [Kind, ReadonlyMap<string, unknown>][] = [
    ['network', linuxBridge ? new Map([...r.networks].map(([id, n]) => [id, vxlan(n)])) : r.networks],
    ['subnet', r.subnets],
    ['port', r.ports],
    ['router', r.routers],
    ['floatingip', r.floatingips],
    ['security_group', r.securityGroups],
    ['security_group_rule', r.securityGroupRules],
    ['agent', linuxBridge ? new Map([...r.agents].map(([id, a]) => [id, agentsOf(a)])) : r.agents],
  ];
  view.apply(
    tables.flatMap(([kind, m]) => [...m].map(([id, record]) => ({ kind, id, op: 'put' as const, record: record as never }))),
    1,
  );
  return view;
}

/** Agents answering in-process from the saved host outputs; the router routes everything out of its gateway. */
function agents(asked: string[] = []): AgentAsker {
  const routes = () => ({ type: 'unicast', dev: 'qg-d8aaac23-67', gateway: null, error: null });
  return {
    hosts: () => ['compute', 'network'],
    async ask<T>(host: string, q: AgentQuery): Promise<T> {
      asked.push(`${host} ${q.kind}`);
      if (q.kind === 'trace') return (await walkHost(havanaView(host as 'compute', routes), q.start, q.packet)) as T;
      if (q.kind === 'probe') return { sent: true, answered: true, answeredBy: null, says: 'echo reply' } as ProbeResult as T;
      throw new Error('not in this test');
    },
  };
}

// The saved host outputs hold the first packets only: these tests walk no reply on them.
const icmp = { protocol: 'icmp' as const, port: null, probe: false, reply: false };

describe('trace (server)', () => {
  it('follows vm2 to the internet across the tunnel to the network node, through the router and out, SNATed', async () => {
    const asked: string[] = [];
    const t = await trace(agents(asked), havanaStore(), { ...icmp, from: 'vm2', to: '203.0.113.1' });
    assert.deepEqual(asked, ['compute trace', 'network trace']);
    assert.equal(t.verdict.result, 'left');
    assert.match(
      t.verdict.says,
      /through eth2 of br-ex on host network with source 203\.0\.113\.10 \(SNAT; sent as 10\.0\.0\.2\)/,
    );
    assert.equal(t.final?.src, '203.0.113.10');
    assert.deepEqual(
      t.hops.map((h) => `${h.host} ${h.where}`),
      [
        'compute iptables filter FORWARD on qbr270c41a8-db',
        'compute br-int',
        'compute br-tun',
        'network br-tun',
        'network br-int',
        'network qrouter-3a9566e2-2fa2-4e22-b92c-0fd29db53bfe',
        'network br-int',
        'network br-ex',
      ],
    );
    assert.equal(t.names[`router:${HAVANA_PORTS.qr.device_id}`], 'router test1-router (3a9566e2) of project test1');
  });

  it('delivers vm2 → vm3 on their host, and sends the probe from vm2 when asked', async () => {
    const t = await trace(agents(), havanaStore(), { ...icmp, from: HAVANA_PORTS.vm2.id, to: 'vm3', probe: true });
    assert.equal(t.verdict.result, 'delivered');
    assert.deepEqual(t.verdict.refs, [{ kind: 'port', id: HAVANA_PORTS.vm3.id }]);
    assert.equal(t.probe?.answered, true);
  });

  it('says why without asking any host when the intent has no path', async () => {
    const asked: string[] = [];
    const noRouter = await trace(agents(asked), havanaStore(), { ...icmp, from: 'vm1', to: '203.0.113.1' });
    assert.equal(noRouter.verdict.result, 'unreachable');
    assert.match(
      noRouter.verdict.says,
      /^no router: subnet test-subnet \(b92ae354\) of project p1 has gateway 10\.0\.0\.1, but no router has an interface on it/,
    );
    const isolated = await trace(agents(asked), havanaStore(), { ...icmp, from: '203.0.113.1', to: 'vm1' });
    assert.equal(isolated.verdict.result, 'unreachable');
    assert.match(
      isolated.verdict.says,
      /through a floating IP \(it has none\), or through its router's gateway \(no router with a gateway serves it\)/,
    );
    assert.deepEqual(asked, []);
  });

  it('says so when the destination’s address is the source’s own on its network (tenants reuse addresses)', async () => {
    const asked: string[] = [];
    const t = await trace(agents(asked), havanaStore(), { ...icmp, from: 'vm1', to: 'vm3' });
    assert.equal(t.verdict.result, 'unreachable');
    assert.match(
      t.verdict.says,
      /^port vm1 .* holds 10\.0\.0\.3 itself on network test-net .*so the packet never leaves it; port vm3 .* is on network test1-net .*no router can join/,
    );
    assert.deepEqual(asked, []);
    const probed = await trace(agents(), havanaStore(), { ...icmp, from: 'vm1', to: 'vm3', probe: true });
    assert.match(probed.probe?.says ?? '', /echo reply, but answered by port vm1 .* itself, not by port vm3/);
  });

  it('resolves a fixed IP that two tenants share on the source’s network, and refuses it without a source to tell', async () => {
    const t = await trace(agents(), havanaStore(), { ...icmp, from: 'vm2', to: '10.0.0.3' });
    assert.equal(t.to.portId, HAVANA_PORTS.vm3.id);
    await assert.rejects(trace(agents(), havanaStore(), { ...icmp, from: '10.0.0.3', to: 'vm2' }), /matches several ports/);
  });

  it('needs a destination port for TCP and UDP', async () => {
    await assert.rejects(
      trace(agents(), havanaStore(), { ...icmp, protocol: 'tcp', from: 'vm2', to: 'vm3' }),
      /needs a destination port/,
    );
  });
});

/** Agents none of which can be asked: every host is walked by the server's intent. */
const noAgents = (): AgentAsker => ({
  hosts: () => [],
  ask: () => Promise.reject(new Error('not connected')),
});

describe('trace (server) by the intent, for hosts whose agent cannot be asked', () => {
  it('follows vm2 to the internet and its reply back, marked as not read live, with the SNAT undone on the way back', async () => {
    const t = await trace(noAgents(), havanaStore(), { ...icmp, reply: true, from: 'vm2', to: '203.0.113.1' });
    assert.equal(t.verdict.result, 'left');
    assert.deepEqual(t.notLive, ['compute', 'network']);
    assert.ok(t.hops.every((h) => h.intent === true));
    assert.match(t.verdict.says, /not read live on host compute, network/);
    assert.equal(t.final?.src, '203.0.113.10');
    assert.match(
      t.hops.find((h) => h.host === 'network' && h.where.startsWith('qrouter-'))?.says ?? '',
      /^router test1-router \(3a9566e2\) of project test1 routes 203\.0\.113\.1 out of .*d8aaac23.* \(SNAT 10\.0\.0\.2 → 203\.0\.113\.10\)$/,
    );
    assert.equal(t.reply?.verdict.result, 'delivered');
    assert.match(
      t.reply?.verdict.says ?? '',
      /^the reply: delivered to port vm2 .* \(203\.0\.113\.1 → 10\.0\.0\.2, icmp echo reply\)/,
    );
    assert.ok(
      t.reply?.hops.some((h) => /conntrack: 203\.0\.113\.1 → 203\.0\.113\.10 back to 203\.0\.113\.1 → 10\.0\.0\.2/.test(h.says)),
    );
  });

  it('judges security groups from the intent: the floating IP lets in what vm3’s group allows, and names the group otherwise', async () => {
    const ssh = await trace(noAgents(), havanaStore(), {
      ...icmp,
      reply: true,
      protocol: 'tcp',
      port: 22,
      from: '203.0.113.1',
      to: '203.0.113.11',
    });
    assert.equal(ssh.verdict.result, 'delivered');
    assert.match(
      ssh.hops.find((h) => h.where.startsWith('iptables'))?.says ?? '',
      /allowed by rule 9183198e of security group `default` \(project test1\)/,
    );
    assert.equal(ssh.reply?.verdict.result, 'left');
    assert.match(ssh.reply?.verdict.says ?? '', /with source 203\.0\.113\.11/);
    const web = await trace(noAgents(), havanaStore(), {
      ...icmp,
      protocol: 'tcp',
      port: 80,
      from: '203.0.113.1',
      to: '203.0.113.11',
    });
    assert.equal(web.verdict.result, 'dropped');
    assert.match(
      web.verdict.says,
      /^no ingress rule of security group `default` \(project test1\) allows tcp\/80 from 203\.0\.113\.1 to port vm3/,
    );
    assert.equal(web.reply, null);
  });

  it('names the devices of Linux bridge hosts: the network’s bridge and VXLAN device', async () => {
    const t = await trace(noAgents(), havanaStore(true), { ...icmp, from: 'vm2', to: '203.0.113.1' });
    assert.equal(t.verdict.result, 'left');
    assert.deepEqual(
      t.hops.map((h) => `${h.host} ${h.where}`),
      [
        'compute host',
        'compute iptables',
        'compute vxlan-2',
        'network host',
        'network brqb4c355d9-1f',
        'network qrouter-3a9566e2-2fa2-4e22-b92c-0fd29db53bfe',
      ],
    );
    assert.match(t.verdict.says, /^left the cloud through the physical network of brqdb8c079d-8b on host network/);
  });

  it('takes a host whose agent does not answer in time for one whose agent is not connected', async () => {
    const late: AgentAsker = {
      hosts: () => ['compute', 'network'],
      ask: (host) => Promise.reject(new QuarkError('AgentUnavailable', `The agent on host ${host} did not answer within 30 s.`)),
    };
    const t = await trace(late, havanaStore(), { ...icmp, from: 'vm2', to: 'vm3', probe: true });
    assert.equal(t.verdict.result, 'delivered');
    assert.match(t.hops[0]!.says, /^not read live \(The agent on host compute did not answer within 30 s\)/);
    assert.equal(t.probe?.sent, false);
  });

  it('delivers from outside to a fixed address behind a router, assuming the sender routes its subnet there', async () => {
    const t = await trace(noAgents(), havanaStore(), { ...icmp, reply: true, from: '203.0.113.1', to: 'vm2' });
    assert.equal(t.verdict.result, 'delivered');
    assert.deepEqual(t.verdict.assumes, {
      says: 'the sender routes 10.0.0.0/24 via 203.0.113.10, the gateway of router test1-router (3a9566e2) of project test1 (the cloud announces no such route)',
      destination: '10.0.0.0/24',
      via: '203.0.113.10',
    });
    assert.equal(t.final?.dst, '10.0.0.2', 'no NAT on the way in');
    assert.equal(t.reply?.verdict.result, 'left');
    assert.equal(
      t.reply?.final?.src,
      '10.0.0.2',
      'the reply keeps its source: conntrack has no NAT to undo, and no SNAT is decided for it',
    );
  });

  it('walks a stateless group’s reply by its rules: without an egress rule the request arrives and its reply does not', async () => {
    const view = havanaStore();
    const group = view.get('security_group', '190a44a2-ca5b-4f83-98a6-7c6c6052dc3a')!;
    const egress = view.get('security_group_rule', '84e7e899-c14b-4611-b3c1-8ee9deb3c255')!;
    view.apply(
      [
        { kind: 'security_group', id: group.id, op: 'put', record: { ...group, stateful: false } },
        { kind: 'security_group_rule', id: egress.id, op: 'delete', record: egress },
      ],
      2,
    );
    const t = await trace(noAgents(), view, {
      ...icmp,
      reply: true,
      protocol: 'tcp',
      port: 22,
      from: '203.0.113.1',
      to: '203.0.113.11',
    });
    assert.equal(t.verdict.result, 'delivered');
    assert.equal(t.reply?.verdict.result, 'dropped');
    assert.match(
      t.reply?.verdict.says ?? '',
      /^the reply: no egress rule of security group `default` \(project test1\) allows tcp\/22 reply to 203\.0\.113\.1 from port vm3/,
    );
  });

  it('says a floating IP that points nowhere is unreachable, naming it, from outside and from inside', async () => {
    const view = havanaStore();
    const spare = {
      ...view.get('floatingip', '32080075-9cbb-4b2b-b0d6-b10486bafb0e')!,
      id: 'a1b2c3d4-0000-4000-8000-000000000001',
      floating_ip_address: '203.0.113.12',
      port_id: null,
      fixed_ip_address: null,
      router_id: null,
    };
    view.apply([{ kind: 'floatingip', id: spare.id, op: 'put', record: spare }], 2);
    const outside = await trace(noAgents(), view, { ...icmp, from: '203.0.113.1', to: '203.0.113.12' });
    assert.equal(outside.verdict.result, 'unreachable');
    assert.match(
      outside.verdict.says,
      /^floatingip 203\.0\.113\.12 \(a1b2c3d4\) .*is not associated with any port: nothing answers for 203\.0\.113\.12/,
    );
    assert.deepEqual(outside.verdict.refs, [{ kind: 'floatingip', id: spare.id }]);
    const inside = await trace(noAgents(), view, { ...icmp, from: 'vm2', to: '203.0.113.12' });
    assert.equal(inside.verdict.result, 'unreachable');
    assert.match(inside.verdict.says, /towards floatingip 203\.0\.113\.12 .*which is not associated with any port/);
  });
});

describe('dropVerdict', () => {
  it('names the security group and its project when no ingress rule allows the traffic', () => {
    const names = new Names(havanaStore());
    const cause = {
      code: 'ingress-rules' as const,
      refs: [
        { kind: 'security_group' as const, id: '190a44a2-ca5b-4f83-98a6-7c6c6052dc3a' },
        { kind: 'port' as const, id: HAVANA_PORTS.vm3.id },
      ],
      says: '',
    };
    const packet = {
      protocol: 'tcp' as const,
      src: '203.0.113.1',
      dst: '10.0.0.3',
      srcMac: null,
      dstMac: null,
      sport: 40000,
      dport: 80,
      ttl: 63,
    };
    const v = dropVerdict(names, cause, packet, 'compute');
    assert.equal(
      v.says,
      'no ingress rule of security group `default` (project test1) allows tcp/80 from 203.0.113.1 to port vm3 (5c87b7a3) of project test1 (on host compute)',
    );
  });
});
