import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { projectNetwork } from '../testing/fixtures.js';
import { ADMIN, ALICE, type TestServer, testServer } from '../testing/harness.js';
import { inScope, scopeRecords, scopeRoots } from './scope.js';

// A QoS policy reaches the L2 hosts of the ports it applies to (its own or their network's),
// with the rules the hosts enforce (bandwidth limits, DSCP marks) and no others.
describe('feed scope: QoS policies', () => {
  let s: TestServer;
  const ids = {} as Record<'own' | 'network' | 'idle' | 'limit' | 'mark' | 'minimum', string>;
  const roots = (host: string) =>
    scopeRoots(s.store.view, { host, roles: new Set(['l2']), dhcpNetworks: new Set(), routers: new Set() });
  const qos = (host: string) =>
    scopeRecords(s.store.view, roots(host))
      .filter((r) => r.kind.startsWith('qos_'))
      .map((r) => `${r.kind} ${r.record.id}`)
      .sort();
  before(async () => {
    s = await testServer();
    const policy = async (name: string) =>
      (await s.post('/v2.0/qos/policies', { policy: { name, project_id: 'alice' } }, ADMIN)).policy.id as string;
    ids.own = await policy('own');
    ids.network = await policy('network');
    ids.idle = await policy('idle');
    const rule = async (policyId: string, type: string, body: Record<string, unknown>) =>
      (await s.post(`/v2.0/qos/policies/${policyId}/${type}_rules`, { [`${type}_rule`]: body }, ADMIN))[`${type}_rule`]
        .id as string;
    ids.limit = await rule(ids.own, 'bandwidth_limit', { max_kbps: 20000 });
    ids.mark = await rule(ids.network, 'dscp_marking', { dscp_mark: 26 });
    ids.minimum = await rule(ids.own, 'minimum_bandwidth', { min_kbps: 100 });
    const net = await projectNetwork(s, ALICE, '10.0.0.0/24');
    await s.put(`/v2.0/networks/${net.network}`, { network: { qos_policy_id: ids.network } }, ADMIN);
    const bound = (host: string, body: Record<string, unknown> = {}) =>
      s.post('/v2.0/ports', { port: { network_id: net.network, project_id: 'alice', 'binding:host_id': host, ...body } }, ADMIN);
    await bound('compute1', { qos_policy_id: ids.own });
    await bound('compute2');
  });
  after(() => s.close());

  it('sends each host the policies of its ports with their bandwidth limit and DSCP rules', () => {
    assert.deepEqual(qos('compute1'), [`qos_bandwidth_limit_rule ${ids.limit}`, `qos_policy ${ids.own}`]);
    assert.deepEqual(qos('compute2'), [`qos_dscp_marking_rule ${ids.mark}`, `qos_policy ${ids.network}`]);
    assert.deepEqual(qos('compute3'), []);
    assert.equal(inScope(roots('compute2'), 'qos_policy', s.store.view.get('qos_policy', ids.idle)), false);
  });
});
