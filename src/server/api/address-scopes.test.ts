import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorType } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

describe('address scopes API', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  const scope = (body: Record<string, unknown>, as = ALICE) =>
    s.request('POST', '/v2.0/address-scopes', { address_scope: { name: 'a', ip_version: 4, ...body } }, as);

  it('has no standard attributes, and shares only through admins', async () => {
    const a = (await scope({})).body.address_scope;
    assert.deepEqual(Object.keys(a).sort(), ['id', 'ip_version', 'name', 'project_id', 'shared', 'tenant_id']);
    assert.equal((await scope({ shared: true })).status, 403);
    const shared = (await scope({ shared: true }, ADMIN)).body.address_scope;
    assert.equal((await s.get(`/v2.0/address-scopes/${shared.id}`, BOB)).address_scope.shared, true);
    const unshare = await s.request('PUT', `/v2.0/address-scopes/${shared.id}`, { address_scope: { shared: false } }, ADMIN);
    assert.equal(errorType(unshare), 'AddressScopeUpdateError');
    const member = await s.request('PUT', `/v2.0/address-scopes/${a.id}`, { address_scope: { shared: false } }, ALICE);
    assert.equal(member.status, 403, 'naming shared at all needs an admin on update');
  });

  it('keeps its pools apart and of its family, and stays while pools use it', async () => {
    const a = (await scope({})).body.address_scope;
    const pool = (body: Record<string, unknown>) =>
      s.request('POST', '/v2.0/subnetpools', { subnetpool: { name: 'p', address_scope_id: a.id, ...body } }, ALICE);
    const first = (await pool({ prefixes: ['20.0.0.0/18'] })).body.subnetpool;
    assert.equal(first.address_scope_id, a.id);
    assert.equal(errorType(await pool({ prefixes: ['20.0.0.0/24'] })), 'AddressScopePrefixConflict');
    assert.equal(errorType(await pool({ prefixes: ['2001:db8::/48'] })), 'IllegalSubnetPoolIpVersionAssociationToAddressScope');
    const bobs = (await scope({}, BOB)).body.address_scope;
    assert.equal(errorType(await pool({ prefixes: ['30.0.0.0/16'], address_scope_id: bobs.id })), 'AddressScopeNotFound');
    assert.equal(errorType(await s.request('DELETE', `/v2.0/address-scopes/${a.id}`, undefined, ALICE)), 'AddressScopeInUse');
    const n = (await s.post('/v2.0/networks', { network: { name: 'n' } }, ALICE)).network.id;
    await s.post('/v2.0/subnets', { subnet: { network_id: n, ip_version: 4, subnetpool_id: first.id, prefixlen: 24 } }, ALICE);
    assert.equal((await s.get(`/v2.0/networks/${n}`, ALICE)).network.ipv4_address_scope, a.id);
  });
});
