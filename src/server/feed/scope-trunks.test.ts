import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { projectNetwork } from '../testing/fixtures.js';
import { ADMIN, ALICE, type TestServer, testServer } from '../testing/harness.js';
import { inScope, scopeRecords, scopeRoots } from './scope.js';

// A trunk reaches the L2 host of its parent port, with its subports (bound there with it).
describe('feed scope: trunks', () => {
  let s: TestServer;
  let trunk: string;
  let sub: string;
  before(async () => {
    s = await testServer();
    await s.request('POST', '/v2.0/quark/agents/report', {
      agent: {
        host: 'compute1',
        agent_type: 'Open vSwitch agent',
        binary: 'quark-agent',
        configurations: { tunneling_ip: '198.18.1.1', tunnel_types: ['gre', 'vxlan'] },
        start_flag: true,
      },
    });
    const a = await projectNetwork(s, ALICE, '10.0.0.0/24', 'a');
    const b = await projectNetwork(s, ALICE, '10.0.1.0/24', 'b');
    const parent = (await s.post('/v2.0/ports', { port: { network_id: a.network } }, ALICE)).port;
    sub = (await s.post('/v2.0/ports', { port: { network_id: b.network } }, ALICE)).port.id;
    const body = { trunk: { port_id: parent.id, sub_ports: [{ port_id: sub, segmentation_type: 'vlan', segmentation_id: 7 }] } };
    trunk = (await s.post('/v2.0/trunks', body, ALICE)).trunk.id;
    await s.put(`/v2.0/ports/${parent.id}`, { port: { 'binding:host_id': 'compute1' } }, ADMIN);
  });
  after(() => s.close());

  it('sends the trunk and its subport to the parent’s host, and to no other host', () => {
    const roots = (host: string) =>
      scopeRoots(s.store.view, { host, roles: new Set(['l2']), dhcpNetworks: new Set(), routers: new Set() });
    const here = scopeRecords(s.store.view, roots('compute1'));
    assert.deepEqual(
      here.filter((r) => r.kind === 'trunk').map((r) => r.record.id),
      [trunk],
    );
    assert.ok(roots('compute1').hostPorts.has(sub), 'the subport is bound to the parent’s host');
    assert.equal(inScope(roots('compute2'), 'trunk', s.store.view.get('trunk', trunk)), false);
    assert.equal(
      scopeRecords(s.store.view, roots('compute2')).some((r) => r.kind === 'trunk'),
      false,
    );
  });
});
