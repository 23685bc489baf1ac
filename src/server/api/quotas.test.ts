import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorType, externalNetwork, projectNetwork } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

const DEFAULTS = {
  network: 100,
  subnet: 100,
  port: 500,
  router: 10,
  floatingip: 50,
  security_group: 10,
  security_group_rule: 100,
  subnetpool: -1,
  rbac_policy: 10,
};

describe('quotas API', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  it('shows Neutron’s defaults to the project itself and to admins only', async () => {
    assert.deepEqual((await s.get('/v2.0/quotas/alice', ALICE)).quota, DEFAULTS);
    assert.deepEqual((await s.get('/v2.0/quotas/alice/default', ALICE)).quota, DEFAULTS);
    assert.deepEqual((await s.get('/v2.0/quotas/alice', ADMIN)).quota, DEFAULTS);
    assert.equal((await s.request('GET', '/v2.0/quotas/alice', undefined, BOB)).status, 403);
    assert.deepEqual(await s.get('/v2.0/quotas/tenant', BOB), { tenant: { tenant_id: 'bob' } });
  });

  it('lets an admin set, list and reset a project’s quota, and enforces it', async () => {
    assert.equal((await s.request('PUT', '/v2.0/quotas/alice', { quota: { router: 1 } }, ALICE)).status, 403);
    const set = await s.put('/v2.0/quotas/alice', { quota: { router: 1, network: '3' } }, ADMIN);
    assert.deepEqual(set.quota, { ...DEFAULTS, router: 1, network: 3 });
    const list = await s.get('/v2.0/quotas', ADMIN);
    assert.deepEqual(list.quotas, [{ ...DEFAULTS, router: 1, network: 3, project_id: 'alice', tenant_id: 'alice' }]);
    assert.equal((await s.request('GET', '/v2.0/quotas', undefined, ALICE)).status, 403);
    await s.post('/v2.0/routers', { router: { name: 'one' } }, ALICE);
    const over = await s.request('POST', '/v2.0/routers', { router: { name: 'two' } }, ALICE);
    assert.equal(over.status, 409);
    assert.equal(errorType(over), 'OverQuota');
    assert.equal(over.body.NeutronError.message, "Quota exceeded for resources: ['router'].");
    const details = await s.get('/v2.0/quotas/alice/details', ALICE);
    assert.deepEqual(details.quota.router, { used: 1, limit: 1, reserved: 0 });
    assert.deepEqual(details.quota.security_group, { used: 0, limit: 10, reserved: 0 });
    await s.del('/v2.0/quotas/alice', ADMIN);
    assert.deepEqual((await s.get('/v2.0/quotas/alice', ALICE)).quota, DEFAULTS);
    const again = await s.request('DELETE', '/v2.0/quotas/alice', undefined, ADMIN);
    assert.equal(again.status, 404, 'no quotas of its own left to reset');
    assert.equal(errorType(again), 'TenantQuotaNotFound');
    assert.equal((await s.request('POST', '/v2.0/routers', { router: { name: 'two' } }, ALICE)).status, 201);
  });

  it('refuses unknown resources and values below -1, and takes -1 as unlimited', async () => {
    const unknown = await s.request('PUT', '/v2.0/quotas/bob', { quota: { volumes: 3 } }, ADMIN);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.NeutronError.message, "Unrecognized attribute(s) 'volumes'");
    assert.equal((await s.request('PUT', '/v2.0/quotas/bob', { quota: { port: -2 } }, ADMIN)).status, 400);
    const huge = await s.request('PUT', '/v2.0/quotas/bob', { quota: { port: 2 ** 31 } }, ADMIN);
    assert.equal(huge.status, 400, 'limits are 32-bit integers, as in Neutron');
    assert.equal(
      huge.body.NeutronError.message,
      "Invalid input for port. Reason: '2147483648' is too large - must be no larger than '2147483647'.",
    );
    assert.equal((await s.put('/v2.0/quotas/bob', { quota: { port: 2 ** 31 - 1 } }, ADMIN)).quota.port, 2 ** 31 - 1);
    assert.equal((await s.request('PUT', '/v2.0/quotas/bob', { quota: { port: 'many' } }, ADMIN)).status, 400);
    assert.equal((await s.request('PUT', '/v2.0/quotas/bob', {}, ADMIN)).status, 400);
    const unlimited = await s.put('/v2.0/quotas/bob', { quota: { security_group: -1 } }, ADMIN);
    assert.equal(unlimited.quota.security_group, -1);
  });

  it('enforces the subnet, port, floating IP and security group quotas with OverQuota', async () => {
    const carol = { project: 'carol', roles: 'member' };
    const ext = await externalNetwork(s);
    const n = await projectNetwork(s, carol, '10.0.0.0/24');
    await s.put('/v2.0/quotas/carol', { quota: { subnet: 1, port: 1, floatingip: 1, security_group: 2 } }, ADMIN);
    const over = async (path: string, body: unknown, resource: string) => {
      const r = await s.request('POST', path, body, carol);
      assert.equal(r.status, 409, resource);
      assert.equal(errorType(r), 'OverQuota', resource);
      assert.equal(r.body.NeutronError.message, `Quota exceeded for resources: ['${resource}'].`);
    };
    await over('/v2.0/subnets', { subnet: { network_id: n.network, ip_version: 4, cidr: '10.1.0.0/24' } }, 'subnet');
    await s.post('/v2.0/ports', { port: { network_id: n.network } }, carol);
    await over('/v2.0/ports', { port: { network_id: n.network } }, 'port');
    await s.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network } }, carol);
    await over('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network } }, 'floatingip');
    await s.post('/v2.0/security-groups', { security_group: { name: 'web' } }, carol);
    await over('/v2.0/security-groups', { security_group: { name: 'db' } }, 'security_group');
    const { quota } = await s.get('/v2.0/quotas/carol/details', carol);
    assert.deepEqual(quota.subnet, { used: 1, limit: 1, reserved: 0 });
    assert.deepEqual(quota.port, { used: 1, limit: 1, reserved: 0 });
    assert.deepEqual(quota.floatingip, { used: 1, limit: 1, reserved: 0 });
    assert.deepEqual(quota.security_group, { used: 2, limit: 2, reserved: 0 }, 'the default group counts');
  });

  it('counts a new group’s two egress rules against the rule quota', async () => {
    const dave = { project: 'dave', roles: 'member' };
    await s.put('/v2.0/quotas/dave', { quota: { security_group_rule: 0 } }, ADMIN);
    const refused = await s.request('POST', '/v2.0/security-groups', { security_group: { name: 'web' } }, dave);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.NeutronError.message, "Quota exceeded for resources: ['security_group_rule'].");
    assert.deepEqual((await s.get('/v2.0/quotas/dave/details', ADMIN)).quota.security_group.used, 0, 'nothing was made');
    await s.put('/v2.0/quotas/dave', { quota: { security_group_rule: 6 } }, ADMIN);
    await s.post('/v2.0/security-groups', { security_group: { name: 'web' } }, dave);
    const full = await s.request('POST', '/v2.0/security-groups', { security_group: { name: 'db' } }, dave);
    assert.equal(full.status, 409, 'the default group’s 4 rules and web’s 2 fill the quota of 6');
  });
});
