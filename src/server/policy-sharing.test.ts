import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type As, type TestServer, testServer } from './testing/harness.js';
import { ADMIN, MEMBER, READER, roleChecks } from './testing/role-matrix.js';

// The role matrix of policy.test.ts for the resources of issue 15: subnet pools, address scopes,
// RBAC policies, flavors and service profiles, extra routes, and the admin-only router flags.
describe('policy: sharing, IPAM and flavors, per role', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  const { status, expectAll, memberRecord } = roleChecks(() => s);

  it('subnet pools: readers read, members write, shared and is_default are admin-only', async () => {
    const body = (extra = {}) => ({ subnetpool: { name: 'p', prefixes: ['10.10.0.0/16'], ...extra } });
    assert.equal(await status('POST', '/v2.0/subnetpools', READER, body()), 403);
    assert.equal(await status('POST', '/v2.0/subnetpools', MEMBER, body({ shared: true })), 403);
    assert.equal(await status('POST', '/v2.0/subnetpools', MEMBER, body({ is_default: true })), 403);
    const id = (await s.post('/v2.0/subnetpools', body(), MEMBER)).subnetpool.id;
    const add = (as: As) => status('PUT', `/v2.0/subnetpools/${id}/add_prefixes`, as, { prefixes: ['10.11.0.0/16'] });
    await expectAll('add_prefixes', add, { reader: 403, other: 404, member: 200 });
    await memberRecord('subnetpools', 'subnetpool', id, { name: 'p2' });
  });

  it('address scopes: readers read, members write, shared is admin-only', async () => {
    assert.equal(await status('POST', '/v2.0/address-scopes', READER, { address_scope: { name: 'a', ip_version: 4 } }), 403);
    const shared = { address_scope: { name: 'a', ip_version: 4, shared: true } };
    assert.equal(await status('POST', '/v2.0/address-scopes', MEMBER, shared), 403);
    const id = (await s.post('/v2.0/address-scopes', { address_scope: { name: 'a', ip_version: 4 } }, MEMBER)).address_scope.id;
    await memberRecord('address-scopes', 'address_scope', id, { name: 'a2' });
  });

  it('RBAC policies: the maker reads and changes its own, the target sees nothing, * is admin-only', async () => {
    const net = (await s.post('/v2.0/networks', { network: { name: 'n' } }, MEMBER)).network.id;
    const policy = (target: string) => ({
      rbac_policy: { object_type: 'network', object_id: net, action: 'access_as_shared', target_tenant: target },
    });
    assert.equal(await status('POST', '/v2.0/rbac-policies', READER, policy('x')), 403);
    assert.equal(await status('POST', '/v2.0/rbac-policies', MEMBER, policy('*')), 403);
    const id = (await s.post('/v2.0/rbac-policies', policy('other'), MEMBER)).rbac_policy.id;
    await memberRecord('rbac-policies', 'rbac_policy', id, { target_tenant: 'third' });
  });

  it('flavors and service profiles: admins manage them, anyone reads flavors, only admins profiles', async () => {
    const flavor = { flavor: { name: 'f', service_type: 'L3_ROUTER_NAT' } };
    await expectAll('POST flavors', (as) => status('POST', '/v2.0/flavors', as, flavor), {
      reader: 403,
      member: 403,
      other: 403,
    });
    const id = (await s.post('/v2.0/flavors', flavor, ADMIN)).flavor.id;
    await expectAll('GET flavor', (as) => status('GET', `/v2.0/flavors/${id}`, as), { reader: 200, member: 200, other: 200 });
    await expectAll('PUT flavor', (as) => status('PUT', `/v2.0/flavors/${id}`, as, { flavor: { name: 'g' } }), {
      member: 403,
      other: 403,
      admin: 200,
    });
    const profile = (await s.post('/v2.0/service_profiles', { service_profile: { metainfo: '{}' } }, ADMIN)).service_profile.id;
    await expectAll('GET profile', (as) => status('GET', `/v2.0/service_profiles/${profile}`, as), { member: 404, admin: 200 });
    const bind = (as: As) => status('POST', `/v2.0/flavors/${id}/service_profiles`, as, { service_profile: { id: profile } });
    await expectAll('bind', bind, { member: 403, admin: 201 });
  });

  it('routers: extra routes by the owner, distributed and ha by admins only', async () => {
    const router = (await s.post('/v2.0/routers', { router: { name: 'r' } }, MEMBER)).router.id;
    const routes = (as: As) => status('PUT', `/v2.0/routers/${router}/add_extraroutes`, as, { router: { routes: [] } });
    await expectAll('add_extraroutes', routes, { reader: 403, other: 404, member: 200 });
    assert.equal(await status('POST', '/v2.0/routers', MEMBER, { router: { name: 'd', distributed: true } }), 403);
    assert.equal(await status('POST', '/v2.0/routers', MEMBER, { router: { name: 'h', ha: true } }), 403);
    assert.equal((await s.get(`/v2.0/routers/${router}`, MEMBER)).router.ha, undefined);
    assert.equal((await s.get(`/v2.0/routers/${router}`, ADMIN)).router.ha, false);
  });
});
