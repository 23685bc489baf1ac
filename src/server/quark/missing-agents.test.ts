import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentQuery } from '../../model/feed.js';
import type { ProbeResult } from '../../model/trace.js';
import { QuarkError } from '../../model/errors.js';
import type { Kind } from '../../store/kinds.js';
import { MemoryView } from '../../store/view.js';
import { HAVANA_PORTS, HAVANA_REPLICA, havanaView } from '../../trace/testing/havana.js';
import { walkHost } from '../../trace/walk.js';
import type { AgentAsker } from './broker.js';
import { explainHost, explainObject } from './explain.js';
import { trace } from './trace.js';

/** The store as the havana lab run had it; `change` edits records first (e.g. unbind a port). */
function havanaStore(change: (kind: Kind, record: Record<string, unknown>) => Record<string, unknown> = (_, r) => r): MemoryView {
  const view = new MemoryView();
  const r = HAVANA_REPLICA;
  const tables: [Kind, ReadonlyMap<string, unknown>][] = [
    ['network', r.networks],
    ['subnet', r.subnets],
    ['port', r.ports],
    ['router', r.routers],
    ['floatingip', r.floatingips],
    ['security_group', r.securityGroups],
    ['security_group_rule', r.securityGroupRules],
    ['agent', r.agents],
  ];
  view.apply(
    tables.flatMap(([kind, m]) =>
      [...m].map(([id, record]) => ({
        kind,
        id,
        op: 'put' as const,
        record: change(kind, record as Record<string, unknown>) as never,
      })),
    ),
    1,
  );
  return view;
}

/** Agents of `connected` hosts answering from the saved host outputs; the rest are not connected. */
function agents(connected: string[], asked: string[] = []): AgentAsker {
  const routes = () => ({ type: 'unicast', dev: 'qg-d8aaac23-67', gateway: null, error: null });
  return {
    hosts: () => connected,
    async ask<T>(host: string, q: AgentQuery): Promise<T> {
      asked.push(`${host} ${q.kind}`);
      if (!connected.includes(host))
        throw new QuarkError('AgentUnavailable', `No agent of host ${host} is connected to any server.`);
      if (q.kind === 'trace') return (await walkHost(havanaView(host as 'compute', routes), q.start, q.packet)) as T;
      if (q.kind === 'explain') return { host, roles: ['l2'], items: [] } as T;
      return { sent: true, answered: true, answeredBy: null, says: 'echo reply' } as ProbeResult as T;
    },
  };
}

// The saved host outputs hold the first packets only: no reply is walked on them.
const icmp = { protocol: 'icmp' as const, port: null, probe: false, reply: false };

describe('explain without the agents it needs', () => {
  it('names the l2 agent of the host a port is bound to, and what the API says of the port', async () => {
    const x = await explainObject(agents([]), havanaStore(), 'port', 'vm3');
    assert.equal(x.hosts.length, 0);
    assert.equal(x.missing.length, 1);
    const [m] = x.missing;
    assert.equal(m!.host, 'compute');
    assert.equal(m!.role, 'l2');
    assert.match(m!.for, /^port vm3 \(/);
    assert.match(
      m!.reason,
      /^no agent of host compute is connected to any server \(its Open vSwitch agent last reported at .* UTC\)/,
    );
    assert.match(x.intent[0]!, /^port vm3 \(.*\) of project test1: bound to host compute \(vif_type ovs\), status DOWN/);
    assert.match(x.intent[1]!, /^10\.0\.0\.3 \(MAC fa:16:3e:.*\) on network test1-net/);
  });

  it('names every host and role a network needs: its ports’ l2 agents and its DHCP agent', async () => {
    const x = await explainObject(agents(['network']), havanaStore(), 'network', 'test1-net');
    assert.deepEqual(
      x.missing.map((m) => `${m.role}@${m.host}`),
      ['l2@compute'],
      'the network node is connected; the compute node, where the instances are, is not',
    );
    const none = await explainObject(agents([]), havanaStore(), 'network', 'test1-net');
    assert.deepEqual(none.missing.map((m) => `${m.role}@${m.host}`).sort(), ['dhcp@network', 'l2@compute']);
    assert.match(none.missing.find((m) => m.role === 'dhcp')!.reason, /no DHCP agent has ever reported from host network/);
  });

  it('says no L3 agent hosts a router whose ports are bound nowhere', async () => {
    const unbound = havanaStore((kind, r) =>
      kind === 'port' && String(r.device_owner).startsWith('network:router') ? { ...r, 'binding:host_id': '' } : r,
    );
    const x = await explainObject(agents(['compute', 'network']), unbound, 'router', 'test1-router');
    assert.deepEqual(x.missing, [
      {
        host: '',
        role: 'l3',
        for: 'router test1-router (3a9566e2) of project test1',
        reason: 'its ports are bound to no host: no L3 agent hosts it (is one alive? GET /v2.0/agents)',
      },
    ]);
  });

  it('is complete when every agent the object needs answered', async () => {
    const x = await explainObject(agents(['compute', 'network']), havanaStore(), 'floatingip', '203.0.113.11');
    assert.deepEqual(x.missing, []);
  });

  it('answers 404 for a host no agent ever reported from, and what the API knows of a known one', async () => {
    await assert.rejects(explainHost(agents([]), havanaStore(), 'nosuch'), (e: QuarkError) => {
      assert.equal(e.code, 'AgentNotFound');
      assert.equal(e.message, 'No agent has reported from a host named nosuch (hosts with agents: compute, network).');
      return true;
    });
    const x = await explainHost(agents([]), havanaStore(), 'compute');
    assert.equal(x.missing.length, 1);
    assert.match(x.missing[0]!.reason, /no agent of host compute is connected/);
    assert.match(x.intent[0]!, /^host compute: agents Open vSwitch agent \(last report .* UTC\)/);
    assert.equal(x.intent[1], 'bound here: 3 instance port(s), 0 DHCP port(s), 0 port(s) of 0 router(s)');
  });
});

describe('trace without the agents it needs', () => {
  it('walks a host whose agent is not connected from the intent, says so, and keeps the hops read live', async () => {
    const none = await trace(agents([]), havanaStore(), { ...icmp, from: 'vm2', to: '203.0.113.1' });
    assert.equal(none.verdict.result, 'left');
    assert.deepEqual(none.notLive, ['compute', 'network']);
    assert.match(
      none.hops[0]!.says,
      /^not read live \(no agent of host compute is connected to any server \(its Open vSwitch agent last reported at .* UTC\); quark-agent there must run and reach a server\)/,
    );
    const asked: string[] = [];
    const half = await trace(agents(['compute'], asked), havanaStore(), { ...icmp, from: 'vm2', to: '203.0.113.1' });
    assert.deepEqual(asked, ['compute trace']);
    assert.ok(half.hops.some((h) => h.host === 'compute' && !h.intent));
    assert.ok(half.hops.filter((h) => h.host === 'network').every((h) => h.intent));
    assert.deepEqual(half.notLive, ['network']);
    assert.match(half.verdict.says, /\(not read live on host network: its agent is not connected/);
  });

  it('stops INCOMPLETE at a host no agent ever reported from (nothing was applied there)', async () => {
    // The router's ports are bound to a host where no agent has ever run.
    const moved = havanaStore((kind, r) =>
      kind === 'port' && (r.id === HAVANA_PORTS.qg.id || r.id === HAVANA_PORTS.qr.id)
        ? { ...r, 'binding:host_id': 'network9' }
        : r,
    );
    const t = await trace(agents(['compute', 'network']), moved, { ...icmp, from: '203.0.113.1', to: '203.0.113.11' });
    assert.equal(t.verdict.result, 'incomplete');
    assert.deepEqual(t.hops, []);
    assert.match(
      t.verdict.says,
      /^the packet cannot be followed on host network9, which answers for 203\.0\.113\.11 on physical network physnet1: no agent of host network9 is connected to any server \(no Open vSwitch agent or Linux bridge agent has ever reported from host network9\)/,
    );
  });

  it('does not send a probe from a host whose agent is not connected', async () => {
    const t = await trace(agents([]), havanaStore(), { ...icmp, from: 'vm2', to: 'vm3', probe: true });
    assert.deepEqual(t.probe, {
      sent: false,
      answered: false,
      answeredBy: null,
      says: 'not sent: no agent of host compute is connected to any server',
    });
  });

  it('says a floating IP is unreachable when its router is hosted nowhere, instead of asking a host with no name', async () => {
    const unbound = havanaStore((kind, r) =>
      kind === 'port' && r.id === HAVANA_PORTS.qg.id ? { ...r, 'binding:host_id': '' } : r,
    );
    const t = await trace(agents(['compute', 'network']), unbound, { ...icmp, from: '203.0.113.1', to: '203.0.113.11' });
    assert.equal(t.verdict.result, 'unreachable');
    assert.match(
      t.verdict.says,
      /^router test1-router \(3a9566e2\) of project test1 is hosted nowhere: its gateway port is bound to no host/,
    );
  });
});
