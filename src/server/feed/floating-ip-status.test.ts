import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addInterface, externalNetwork, projectNetwork, router } from '../testing/fixtures.js';
import { ADMIN, ALICE, type TestServer, testServer } from '../testing/harness.js';

describe('POST /v2.0/quark/floatingips/status', () => {
  let s: TestServer;
  let fipId: string;
  before(async () => {
    s = await testServer();
    const ext = await externalNetwork(s);
    const net = await projectNetwork(s, ALICE, '10.0.0.0/24');
    const routerId = (await router(s, ALICE, ext.network)).id;
    await addInterface(s, ALICE, routerId, { subnet_id: net.subnet });
    const vm = (await s.post('/v2.0/ports', { port: { network_id: net.network } }, ALICE)).port;
    fipId = (await s.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network, port_id: vm.id } }, ALICE))
      .floatingip.id;
    const l3 = { agent_type: 'L3 agent', binary: 'quark-l3-agent', topic: 'l3_agent', configurations: {}, start_flag: true };
    await s.request('POST', '/v2.0/quark/agents/report', { agent: { ...l3, host: 'network1' } }, ADMIN);
  });
  after(() => s.close());

  const report = (host: string, statuses: unknown, as = ADMIN) =>
    s.request('POST', '/v2.0/quark/floatingips/status', { host, statuses }, as);

  it('sets the status reported by the L3 agent hosting the router, and only that', async () => {
    assert.equal((await s.get(`/v2.0/floatingips/${fipId}`, ALICE)).floatingip.status, 'DOWN');
    assert.equal((await report('network9', { [fipId]: 'ACTIVE' })).body.changed, 0, 'no L3 agent on that host');
    assert.equal((await report('network1', { [fipId]: 'ACTIVE' })).body.changed, 1);
    assert.equal((await s.get(`/v2.0/floatingips/${fipId}`, ALICE)).floatingip.status, 'ACTIVE');
    assert.equal((await report('network1', { [fipId]: 'ACTIVE' })).body.changed, 0, 'unchanged');
  });

  it('goes DOWN when disassociated, and ignores reports about it while it has no router', async () => {
    await s.put(`/v2.0/floatingips/${fipId}`, { floatingip: { port_id: null } }, ALICE);
    assert.equal((await s.get(`/v2.0/floatingips/${fipId}`, ALICE)).floatingip.status, 'DOWN');
    assert.equal((await report('network1', { [fipId]: 'ACTIVE' })).body.changed, 0);
  });

  it('refuses malformed reports and callers that are not admin', async () => {
    assert.equal((await report('network1', { [fipId]: 'UP' })).status, 400);
    assert.equal((await report('network1', [fipId])).status, 400);
    assert.equal((await report('network1', {}, ALICE)).status, 403);
  });
});
