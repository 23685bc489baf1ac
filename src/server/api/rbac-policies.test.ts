import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorType, router } from '../testing/fixtures.js';
import { ADMIN, ALICE, type As, BOB, type TestServer, testServer } from '../testing/harness.js';

const CAROL: As = { project: 'carol', roles: 'member' };

describe('RBAC policies API', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  const share = (objectType: string, objectId: string, target: string, as: As = ALICE, action = 'access_as_shared') =>
    s.request(
      'POST',
      '/v2.0/rbac-policies',
      { rbac_policy: { object_type: objectType, object_id: objectId, action, target_tenant: target } },
      as,
    );

  it('shares a network with one project: it sees it as shared, others do not see it', async () => {
    const net = (await s.post('/v2.0/networks', { network: { name: 'lent' } }, ALICE)).network;
    assert.equal((await s.request('GET', `/v2.0/networks/${net.id}`, undefined, BOB)).status, 404);
    const r = await share('network', net.id, 'bob');
    assert.equal(r.status, 201);
    assert.deepEqual(Object.keys(r.body.rbac_policy).sort(), [
      'action',
      'id',
      'object_id',
      'object_type',
      'project_id',
      'target_tenant',
      'tenant_id',
    ]);
    const seen = (await s.get(`/v2.0/networks/${net.id}`, BOB)).network;
    assert.equal(seen.shared, true, 'shared with bob, for bob');
    assert.equal((await s.get(`/v2.0/networks/${net.id}`, ALICE)).network.shared, false, 'not with every project');
    assert.ok(seen.revision_number > net.revision_number, 'a policy revises its network');
    assert.equal((await s.request('GET', `/v2.0/networks/${net.id}`, undefined, CAROL)).status, 404);
    assert.equal((await s.get('/v2.0/rbac-policies', BOB)).rbac_policies.length, 0, 'the target does not see the policy');
    assert.equal(errorType(await share('network', net.id, 'bob')), 'DuplicateRbacPolicy');
    const port = (await s.post('/v2.0/ports', { port: { network_id: net.id } }, BOB)).port;
    const del = await s.request('DELETE', `/v2.0/rbac-policies/${r.body.rbac_policy.id}`, undefined, ALICE);
    assert.equal(del.status, 409, 'bob’s port depends on it');
    await s.del(`/v2.0/ports/${port.id}`, BOB);
    await s.del(`/v2.0/rbac-policies/${r.body.rbac_policy.id}`, ALICE);
    assert.equal((await s.request('GET', `/v2.0/networks/${net.id}`, undefined, BOB)).status, 404);
  });

  it('lets only owners and admins make policies, and only admins share with every project', async () => {
    const net = (await s.post('/v2.0/networks', { network: { name: 'mine' } }, ALICE)).network;
    assert.equal(errorType(await share('network', net.id, 'bob', BOB)), 'InvalidInput');
    assert.equal((await share('network', net.id, '*')).status, 403);
    const toBob = (await share('network', net.id, 'bob')).body.rbac_policy;
    const widen = await s.request('PUT', `/v2.0/rbac-policies/${toBob.id}`, { rbac_policy: { target_tenant: '*' } }, ALICE);
    assert.equal(widen.status, 403);
    const all = await share('network', net.id, '*', ADMIN);
    assert.equal(all.status, 201);
    assert.equal((await s.get(`/v2.0/networks/${net.id}`, CAROL)).network.shared, true);
    assert.equal(errorType(await share('network', net.id, 'bob', ALICE, 'access_as_everything')), 'InvalidActionForType');
    assert.equal(errorType(await share('subnet', net.id, 'bob')), 'InvalidInput');
  });

  it('keeps network shared and router:external in step with wildcard policies', async () => {
    const net = (await s.post('/v2.0/networks', { network: { name: 'pub', shared: true } }, ADMIN)).network;
    const policies = (await s.get(`/v2.0/rbac-policies?object_id=${net.id}`, ADMIN)).rbac_policies;
    assert.deepEqual(
      policies.map((p: any) => [p.action, p.target_tenant]),
      [['access_as_shared', '*']],
    );
    await s.put(`/v2.0/networks/${net.id}`, { network: { 'router:external': true } }, ADMIN);
    const ext = (await s.get(`/v2.0/rbac-policies?object_id=${net.id}&action=access_as_external`, ADMIN)).rbac_policies;
    assert.equal(ext[0].target_tenant, '*');
    await s.del(`/v2.0/rbac-policies/${ext[0].id}`, ADMIN);
    assert.equal((await s.get(`/v2.0/networks/${net.id}`, ADMIN)).network['router:external'], false);
    await s.put(`/v2.0/networks/${net.id}`, { network: { shared: false } }, ADMIN);
    assert.equal((await s.get(`/v2.0/rbac-policies?object_id=${net.id}`, ADMIN)).rbac_policies.length, 0);
  });

  it('makes a network external for one project, whose routers then hold on to it', async () => {
    const net = (await s.post('/v2.0/networks', { network: { name: 'ext-for-bob' } }, ADMIN)).network;
    await s.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '198.51.100.0/24' } }, ADMIN);
    const pol = (await share('network', net.id, 'bob', ADMIN, 'access_as_external')).body.rbac_policy;
    assert.equal((await s.get(`/v2.0/networks/${net.id}`, ADMIN)).network['router:external'], true);
    assert.equal((await s.request('GET', `/v2.0/networks/${net.id}`, undefined, CAROL)).status, 404);
    const r = await router(s, BOB, net.id);
    const gone = await s.request('DELETE', `/v2.0/rbac-policies/${pol.id}`, undefined, ADMIN);
    assert.equal(errorType(gone), 'RbacPolicyInUse');
    await s.del(`/v2.0/routers/${r.id}`, BOB);
  });

  it('shares security groups, address scopes and subnet pools', async () => {
    const g = (await s.post('/v2.0/security-groups', { security_group: { name: 'lent' } }, ALICE)).security_group;
    assert.equal(g.shared, false);
    await share('security_group', g.id, 'bob');
    assert.equal((await s.get(`/v2.0/security-groups/${g.id}`, BOB)).security_group.shared, true);
    const n = (await s.post('/v2.0/networks', { network: { name: 'b' } }, BOB)).network;
    const port = await s.request('POST', '/v2.0/ports', { port: { network_id: n.id, security_groups: [g.id] } }, BOB);
    assert.equal(port.status, 201, 'a shared group can guard the target’s ports');
    const scope = (await s.post('/v2.0/address-scopes', { address_scope: { name: 's', ip_version: 4 } }, ALICE)).address_scope;
    assert.equal((await s.request('GET', `/v2.0/address-scopes/${scope.id}`, undefined, BOB)).status, 404);
    await share('address_scope', scope.id, 'bob');
    assert.equal((await s.get(`/v2.0/address-scopes/${scope.id}`, BOB)).address_scope.shared, true);
    const pool = (
      await s.post(
        '/v2.0/subnetpools',
        { subnetpool: { name: 'bp', prefixes: ['10.90.0.0/16'], address_scope_id: scope.id } },
        BOB,
      )
    ).subnetpool;
    const lent = await s.request(
      'DELETE',
      `/v2.0/rbac-policies/${(await s.get(`/v2.0/rbac-policies?object_id=${scope.id}`, ALICE)).rbac_policies[0].id}`,
      undefined,
      ALICE,
    );
    assert.equal(errorType(lent), 'RbacPolicyInUse', 'bob’s pool sits in the scope');
    await s.del(`/v2.0/subnetpools/${pool.id}`, BOB);
  });

  it('counts policies against the rbac_policy quota (10)', async () => {
    const net = (await s.post('/v2.0/networks', { network: { name: 'many' } }, CAROL)).network;
    for (let i = 0; i < 10; i++) assert.equal((await share('network', net.id, `p${i}`, CAROL)).status, 201);
    assert.equal(errorType(await share('network', net.id, 'p10', CAROL)), 'OverQuota');
  });
});
