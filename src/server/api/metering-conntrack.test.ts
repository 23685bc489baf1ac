import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorType, externalNetwork, router } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

// What Neutron 21 answers was measured on a reference server with the metering and
// conntrack_helper plugins (docs/metering.md, docs/l3.md).
describe('metering API', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  const label = async (body: Record<string, unknown> = {}) =>
    (await s.post('/v2.0/metering/metering-labels', { metering_label: { name: 'l', ...body } }, ADMIN)).metering_label;
  const rule = (body: Record<string, unknown>, as = ADMIN) =>
    s.request('POST', '/v2.0/metering/metering-label-rules', { metering_label_rule: { direction: 'egress', ...body } }, as);

  it('makes labels and rules as Neutron shows them, and a label takes its rules with it', async () => {
    const l = await label({ description: 'x'.repeat(1024), shared: true });
    assert.deepEqual(Object.keys(l).sort(), ['description', 'id', 'name', 'project_id', 'shared', 'tenant_id']);
    const r = (await rule({ metering_label_id: l.id, remote_ip_prefix: '10.0.0.5/24' })).body.metering_label_rule;
    assert.deepEqual(r, {
      id: r.id,
      metering_label_id: l.id,
      direction: 'egress',
      excluded: false,
      remote_ip_prefix: '10.0.0.5/24',
      source_ip_prefix: null,
      destination_ip_prefix: null,
    });
    const sd = (await rule({ metering_label_id: l.id, source_ip_prefix: '10.1.0.0', destination_ip_prefix: 'fd00:0::1/64' })).body
      .metering_label_rule;
    assert.deepEqual([sd.source_ip_prefix, sd.destination_ip_prefix], ['10.1.0.0/32', 'fd00::1/64']);
    assert.equal(
      (await s.get(`/v2.0/metering/metering-label-rules?metering_label_id=${l.id}`, ADMIN)).metering_label_rules.length,
      2,
    );
    assert.equal((await s.get('/v2.0/metering/metering-labels?id=33', ADMIN)).metering_labels.length, 0);
    await s.del(`/v2.0/metering/metering-labels/${l.id}`, ADMIN);
    assert.equal(
      (await s.get(`/v2.0/metering/metering-label-rules?metering_label_id=${l.id}`, ADMIN)).metering_label_rules.length,
      0,
    );
    assert.equal(errorType(await s.request('GET', `/v2.0/metering/metering-labels/${l.id}`)), 'MeteringLabelNotFound');
  });

  it('refuses rules as Neutron does (its Invalid is a 400 here, a 500 there) and changes nothing', async () => {
    const l = await label();
    await rule({ metering_label_id: l.id, remote_ip_prefix: '10.0.0.0/24' });
    for (const [body, type, status] of [
      [{ remote_ip_prefix: '10.0.0.0/25' }, 'MeteringLabelRuleOverlaps', 409],
      [{ remote_ip_prefix: '10.2.0.0/24', source_ip_prefix: '10.3.0.0/24' }, 'Invalid', 400],
      [{}, 'Invalid', 400],
      [{ source_ip_prefix: 'bogus' }, 'Invalid', 400],
      [{ destination_ip_prefix: '10.0.0.0/33' }, 'Invalid', 400],
      [{ direction: 'sideways', remote_ip_prefix: '10.4.0.0/24' }, 'HTTPBadRequest', 400],
    ] as const) {
      const r = await rule({ metering_label_id: l.id, ...body });
      assert.deepEqual([errorType(r), r.status], [type, status], JSON.stringify(body));
    }
    const r = await rule({ metering_label_id: '00000000-0000-0000-0000-000000000000', remote_ip_prefix: '10.9.0.0/24' });
    assert.equal(r.body.NeutronError.message, "Metering label '00000000-0000-0000-0000-000000000000' does not exist.");
    // Excluded rules and the other direction do not overlap included egress ones.
    assert.equal((await rule({ metering_label_id: l.id, remote_ip_prefix: '10.0.0.0/25', excluded: true })).status, 201);
    assert.equal((await rule({ metering_label_id: l.id, remote_ip_prefix: '10.0.0.0/25', direction: 'ingress' })).status, 201);
    assert.equal(
      (await s.get(`/v2.0/metering/metering-label-rules?metering_label_id=${l.id}`, ADMIN)).metering_label_rules.length,
      3,
    );
  });

  it('has no update: naming an attribute is read-only, an empty one is Neutron’s 501', async () => {
    const l = await label();
    const named = await s.request('PUT', `/v2.0/metering/metering-labels/${l.id}`, { metering_label: { name: 'x' } });
    assert.equal(named.body.NeutronError.message, 'Cannot update read-only attribute name');
    const empty = await s.request('PUT', `/v2.0/metering/metering-labels/${l.id}`, { metering_label: {} });
    assert.equal(empty.status, 501);
  });

  it('is the admin’s alone', async () => {
    const l = await label();
    assert.equal((await s.request('POST', '/v2.0/metering/metering-labels', { metering_label: {} }, ALICE)).status, 403);
    assert.equal((await s.request('GET', `/v2.0/metering/metering-labels/${l.id}`, undefined, ALICE)).status, 404);
    assert.deepEqual((await s.get('/v2.0/metering/metering-labels', ALICE)).metering_labels, []);
    assert.equal((await rule({ metering_label_id: l.id, remote_ip_prefix: '10.5.0.0/24' }, ALICE)).status, 403);
  });
});

describe('conntrack helpers API', () => {
  let s: TestServer;
  let routerId: string;
  before(async () => {
    s = await testServer();
    const ext = (await externalNetwork(s)).network;
    routerId = (await router(s, ALICE, ext)).id;
  });
  after(() => s.close());

  const path = (r = routerId) => `/v2.0/routers/${r}/conntrack_helpers`;
  const helper = (body: Record<string, unknown>, as = ALICE, r = routerId) =>
    s.request('POST', path(r), { conntrack_helper: { protocol: 'tcp', port: 21, helper: 'ftp', ...body } }, as);

  it('adds helpers the server allows, shows them in the router, and moves its revision', async () => {
    const before = (await s.get(`/v2.0/routers/${routerId}`, ALICE)).router;
    assert.deepEqual(before.conntrack_helpers, []);
    const ftp = await helper({});
    assert.equal(ftp.status, 201);
    assert.deepEqual(Object.keys(ftp.body.conntrack_helper).sort(), ['helper', 'id', 'port', 'protocol']);
    const twice = await helper({});
    assert.equal(errorType(twice), 'BadRequest');
    assert.match(twice.body.NeutronError.message, /A duplicate conntrack helper entry with same attributes already exists/);
    assert.equal(errorType(await helper({ protocol: 'udp' })), 'InvalidProtocolForHelper');
    assert.equal(errorType(await helper({ helper: 'bogus' })), 'ConntrackHelperNotAllowed');
    assert.equal(errorType(await helper({ protocol: '17' })), 'HTTPBadRequest');
    const tftp = (await helper({ protocol: 'udp', port: 69, helper: 'tftp' })).body.conntrack_helper;
    const after = (await s.get(`/v2.0/routers/${routerId}`, ALICE)).router;
    assert.equal(after.conntrack_helpers.length, 2);
    assert.ok(after.revision_number > before.revision_number);
    const moved = (await s.put(`${path()}/${tftp.id}`, { conntrack_helper: { port: 6969 } }, ALICE)).conntrack_helper;
    assert.equal(moved.port, 6969);
    assert.equal(
      errorType(await s.request('PUT', `${path()}/${tftp.id}`, { conntrack_helper: { helper: 'ftp' } }, ALICE)),
      'InvalidProtocolForHelper',
    );
    await s.del(`${path()}/${tftp.id}`, ALICE);
    assert.equal(errorType(await s.request('GET', `${path()}/${tftp.id}`, undefined, ALICE)), 'ConntrackHelperNotFound');
  });

  it('answers under a router the caller cannot see as Neutron: an empty list, the helper’s 404, the router’s on create', async () => {
    const ftp = (await helper({ port: 2121 })).body.conntrack_helper;
    assert.deepEqual((await s.get(path(), BOB)).conntrack_helpers, []);
    assert.equal(errorType(await s.request('GET', `${path()}/${ftp.id}`, undefined, BOB)), 'ConntrackHelperNotFound');
    assert.equal(errorType(await helper({ port: 2122 }, BOB)), 'RouterNotFound');
    assert.deepEqual((await s.get(path('00000000-0000-0000-0000-000000000000'), ALICE)).conntrack_helpers, []);
    assert.equal((await helper({ port: 2123 }, { project: 'alice', roles: 'reader' })).status, 403);
  });

  it('go with their router', async () => {
    const ext = (await externalNetwork(s, '198.51.100.0/24')).network;
    const r = (await router(s, ALICE, ext, 'r2')).id;
    const c = (await helper({}, ALICE, r)).body.conntrack_helper;
    await s.del(`/v2.0/routers/${r}`, ALICE);
    assert.equal(s.store.view.get('conntrack_helper', c.id), undefined);
  });
});
