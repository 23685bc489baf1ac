import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorType, projectNetwork } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

// Neutron's rules: neutron/services/qos/qos_plugin.py, neutron/objects/qos/{policy,qos_policy_validator}.py,
// neutron/core_extensions/qos.py (docs/qos.md).
describe('QoS API', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  const policy = async (body: Record<string, unknown> = {}) =>
    (await s.post('/v2.0/qos/policies', { policy: { name: 'p', project_id: 'alice', ...body } }, ADMIN)).policy;
  const rule = (policyId: string, type: string, body: Record<string, unknown>, as = ADMIN) =>
    s.request('POST', `/v2.0/qos/policies/${policyId}/${type}_rules`, { [`${type}_rule`]: body }, as);

  it('makes a policy with rules of each type, shows them in the policy, and deletes it with them', async () => {
    const p = await policy({ description: 'gold' });
    assert.deepEqual(Object.keys(p).sort(), [
      'created_at',
      'description',
      'id',
      'is_default',
      'name',
      'project_id',
      'revision_number',
      'rules',
      'shared',
      'tags',
      'tenant_id',
      'updated_at',
    ]);
    const bw = await rule(p.id, 'bandwidth_limit', { max_kbps: 20000 });
    assert.equal(bw.status, 201);
    assert.deepEqual(bw.body.bandwidth_limit_rule, {
      id: bw.body.bandwidth_limit_rule.id,
      max_kbps: 20000,
      max_burst_kbps: 0,
      direction: 'egress',
    });
    assert.equal((await rule(p.id, 'bandwidth_limit', { max_kbps: 1000, direction: 'ingress' })).status, 201);
    assert.equal((await rule(p.id, 'dscp_marking', { dscp_mark: 26 })).status, 201);
    assert.equal((await rule(p.id, 'minimum_bandwidth', { min_kbps: 100 })).status, 201);
    assert.equal((await rule(p.id, 'packet_rate_limit', { max_kpps: 10 })).status, 201);
    assert.equal((await rule(p.id, 'minimum_packet_rate', { min_kpps: 1, direction: 'any' })).status, 201);
    const shown = (await s.get(`/v2.0/qos/policies/${p.id}`, ADMIN)).policy;
    assert.deepEqual(
      shown.rules.map((r: { type: string }) => r.type),
      ['bandwidth_limit', 'bandwidth_limit', 'dscp_marking', 'minimum_bandwidth', 'packet_rate_limit', 'minimum_packet_rate'],
    );
    assert.equal(shown.rules[0].qos_policy_id, p.id);
    assert.ok(shown.revision_number > p.revision_number, 'a rule revises its policy');
    // By alias.
    const alias = `/v2.0/qos/alias-bandwidth-limit-rules/${bw.body.bandwidth_limit_rule.id}`;
    assert.equal((await s.get(alias, ADMIN)).alias_bandwidth_limit_rule.max_kbps, 20000);
    const changed = await s.put(alias, { alias_bandwidth_limit_rule: { max_kbps: 30000 } }, ADMIN);
    assert.equal(changed.alias_bandwidth_limit_rule.max_kbps, 30000);
    assert.equal((await s.request('GET', '/v2.0/qos/alias-bandwidth-limit-rules', undefined, ADMIN)).status, 404);
    await s.del(`/v2.0/qos/policies/${p.id}`, ADMIN);
    const gone = await s.request('GET', alias, undefined, ADMIN);
    assert.equal(gone.body.NeutronError.message, `QoS rule ${bw.body.bandwidth_limit_rule.id} for policy  could not be found.`);
    const other = await policy();
    const under = await s.request(
      'GET',
      `/v2.0/qos/policies/${other.id}/bandwidth_limit_rules/${bw.body.bandwidth_limit_rule.id}`,
      undefined,
      ADMIN,
    );
    assert.equal(
      under.body.NeutronError.message,
      `QoS rule ${bw.body.bandwidth_limit_rule.id} for policy ${other.id} could not be found.`,
    );
  });

  it('refuses a second rule of a type and direction, and conflicting parameters', async () => {
    const p = await policy();
    await rule(p.id, 'bandwidth_limit', { max_kbps: 1000 });
    const again = await rule(p.id, 'bandwidth_limit', { max_kbps: 2000 });
    assert.deepEqual([again.status, errorType(again)], [409, 'QoSRulesConflict']);
    const above = await rule(p.id, 'minimum_bandwidth', { min_kbps: 5000 });
    assert.deepEqual([above.status, errorType(above)], [409, 'QoSRuleParameterConflict']);
    await rule(p.id, 'minimum_packet_rate', { min_kpps: 1, direction: 'egress' });
    const any = await rule(p.id, 'minimum_packet_rate', { min_kpps: 1, direction: 'any' });
    assert.equal(errorType(any), 'QoSRuleParameterConflict');
    // Messages as Neutron 21 answers them (measured).
    const message = (r: { status: number; body: Record<string, any> }) =>
      `${r.status} ${r.body.NeutronError.type}: ${r.body.NeutronError.message}`;
    assert.equal(
      message(await rule(p.id, 'dscp_marking', { dscp_mark: 27 })),
      '400 HTTPBadRequest: Invalid input for dscp_mark. Reason: 27 is not in valid_values.',
    );
    assert.equal(
      message(await rule(p.id, 'packet_rate_limit', { max_kpps: 'abc' })),
      "400 InvalidInput: Invalid input for operation: 'abc' is not an integer.",
    );
    assert.equal(
      message(await rule(p.id, 'packet_rate_limit', { max_kpps: 1, direction: 'up' })),
      '400 HTTPBadRequest: Invalid input for direction. Reason: up is not in valid_values.',
    );
    const filtered = await s.request(
      'GET',
      `/v2.0/qos/policies/${p.id}/bandwidth_limit_rules?direction=ingress`,
      undefined,
      ADMIN,
    );
    assert.equal(message(filtered), "400 HTTPBadRequest: ['direction'] is invalid attribute for filtering");
    assert.equal(
      message(await rule(p.id, 'bandwidth_limit', { max_kbps: -1, direction: 'ingress' })),
      "400 HTTPBadRequest: Invalid input for max_kbps. Reason: '-1' is too small - must be at least '0'.",
    );
    assert.equal(errorType(await rule('nope', 'dscp_marking', { dscp_mark: 26 })), 'QosPolicyNotFound');
  });

  it('lets only admins write policies and rules; a member reads its own and shared ones', async () => {
    assert.equal((await s.request('POST', '/v2.0/qos/policies', { policy: { name: 'x' } }, ALICE)).status, 403);
    const own = await policy();
    assert.equal((await s.request('PUT', `/v2.0/qos/policies/${own.id}`, { policy: { name: 'y' } }, ALICE)).status, 403);
    assert.equal((await s.request('GET', `/v2.0/qos/policies/${own.id}`, undefined, BOB)).status, 404);
    assert.equal((await s.request('PUT', `/v2.0/qos/policies/${own.id}`, { policy: { name: 'y' } }, BOB)).status, 404);
    // A member's rule create is refused before the policy is looked up, as in Neutron.
    assert.equal((await rule('policy', 'bandwidth_limit', { max_kbps: 1 }, ALICE)).status, 403);
    assert.equal((await rule(own.id, 'bandwidth_limit', { max_kbps: 1 }, BOB)).status, 403);
    const shared = await policy({ project_id: 'admin-project', shared: true });
    assert.equal((await s.get(`/v2.0/qos/policies/${shared.id}`, BOB)).policy.shared, true);
    const listed = (await s.get('/v2.0/qos/policies', BOB)).policies.map((p: { id: string }) => p.id);
    assert.ok(listed.includes(shared.id) && !listed.includes(own.id));
    // Rule types: anyone lists them, only admins see the details.
    const types = (await s.get('/v2.0/qos/rule-types', BOB)).rule_types;
    assert.deepEqual(Object.keys(types[0]), ['type']);
    assert.equal((await s.request('GET', '/v2.0/qos/rule-types/bandwidth_limit', undefined, BOB)).status, 403);
    const details = (await s.get('/v2.0/qos/rule-types/bandwidth_limit', ADMIN)).rule_type;
    assert.deepEqual(Object.keys(details).sort(), ['drivers', 'type']);
    assert.equal(errorType(await s.request('GET', '/v2.0/qos/rule-types/nope', undefined, ADMIN)), 'QosRuleTypeNotFound');
  });

  it('binds policies to networks and ports, with the default policy, RBAC sharing and policy in use', async () => {
    const mine = await policy({ project_id: 'bob' });
    const foreign = await policy({ project_id: 'admin-project' });
    const net = await projectNetwork(s, BOB, '10.9.0.0/24', 'qosnet');
    assert.equal((await s.get(`/v2.0/networks/${net.network}`, BOB)).network.qos_policy_id, null);
    const bad = await s.request('PUT', `/v2.0/networks/${net.network}`, { network: { qos_policy_id: foreign.id } }, BOB);
    assert.deepEqual([bad.status, errorType(bad)], [404, 'QosPolicyNotFound']);
    await s.put(`/v2.0/networks/${net.network}`, { network: { qos_policy_id: mine.id } }, BOB);
    const port = (await s.post('/v2.0/ports', { port: { network_id: net.network } }, BOB)).port;
    assert.deepEqual([port.qos_policy_id, port.qos_network_policy_id], [null, mine.id]);
    const inUse = await s.request('DELETE', `/v2.0/qos/policies/${mine.id}`, undefined, ADMIN);
    assert.deepEqual([inUse.status, errorType(inUse)], [409, 'QosPolicyInUse']);
    // Shared with bob by an RBAC policy: bob may use it on a port; the sharing cannot be withdrawn then.
    const rbac = (
      await s.post(
        '/v2.0/rbac-policies',
        { rbac_policy: { object_type: 'qos_policy', object_id: foreign.id, action: 'access_as_shared', target_tenant: 'bob' } },
        ADMIN,
      )
    ).rbac_policy;
    const updated = (await s.put(`/v2.0/ports/${port.id}`, { port: { qos_policy_id: foreign.id } }, BOB)).port;
    assert.equal(updated.qos_policy_id, foreign.id);
    assert.equal((await s.get(`/v2.0/qos/policies/${foreign.id}`, BOB)).policy.shared, true);
    const withdraw = await s.request('DELETE', `/v2.0/rbac-policies/${rbac.id}`, undefined, ADMIN);
    assert.deepEqual([withdraw.status, errorType(withdraw)], [409, 'RbacPolicyInUse']);
    // The default policy goes to the project's new networks.
    const dflt = await policy({ project_id: 'bob', is_default: true, name: 'default' });
    const second = await s.request(
      'POST',
      '/v2.0/qos/policies',
      { policy: { name: 'd2', project_id: 'bob', is_default: true } },
      ADMIN,
    );
    assert.deepEqual([second.status, errorType(second)], [409, 'QoSPolicyDefaultAlreadyExists']);
    const net2 = (await s.post('/v2.0/networks', { network: { name: 'n2' } }, BOB)).network;
    assert.equal(net2.qos_policy_id, dflt.id);
  });
});
