import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { reportAgentState } from '../plugin/agents.js';
import { router } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

// The L3 agents' metering reports add up per label and router, in the API and in /metrics.
describe('metering counters', () => {
  let s: TestServer;
  let r: string;
  let own: string;
  let shared: string;
  let bobs: string;
  before(async () => {
    s = await testServer();
    for (const host of ['network1', 'network2']) {
      await s.store.write((tx) =>
        reportAgentState(tx, { agent_type: 'L3 agent', host, binary: 'quark-agent', topic: 'q', configurations: {} }),
      );
    }
    r = (await router(s, ALICE)).id;
    const label = async (body: Record<string, unknown>) =>
      (await s.post('/v2.0/metering/metering-labels', { metering_label: body }, ADMIN)).metering_label.id as string;
    own = await label({ project_id: 'alice' });
    shared = await label({ project_id: 'admin-project', shared: true });
    bobs = await label({ project_id: 'bob' });
  });
  after(() => s.close());

  /** The host whose L3 agent serves the router (the scheduler's choice). */
  const servingHost = async () => {
    const agents = (await s.get(`/v2.0/routers/${r}/l3-agents`, ADMIN)).agents;
    return agents[0].host as string;
  };
  const report = (host: string, counters: unknown) => s.request('POST', '/v2.0/quark/metering/report', { host, counters }, ADMIN);

  it('adds each report to the label’s counter on the router, and shows it to admins and in /metrics', async () => {
    const host = await servingHost();
    await report(host, [
      { label_id: own, router_id: r, pkts: 10, bytes: 1500 },
      { label_id: shared, router_id: r, pkts: 1, bytes: 84 },
    ]);
    const again = await report(host, [{ label_id: own, router_id: r, pkts: 5, bytes: 500 }]);
    assert.equal(again.body.recorded, 1);
    const { metering_counters } = await s.get(`/v2.0/quark/metering/counters?label_id=${own}`, ADMIN);
    assert.equal(metering_counters.length, 1);
    const c = metering_counters[0];
    assert.deepEqual([c.router_id, c.project_id, c.host, c.pkts, c.bytes], [r, 'alice', host, 15, 2000]);
    assert.ok(c.first_update <= c.last_update);
    assert.deepEqual((await s.get('/v2.0/quark/metering/counters', ALICE)).metering_counters, [], 'metering is the admin’s');
    const metrics = (await s.quark.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(
      metrics,
      new RegExp(`quark_metering_label_bytes_total\\{label_id="${own}",router_id="${r}",project_id="alice"\\} 2000`),
    );
    assert.match(
      metrics,
      new RegExp(`quark_metering_label_packets_total\\{label_id="${shared}",router_id="${r}",project_id="admin-project"\\} 1`),
    );
  });

  it('leaves out what the host may not report: another host’s router, a label that does not count there', async () => {
    const host = await servingHost();
    const other = host === 'network1' ? 'network2' : 'network1';
    assert.equal((await report(other, [{ label_id: own, router_id: r, pkts: 1, bytes: 1 }])).body.recorded, 0);
    assert.equal((await report(host, [{ label_id: bobs, router_id: r, pkts: 1, bytes: 1 }])).body.recorded, 0);
    assert.equal((await report('nohost', [{ label_id: own, router_id: r, pkts: 1, bytes: 1 }])).body.recorded, 0);
    assert.equal((await report(host, [{ label_id: own, router_id: r, pkts: -1, bytes: 1 }])).status, 400);
    assert.equal((await s.request('POST', '/v2.0/quark/metering/report', { host, counters: [] }, BOB)).status, 403);
  });

  it('forgets a label’s counts with the label', async () => {
    await report(await servingHost(), [{ label_id: shared, router_id: r, pkts: 1, bytes: 1 }]);
    await s.del(`/v2.0/metering/metering-labels/${shared}`, ADMIN);
    assert.deepEqual((await s.get(`/v2.0/quark/metering/counters?label_id=${shared}`, ADMIN)).metering_counters, []);
  });
});
