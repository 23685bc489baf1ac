/**
 * An agent that resumes on another server (here: a second application on the same store, which
 * has no session of the host, as after a failover or a restart) gets what changed in its scope
 * from the change log, not a snapshot, and ends with exactly the replica a snapshot would give:
 * records that entered the scope without changing themselves, records that left it, records
 * changed in and out of it, the DHCP networks it serves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type QuarkApp, buildApp } from '../app.js';
import { Store } from '../../store/store.js';
import { reportAgentState } from '../plugin/agents.js';
import { addInterface, externalNetwork, projectNetwork, router } from '../testing/fixtures.js';
import { FeedReader } from '../testing/feed-reader.js';
import { ADMIN, ALICE, type TestServer, testServer } from '../testing/harness.js';

describe('feed resume from the change log', () => {
  let s: TestServer;
  let other: QuarkApp;
  let url: string;
  let otherUrl: string;
  before(async () => {
    s = await testServer({ feedHeartbeat: 1 });
    url = await s.quark.app.listen({ host: '127.0.0.1', port: 0 });
    other = await buildApp({ config: s.config, store: s.store });
    otherUrl = await other.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await other?.app.close();
    await s?.close();
  });

  const report = (host: string, agent_type: string) =>
    s.request('POST', '/v2.0/quark/agents/report', {
      agent: {
        host,
        agent_type,
        binary: 'quark-agent',
        configurations: { tunneling_ip: '198.18.1.9', tunnel_types: ['gre'] },
        start_flag: true,
      },
    });

  it('sends the difference, never a snapshot, and the agent ends where a snapshot would put it', async () => {
    for (const type of ['Open vSwitch agent', 'DHCP agent', 'L3 agent']) await report('node1', type);
    const ext = await externalNetwork(s);
    const a = await projectNetwork(s, ALICE, '10.1.0.0/24', 'a');
    const b = await projectNetwork(s, ALICE, '10.2.0.0/24', 'b');
    const c = await projectNetwork(s, ALICE, '10.3.0.0/24', 'c');
    const sg = (await s.post('/v2.0/security-groups', { security_group: { name: 'web' } }, ALICE)).security_group;
    const remote = (await s.post('/v2.0/security-groups', { security_group: { name: 'db' } }, ALICE)).security_group;
    const member = (
      await s.post('/v2.0/ports', { port: { network_id: c.network, security_groups: [remote.id], name: 'db1' } }, ALICE)
    ).port;
    const vm = (
      await s.post(
        '/v2.0/ports',
        { port: { network_id: a.network, 'binding:host_id': 'node1', security_groups: [sg.id], name: 'vm' } },
        ADMIN,
      )
    ).port;
    const first = new FeedReader(url, 'host=node1&roles=l2,dhcp,l3&since=0');
    await first.until((ms) => ms.length > 0);
    first.close();
    await first.done;
    const had = first.replica();
    assert.ok(had.records.has(`network ${a.network}`));

    // While the agent is away: its port moves to network b (a leaves the scope, b enters with
    // its unchanged subnet and ports), its group gets a rule naming a remote group (whose
    // member port, unchanged, enters), a router with interfaces comes, network c's subnet
    // loses DHCP, and something outside the scope changes too.
    await s.put(`/v2.0/ports/${vm.id}`, { port: { 'binding:host_id': '' } }, ADMIN);
    await s.post('/v2.0/ports', { port: { network_id: b.network, 'binding:host_id': 'node1', security_groups: [sg.id] } }, ADMIN);
    await s.post(
      '/v2.0/security-group-rules',
      { security_group_rule: { security_group_id: sg.id, direction: 'ingress', remote_group_id: remote.id } },
      ALICE,
    );
    const r = await router(s, ALICE, ext.network);
    await addInterface(s, ALICE, r.id, { subnet_id: c.subnet });
    await s.put(`/v2.0/subnets/${a.subnet}`, { subnet: { enable_dhcp: false } }, ALICE);
    await s.post('/v2.0/networks', { network: { name: 'elsewhere' } }, ALICE);

    const resumed = new FeedReader(otherUrl, `host=node1&roles=l2,dhcp,l3&since=${had.revision}`);
    await resumed.until((ms) => ms.length > 0);
    assert.equal(resumed.messages[0]!.type, 'changes', 'resumed from the change log');
    const after = resumed.replica(had);
    resumed.close();
    const snapshot = new FeedReader(otherUrl, 'host=node1&roles=l2,dhcp,l3&since=0');
    await snapshot.until((ms) => ms.length > 0);
    snapshot.close();
    const truth = snapshot.replica();
    assert.equal(after.revision, truth.revision);
    assert.deepEqual([...after.records.keys()].sort(), [...truth.records.keys()].sort());
    for (const [key, record] of truth.records) assert.deepEqual(after.records.get(key), record, key);
    assert.deepEqual([...(after.dhcpNetworks ?? [])].sort(), [...(truth.dhcpNetworks ?? [])].sort());
    assert.ok(after.records.has(`port ${member.id}`), 'the remote group member entered unchanged');
    assert.ok(!after.records.has(`network ${a.network}`), 'network a left');
    const sent = resumed.messages[0]!.type === 'changes' ? resumed.messages[0]!.changes.length : 0;
    assert.ok(sent < truth.records.size, `the difference (${sent}) is smaller than the scope (${truth.records.size})`);
  });

  it('starts over with a snapshot when the log no longer reaches back', async () => {
    const kept = new FeedReader(otherUrl, 'host=node1&roles=l2&since=1');
    await kept.until((ms) => ms.length > 0);
    kept.close();
    assert.equal(kept.messages[0]!.type, 'changes', 'revision 1 is still in the log: a resume');
    // 1,000 writes prune the log down to the last 100 revisions (changeLogRetention).
    const store = await Store.open({ url: ':memory:', changeLogRetention: 100 });
    const small = await buildApp({ config: s.config, store });
    try {
      const smallUrl = await small.app.listen({ host: '127.0.0.1', port: 0 });
      for (let i = 0; i < 1001; i++)
        await store.write((tx) =>
          reportAgentState(tx, { agent_type: 'L3 agent', host: 'node1', binary: 'b', topic: 't', configurations: { i } }),
        );
      await new Promise((r) => setTimeout(r, 100));
      const pruned = new FeedReader(smallUrl, 'host=node1&roles=l2&since=2');
      await pruned.until((ms) => ms.length > 0);
      pruned.close();
      assert.equal(pruned.messages[0]!.type, 'snapshot');
      const recent = new FeedReader(smallUrl, `host=node1&roles=l2&since=${store.revision - 10}`);
      await recent.until((ms) => ms.length > 0);
      recent.close();
      assert.equal(recent.messages[0]!.type, 'changes');
    } finally {
      await small.app.close();
      await store.close();
    }
  });
});
