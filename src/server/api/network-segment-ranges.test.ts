import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorType } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

describe('network segment ranges API', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer({ tenantNetworkTypes: ['vxlan'], vxlanVniRanges: ['1:20'], networkVlanRanges: ['physnet1:100:109'] });
  });
  after(() => s.close());

  const create = (body: Record<string, unknown>) =>
    s.request('POST', '/v2.0/network-segment-ranges', { network_segment_range: { network_type: 'vxlan', ...body } }, ADMIN);
  const network = async (project: string) =>
    (await s.post('/v2.0/networks', { network: { name: `n-${project}`, project_id: project } }, ADMIN)).network;

  it('lists the configured ranges as shared, read-only default ranges', async () => {
    const all = (await s.get('/v2.0/network-segment-ranges', ADMIN)).network_segment_ranges;
    const defaults = all.filter((r: { default: boolean }) => r.default);
    assert.deepEqual(
      defaults
        .map((r: Record<string, unknown>) => [r.network_type, r.physical_network, r.minimum, r.maximum, r.shared, r.project_id])
        .sort(),
      [
        ['gre', null, 1, 10000, true, null],
        ['vlan', 'physnet1', 100, 109, true, null],
        ['vxlan', null, 1, 20, true, null],
      ],
    );
    assert.equal(
      (await s.request('GET', '/v2.0/network-segment-ranges?default=true', undefined, ADMIN)).status,
      400,
      'no filter',
    );
    const vxlan = defaults.find((r: { network_type: string }) => r.network_type === 'vxlan');
    assert.equal(vxlan.available.length, 20);
    assert.equal(vxlan.tenant_id, undefined, 'as Neutron, no tenant_id');
    const put = await s.request(
      'PUT',
      `/v2.0/network-segment-ranges/${vxlan.id}`,
      { network_segment_range: { name: 'x' } },
      ADMIN,
    );
    assert.equal(errorType(put), 'NetworkSegmentRangeDefaultReadOnly');
    const del = await s.request('DELETE', `/v2.0/network-segment-ranges/${vxlan.id}`, undefined, ADMIN);
    assert.equal(del.status, 400);
    assert.equal((await s.get('/v2.0/network-segment-ranges', ALICE)).network_segment_ranges.length, 0, 'admins only');
  });

  it("gives a project's networks its own range first, and keeps its ids from other projects", async () => {
    const own = await create({ name: 'alice', shared: false, project_id: 'alice', minimum: 15, maximum: 16 });
    assert.equal(own.status, 201);
    assert.equal(own.body.network_segment_range.project_id, 'alice');
    assert.equal(own.body.network_segment_range.shared, false);
    assert.equal(
      errorType(await create({ shared: false, project_id: 'bob', minimum: 16, maximum: 17 })),
      'NetworkSegmentRangeOverlaps',
    );
    const a1 = await network('alice');
    const a2 = await network('alice');
    assert.deepEqual([a1['provider:segmentation_id'], a2['provider:segmentation_id']], [15, 16]);
    const a3 = await network('alice');
    assert.ok(a3['provider:segmentation_id'] < 15, 'then from the shared ranges');
    const bobs: number[] = [];
    for (let i = 0; i < 15; i++) {
      const r = await s.request('POST', '/v2.0/networks', { network: { project_id: 'bob' } }, ADMIN);
      if (r.status !== 201) break;
      bobs.push(r.body.network['provider:segmentation_id']);
    }
    assert.ok(!bobs.includes(15) && !bobs.includes(16), `bob never gets alice's ids: ${bobs}`);
    const shown = (await s.get(`/v2.0/network-segment-ranges/${own.body.network_segment_range.id}`, ADMIN)).network_segment_range;
    assert.deepEqual(shown.used, { 15: 'alice', 16: 'alice' });
    assert.deepEqual(shown.available, []);
    const id = shown.id;
    const del = await s.request('DELETE', `/v2.0/network-segment-ranges/${id}`, undefined, ADMIN);
    assert.equal(errorType(del), 'NetworkSegmentRangeReferencedByProject');
    assert.equal(del.status, 409);
    const narrow = await s.request(
      'PUT',
      `/v2.0/network-segment-ranges/${id}`,
      { network_segment_range: { minimum: 15 } },
      ADMIN,
    );
    assert.equal(narrow.status, 409, "Neutron's check: a new minimum at or above the lowest id in use");
    await s.del(`/v2.0/networks/${a1.id}`, ADMIN);
    await s.del(`/v2.0/networks/${a2.id}`, ADMIN);
    const renamed = await s.request('PUT', `/v2.0/network-segment-ranges/${id}`, { network_segment_range: { name: 'r' } }, ADMIN);
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.network_segment_range.name, 'r');
    assert.equal((await s.request('DELETE', `/v2.0/network-segment-ranges/${id}`, undefined, ADMIN)).status, 204);
  });

  it('refuses ranges Quark cannot give', async () => {
    assert.equal(
      errorType(await create({ network_type: 'geneve', minimum: 1, maximum: 2 })),
      'NetworkSegmentRangeNetTypeNotSupported',
    );
    assert.equal((await create({ network_type: 'vlan', minimum: 1, maximum: 2 })).status, 400, 'a VLAN range names its physnet');
    assert.equal(
      (await create({ network_type: 'vlan', physical_network: 'physnet1', minimum: 4000, maximum: 4095 })).status,
      400,
    );
    assert.equal((await create({ minimum: 9, maximum: 8 })).status, 400);
    assert.equal((await create({ minimum: 2 ** 24, maximum: 2 ** 24 })).status, 400, 'beyond the VNI space');
    assert.equal(
      (
        await s.request(
          'POST',
          '/v2.0/network-segment-ranges',
          { network_segment_range: { network_type: 'gre', minimum: 1, maximum: 2 } },
          BOB,
        )
      ).status,
      403,
    );
  });
});
