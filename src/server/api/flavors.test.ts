import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorType } from '../testing/fixtures.js';
import { ADMIN, ALICE, type TestServer, testServer } from '../testing/harness.js';

describe('flavors and service profiles API', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  it('lets admins manage flavors and profiles, and anyone read flavors', async () => {
    const flavor = (await s.post('/v2.0/flavors', { flavor: { name: 'gold', service_type: 'L3_ROUTER_NAT' } }, ADMIN)).flavor;
    assert.deepEqual(Object.keys(flavor).sort(), ['description', 'enabled', 'id', 'name', 'service_profiles', 'service_type']);
    assert.equal(flavor.enabled, true);
    assert.equal((await s.request('POST', '/v2.0/flavors', { flavor: { service_type: 'L3_ROUTER_NAT' } }, ALICE)).status, 403);
    assert.equal((await s.get(`/v2.0/flavors/${flavor.id}`, ALICE)).flavor.name, 'gold');
    assert.equal(
      errorType(await s.request('POST', '/v2.0/flavors', { flavor: { service_type: 'LOADBALANCER' } }, ADMIN)),
      'InvalidServiceType',
    );
    const profile = (await s.post('/v2.0/service_profiles', { service_profile: { metainfo: '{"data": "value"}' } }, ADMIN))
      .service_profile;
    assert.deepEqual([profile.driver, profile.enabled, profile.flavors], ['', true, []]);
    assert.equal((await s.request('GET', `/v2.0/service_profiles/${profile.id}`, undefined, ALICE)).status, 404);
    assert.equal(
      errorType(await s.request('POST', '/v2.0/service_profiles', { service_profile: {} }, ADMIN)),
      'ServiceProfileEmpty',
    );
    const foreign = await s.request('POST', '/v2.0/service_profiles', { service_profile: { driver: 'neutron.Driver' } }, ADMIN);
    assert.equal(errorType(foreign), 'ServiceProfileDriverNotFound');
    const bind = await s.request(
      'POST',
      `/v2.0/flavors/${flavor.id}/service_profiles`,
      { service_profile: { id: profile.id } },
      ADMIN,
    );
    assert.equal(bind.status, 201);
    assert.deepEqual((await s.get(`/v2.0/service_profiles/${profile.id}`, ADMIN)).service_profile.flavors, [flavor.id]);
    assert.equal(
      errorType(await s.request('DELETE', `/v2.0/service_profiles/${profile.id}`, undefined, ADMIN)),
      'ServiceProfileInUse',
    );
    await s.del(`/v2.0/flavors/${flavor.id}/service_profiles/${profile.id}`, ADMIN);
    await s.del(`/v2.0/service_profiles/${profile.id}`, ADMIN);
    assert.deepEqual((await s.get('/v2.0/flavors?id=33', ADMIN)).flavors, []);
  });

  it('makes routers with an L3 flavor, which then stays while they use it', async () => {
    const flavor = (await s.post('/v2.0/flavors', { flavor: { name: 'std', service_type: 'L3_ROUTER_NAT' } }, ADMIN)).flavor;
    const r = (await s.post('/v2.0/routers', { router: { name: 'r', flavor_id: flavor.id } }, ALICE)).router;
    assert.equal(r.flavor_id, flavor.id);
    const flags = await s.request(
      'POST',
      '/v2.0/routers',
      { router: { name: 'r', flavor_id: flavor.id, distributed: true } },
      ADMIN,
    );
    assert.equal(flags.status, 400);
    assert.equal(errorType(await s.request('DELETE', `/v2.0/flavors/${flavor.id}`, undefined, ADMIN)), 'FlavorInUse');
    await s.put(`/v2.0/flavors/${flavor.id}`, { flavor: { enabled: false } }, ADMIN);
    assert.equal(
      errorType(await s.request('POST', '/v2.0/routers', { router: { flavor_id: flavor.id } }, ALICE)),
      'FlavorDisabled',
    );
    await s.del(`/v2.0/routers/${r.id}`, ALICE);
    await s.del(`/v2.0/flavors/${flavor.id}`, ADMIN);
  });
});
