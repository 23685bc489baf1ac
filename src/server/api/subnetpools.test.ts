import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorType } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

describe('subnet pools API', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  const pool = async (body: Record<string, unknown>, as = ALICE) =>
    s.request('POST', '/v2.0/subnetpools', { subnetpool: { name: 'p', ...body } }, as);
  const net = async (as = ALICE) => (await s.post('/v2.0/networks', { network: { name: 'n' } }, as)).network.id as string;
  const subnet = (body: Record<string, unknown>, as = ALICE) =>
    s.request('POST', '/v2.0/subnets', { subnet: { ip_version: 4, ...body } }, as);

  it("applies Neutron's defaults: compacted prefixes, bounds of the family, prefix lengths shown as strings", async () => {
    const r = await pool({ prefixes: ['10.10.0.0/17', '10.10.128.0/17', '10.20.0.5/24'] });
    assert.equal(r.status, 201);
    const p = r.body.subnetpool;
    assert.deepEqual(p.prefixes, ['10.10.0.0/16', '10.20.0.0/24']);
    assert.deepEqual([p.min_prefixlen, p.max_prefixlen, p.default_prefixlen], ['8', '32', '8']);
    assert.deepEqual([p.ip_version, p.shared, p.is_default, p.default_quota, p.address_scope_id], [4, false, false, null, null]);
    const v6 = (await pool({ prefixes: ['2001:db8::/48'] })).body.subnetpool;
    assert.deepEqual([v6.min_prefixlen, v6.max_prefixlen], ['64', '128']);
    assert.equal(errorType(await pool({ prefixes: ['10.0.0.0/8', '2001:db8::/32'] })), 'PrefixVersionMismatch');
    assert.equal(errorType(await pool({ prefixes: [] })), 'EmptySubnetPoolPrefixList');
    assert.equal(
      errorType(await pool({ prefixes: ['10.0.0.0/8'], min_prefixlen: 24, max_prefixlen: 16 })),
      'IllegalSubnetPoolPrefixBounds',
    );
  });

  it('carves subnets by size (smallest free block first) or by cidr, within bounds and free space', async () => {
    const p = (await pool({ prefixes: ['10.11.12.0/24'], min_prefixlen: 28, max_prefixlen: 30 })).body.subnetpool;
    const n = await net();
    const sized = (await subnet({ network_id: n, subnetpool_id: p.id, prefixlen: 30 })).body.subnet;
    assert.deepEqual([sized.cidr, sized.gateway_ip, sized.subnetpool_id], ['10.11.12.0/30', '10.11.12.1', p.id]);
    const byDefault = (await subnet({ network_id: n, subnetpool_id: p.id })).body.subnet;
    assert.equal(byDefault.cidr, '10.11.12.16/28', 'the default length, after the /30 left its /28 split');
    const exact = await subnet({ network_id: n, subnetpool_id: p.id, cidr: '10.11.12.32/29' });
    assert.equal(exact.status, 201);
    const taken = await subnet({ network_id: n, subnetpool_id: p.id, cidr: '10.11.12.32/29' });
    assert.equal(errorType(taken), 'SubnetAllocationError');
    assert.equal(
      errorType(await subnet({ network_id: n, subnetpool_id: p.id, prefixlen: 24 })),
      'MinPrefixSubnetAllocationError',
    );
    assert.equal(
      errorType(await subnet({ network_id: n, subnetpool_id: p.id, prefixlen: 31 })),
      'MaxPrefixSubnetAllocationError',
    );
    const v6 = await subnet({ network_id: n, subnetpool_id: p.id, ip_version: 6 });
    assert.equal(v6.status, 400);
    const plain = await subnet({ network_id: n, cidr: '10.99.0.0/24' });
    assert.equal(errorType(plain), 'NetworkSubnetPoolAffinityError', 'one pool per family on a network');
    assert.equal(errorType(await subnet({ network_id: n })), 'BadRequest', 'neither a cidr nor a pool');
    const del = await s.request('DELETE', `/v2.0/subnetpools/${p.id}`, undefined, ALICE);
    assert.equal(errorType(del), 'SubnetPoolDeleteError');
  });

  it('keeps a project within the pool’s default_quota', async () => {
    const p = (await pool({ prefixes: ['10.30.0.0/24'], min_prefixlen: 29, default_quota: 8 })).body.subnetpool;
    const n = await net();
    assert.equal((await subnet({ network_id: n, subnetpool_id: p.id, prefixlen: 29 })).status, 201);
    assert.equal(errorType(await subnet({ network_id: n, subnetpool_id: p.id, prefixlen: 29 })), 'SubnetPoolQuotaExceeded');
  });

  it('updates: prefixes only grow, prefix ops add and remove what no subnet uses', async () => {
    const p = (await pool({ prefixes: ['10.40.0.0/24'] })).body.subnetpool;
    const shrink = await s.request('PUT', `/v2.0/subnetpools/${p.id}`, { subnetpool: { prefixes: ['10.40.0.0/25'] } }, ALICE);
    assert.equal(errorType(shrink), 'IllegalSubnetPoolPrefixUpdate');
    const shared = await s.request('PUT', `/v2.0/subnetpools/${p.id}`, { subnetpool: { shared: true } }, ALICE);
    assert.equal(shared.status, 400, 'shared is not updatable');
    const added = await s.put(`/v2.0/subnetpools/${p.id}/add_prefixes`, { prefixes: ['10.40.1.0/24'] }, ALICE);
    assert.deepEqual(added.prefixes, ['10.40.0.0/23']);
    const n = await net();
    await subnet({ network_id: n, subnetpool_id: p.id, cidr: '10.40.0.0/24' });
    const inUse = await s.request('PUT', `/v2.0/subnetpools/${p.id}/remove_prefixes`, { prefixes: ['10.40.0.0/24'] }, ALICE);
    assert.equal(errorType(inUse), 'IllegalSubnetPoolPrefixUpdate');
    const removed = await s.put(`/v2.0/subnetpools/${p.id}/remove_prefixes`, { prefixes: ['10.40.1.0/24'] }, ALICE);
    assert.deepEqual(removed.prefixes, ['10.40.0.0/24']);
    assert.equal((await s.request('PUT', `/v2.0/subnetpools/${p.id}/add_prefixes`, {}, ALICE)).status, 400);
  });

  it('keeps one default pool per family, set by admins only, and uses it on request', async () => {
    assert.equal((await pool({ prefixes: ['10.50.0.0/16'], is_default: true })).status, 403);
    const d = (await pool({ prefixes: ['10.50.0.0/16'], is_default: true, shared: true, min_prefixlen: 24 }, ADMIN)).body
      .subnetpool;
    assert.equal(errorType(await pool({ prefixes: ['10.60.0.0/16'], is_default: true }, ADMIN)), 'InvalidInput');
    const n = await net(BOB);
    const sn = (await subnet({ network_id: n, use_default_subnetpool: true }, BOB)).body.subnet;
    assert.deepEqual([sn.subnetpool_id, sn.cidr], [d.id, '10.50.0.0/24']);
  });

  it('hides other projects’ pools and refuses sharing to members', async () => {
    const mine = (await pool({ prefixes: ['10.70.0.0/16'] })).body.subnetpool;
    assert.equal((await s.request('GET', `/v2.0/subnetpools/${mine.id}`, undefined, BOB)).status, 404);
    assert.equal((await pool({ prefixes: ['10.71.0.0/16'], shared: true })).status, 403);
    const n = await net(BOB);
    assert.equal(errorType(await subnet({ network_id: n, subnetpool_id: mine.id }, BOB)), 'SubnetPoolNotFound');
  });
});
