import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

describe('ports API', () => {
  let s: TestServer;
  let net: string;
  let v4: string;
  before(async () => {
    s = await testServer();
    net = (await s.post('/v2.0/networks', { network: { name: 'n' } }, ALICE)).network.id;
    v4 = (await s.post('/v2.0/subnets', { subnet: { network_id: net, ip_version: 4, cidr: '10.0.0.0/28' } }, ALICE)).subnet.id;
  });
  after(() => s.close());

  const port = (body: Record<string, unknown>, as = ALICE) =>
    s.request('POST', '/v2.0/ports', { port: { network_id: net, ...body } }, as);

  it('gives a new port one IPv4 address, a fa:16:3e MAC and status DOWN', async () => {
    const r = await port({ name: 'vm1' });
    assert.equal(r.status, 201);
    const p = r.body.port;
    assert.match(p.mac_address, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    assert.deepEqual(p.fixed_ips, [{ subnet_id: v4, ip_address: '10.0.0.2' }]);
    assert.equal(p.status, 'DOWN');
    assert.equal(p.port_security_enabled, true);
    assert.equal(p['binding:host_id'], undefined, 'binding attributes are admin-only');
    const admin = await s.get(`/v2.0/ports/${p.id}`, ADMIN);
    assert.equal(admin.port['binding:vif_type'], 'unbound');
  });

  it('gives a requested address or refuses it with the right error', async () => {
    const ok = await port({ fixed_ips: [{ ip_address: '10.0.0.9' }] });
    assert.equal(ok.status, 201);
    assert.deepEqual(ok.body.port.fixed_ips, [{ subnet_id: v4, ip_address: '10.0.0.9' }]);
    const taken = await port({ fixed_ips: [{ ip_address: '10.0.0.9' }] });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.NeutronError.type, 'IpAddressAlreadyAllocated');
    const outside = await port({ fixed_ips: [{ ip_address: '10.9.9.9' }] });
    assert.equal(outside.body.NeutronError.type, 'InvalidIpForNetwork');
    const broadcast = await port({ fixed_ips: [{ subnet_id: v4, ip_address: '10.0.0.15' }] });
    assert.equal(broadcast.body.NeutronError.type, 'InvalidIpForSubnet');
    const wrongSubnet = await port({ fixed_ips: [{ subnet_id: '00000000-0000-0000-0000-000000000000' }] });
    assert.equal(wrongSubnet.status, 400);
    const malformed = await port({ fixed_ips: [{ ip_address: '10.0.0.300' }] });
    assert.equal(malformed.status, 400);
  });

  it('refuses a duplicate MAC on the same network only', async () => {
    const a = await port({ mac_address: 'fa:16:3e:00:00:01' });
    assert.equal(a.status, 201);
    const b = await port({ mac_address: 'FA:16:3E:00:00:01' });
    assert.equal(b.status, 409);
    assert.equal(b.body.NeutronError.type, 'MacAddressInUse');
    const multicast = await port({ mac_address: '01:00:5e:00:00:01' });
    assert.equal(multicast.status, 400);
  });

  it('answers IpAddressGenerationFailure when the subnet is full', async () => {
    let last = 201;
    for (let i = 0; i < 20 && last === 201; i++) last = (await port({})).status;
    const r = await port({});
    assert.equal(r.status, 409);
    assert.equal(r.body.NeutronError.type, 'IpAddressGenerationFailure');
  });

  it('keeps addresses on update, moves them when asked, and frees them on delete', async () => {
    const n2 = (await s.post('/v2.0/networks', { network: { name: 'n2' } }, ALICE)).network.id;
    const sn = (await s.post('/v2.0/subnets', { subnet: { network_id: n2, ip_version: 4, cidr: '10.1.0.0/24' } }, ALICE)).subnet
      .id;
    const p = (await s.post('/v2.0/ports', { port: { network_id: n2 } }, ALICE)).port;
    const renamed = await s.request('PUT', `/v2.0/ports/${p.id}`, { port: { name: 'x' } }, ALICE);
    assert.deepEqual(renamed.body.port.fixed_ips, p.fixed_ips);
    const moved = await s.request(
      'PUT',
      `/v2.0/ports/${p.id}`,
      { port: { fixed_ips: [{ subnet_id: sn, ip_address: '10.1.0.50' }] } },
      ALICE,
    );
    assert.equal(moved.status, 200);
    assert.deepEqual(moved.body.port.fixed_ips, [{ subnet_id: sn, ip_address: '10.1.0.50' }]);
    const q = (
      await s.post('/v2.0/ports', { port: { network_id: n2, fixed_ips: [{ ip_address: p.fixed_ips[0].ip_address }] } }, ALICE)
    ).port;
    assert.equal(q.fixed_ips[0].ip_address, p.fixed_ips[0].ip_address, 'the old address is free again');
    await s.request('DELETE', `/v2.0/ports/${p.id}`, undefined, ALICE);
    const r = await s.post('/v2.0/ports', { port: { network_id: n2, fixed_ips: [{ ip_address: '10.1.0.50' }] } }, ALICE);
    assert.equal(r.port.fixed_ips[0].ip_address, '10.1.0.50');
  });

  it('refuses address pairs without port security and duplicate pairs', async () => {
    const noSec = await port({
      fixed_ips: [],
      port_security_enabled: false,
      allowed_address_pairs: [{ ip_address: '10.0.0.100' }],
    });
    assert.equal(noSec.status, 409);
    assert.equal(noSec.body.NeutronError.type, 'AddressPairAndPortSecurityRequired');
    const dup = await port({
      fixed_ips: [],
      allowed_address_pairs: [{ ip_address: '10.0.0.100' }, { ip_address: '10.0.0.100' }],
    });
    assert.equal(dup.status, 400);
    const ok = await port({ fixed_ips: [], allowed_address_pairs: [{ ip_address: '10.0.0.0/24' }] });
    assert.equal(ok.status, 201);
    assert.match(ok.body.port.allowed_address_pairs[0].mac_address, /^fa:16:3e/);
  });

  it('lets only admins set binding attributes and filters by fixed_ips', async () => {
    const r = await port({ fixed_ips: [], 'binding:host_id': 'compute1' });
    assert.equal(r.status, 403);
    const admin = await s.request(
      'POST',
      '/v2.0/ports',
      { port: { network_id: net, fixed_ips: [], 'binding:host_id': 'compute1', project_id: 'alice' } },
      ADMIN,
    );
    assert.equal(admin.status, 201);
    const byIp = await s.get('/v2.0/ports?fixed_ips=ip_address%3D10.0.0.9', ALICE);
    assert.equal(byIp.ports.length, 1);
    const byHost = await s.get('/v2.0/ports?binding:host_id=compute1', ADMIN);
    assert.equal(byHost.ports.length, 1);
  });

  it('keeps other projects out of private networks but lets them onto shared ones', async () => {
    const r = await port({}, BOB);
    assert.equal(r.status, 404);
    const shared = (await s.post('/v2.0/networks', { network: { name: 'public', shared: true } }, ADMIN)).network.id;
    await s.post('/v2.0/subnets', { subnet: { network_id: shared, ip_version: 4, cidr: '10.8.0.0/24' } }, ADMIN);
    const ok = await s.request('POST', '/v2.0/ports', { port: { network_id: shared } }, BOB);
    assert.equal(ok.status, 201);
    const specific = await s.request(
      'POST',
      '/v2.0/ports',
      { port: { network_id: shared, fixed_ips: [{ ip_address: '10.8.0.77' }] } },
      BOB,
    );
    assert.equal(specific.status, 403, 'only the network owner picks addresses on a shared network');
  });

  it('deletes a network with its DHCP ports but refuses while other ports remain', async () => {
    const n = (await s.post('/v2.0/networks', { network: { name: 'gone' } }, ALICE)).network.id;
    await s.post('/v2.0/subnets', { subnet: { network_id: n, ip_version: 4, cidr: '10.2.0.0/24' } }, ALICE);
    await s.request('POST', '/v2.0/ports', { port: { network_id: n, device_owner: 'network:dhcp' } }, ADMIN);
    const vm = (await s.post('/v2.0/ports', { port: { network_id: n } }, ALICE)).port;
    const busy = await s.request('DELETE', `/v2.0/networks/${n}`, undefined, ALICE);
    assert.equal(busy.status, 409);
    assert.equal(busy.body.NeutronError.type, 'NetworkInUse');
    await s.request('DELETE', `/v2.0/ports/${vm.id}`, undefined, ALICE);
    assert.equal((await s.request('DELETE', `/v2.0/networks/${n}`, undefined, ALICE)).status, 204);
    assert.equal((await s.get(`/v2.0/ports?network_id=${n}`, ADMIN)).ports.length, 0);
    assert.equal((await s.get(`/v2.0/subnets?network_id=${n}`, ADMIN)).subnets.length, 0);
  });

  it('gives SLAAC subnets EUI-64 addresses to every port of the network', async () => {
    const n = (await s.post('/v2.0/networks', { network: { name: 'v6' } }, ALICE)).network.id;
    await s.post('/v2.0/subnets', { subnet: { network_id: n, ip_version: 4, cidr: '10.3.0.0/24' } }, ALICE);
    const before = (await s.post('/v2.0/ports', { port: { network_id: n } }, ALICE)).port;
    const slaac = (
      await s.post(
        '/v2.0/subnets',
        {
          subnet: { network_id: n, ip_version: 6, cidr: '2001:db8:9::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' },
        },
        ALICE,
      )
    ).subnet;
    const updated = await s.get(`/v2.0/ports/${before.id}`, ALICE);
    assert.equal(updated.port.fixed_ips.length, 2);
    assert.equal(updated.port.fixed_ips[1].subnet_id, slaac.id);
    const after = (await s.post('/v2.0/ports', { port: { network_id: n } }, ALICE)).port;
    assert.equal(after.fixed_ips.length, 2);
  });

  it('refuses an unknown attribute in a port body with a 400 that names it', async () => {
    const created = await port({ fixed_ips: [], bogus: 1 });
    assert.equal(created.status, 400);
    assert.equal(created.body.NeutronError.type, 'HTTPBadRequest');
    assert.equal(created.body.NeutronError.message, "Unrecognized attribute(s) 'bogus'");
    const p = (await port({ fixed_ips: [] })).body.port;
    const updated = await s.request('PUT', `/v2.0/ports/${p.id}`, { port: { name: 'x', bogus: 1 } }, ALICE);
    assert.equal(updated.status, 400);
    assert.equal(updated.body.NeutronError.message, "Unrecognized attribute(s) 'bogus'");
    assert.equal((await s.get(`/v2.0/ports/${p.id}`, ALICE)).port.name, '', 'nothing of the refused update is kept');
  });

  it('gives ports on a network without port security no port security and no groups, unless they ask', async () => {
    const open = (await s.post('/v2.0/networks', { network: { name: 'open', port_security_enabled: false } }, ALICE)).network;
    assert.equal(open.port_security_enabled, false);
    await s.post('/v2.0/subnets', { subnet: { network_id: open.id, ip_version: 4, cidr: '10.4.0.0/24' } }, ALICE);
    const inherited = (await s.post('/v2.0/ports', { port: { network_id: open.id } }, ALICE)).port;
    assert.equal(inherited.port_security_enabled, false);
    assert.deepEqual(inherited.security_groups, []);
    const pairs = await s.request(
      'POST',
      '/v2.0/ports',
      { port: { network_id: open.id, allowed_address_pairs: [{ ip_address: '10.4.0.100' }] } },
      ALICE,
    );
    assert.equal(pairs.status, 409);
    assert.equal(pairs.body.NeutronError.type, 'AddressPairAndPortSecurityRequired');
    const secured = (await s.post('/v2.0/ports', { port: { network_id: open.id, port_security_enabled: true } }, ALICE)).port;
    assert.equal(secured.port_security_enabled, true);
    assert.equal(secured.security_groups.length, 1, 'the default group');
  });

  it('takes tags on create, bulk creates included (tag-creation), in the order given', async () => {
    const one = (await port({ name: 'tagged', fixed_ips: [], tags: ['tag-1', 'tag-2', 'tag-3'] })).body.port;
    assert.deepEqual(one.tags, ['tag-1', 'tag-2', 'tag-3']);
    assert.equal(one.revision_number, 1, 'one create, one revision');
    const bulk = await s.post(
      '/v2.0/ports',
      {
        ports: [
          { network_id: net, fixed_ips: [], tags: ['b'] },
          { network_id: net, fixed_ips: [] },
        ],
      },
      ALICE,
    );
    assert.deepEqual(
      bulk.ports.map((p: { tags: string[] }) => p.tags),
      [['b'], []],
    );
    assert.equal((await port({ fixed_ips: [], tags: ['x', 'x'] })).status, 400, 'a tag twice');
    assert.equal((await port({ fixed_ips: [], tags: ['a,b'] })).status, 400, 'not a tag');
    assert.deepEqual(
      (await s.get('/v2.0/ports?tags=tag-2', ALICE)).ports.map((p: { id: string }) => p.id),
      [one.id],
    );
  });

  it('tags a port: add, list, check, remove one or all, and filter with not-tags and not-tags-any', async () => {
    const ids: Record<string, string> = {};
    for (const [name, tags] of [
      ['t-a', ['red', 'blue']],
      ['t-b', ['red']],
      ['t-c', []],
    ] as const) {
      const p = (await port({ name, fixed_ips: [] })).body.port;
      ids[name] = p.id;
      for (const tag of tags)
        assert.equal((await s.request('PUT', `/v2.0/ports/${p.id}/tags/${tag}`, undefined, ALICE)).status, 201);
    }
    const a = ids['t-a']!;
    assert.equal(
      (await s.request('PUT', `/v2.0/ports/${a}/tags/red`, undefined, ALICE)).status,
      201,
      'adding a tag twice is fine',
    );
    assert.deepEqual((await s.get(`/v2.0/ports/${a}/tags`, ALICE)).tags, ['red', 'blue']);
    assert.deepEqual((await s.get(`/v2.0/ports/${a}`, ALICE)).port.tags, ['red', 'blue']);
    assert.equal((await s.request('GET', `/v2.0/ports/${a}/tags/blue`, undefined, ALICE)).status, 204);
    const names = async (query: string) =>
      (await s.get(`/v2.0/ports?name=t-a&name=t-b&name=t-c&sort_key=name&${query}`, ALICE)).ports.map(
        (p: { name: string }) => p.name,
      );
    assert.deepEqual(await names('tags=red,blue'), ['t-a']);
    assert.deepEqual(await names('tags-any=blue,green'), ['t-a']);
    assert.deepEqual(await names('not-tags=red,blue'), ['t-b', 't-c'], 'leaves out ports with all the tags');
    assert.deepEqual(await names('not-tags=red'), ['t-c']);
    assert.deepEqual(await names('not-tags-any=blue,green'), ['t-b', 't-c'], 'leaves out ports with any of the tags');
    assert.deepEqual(await names('not-tags-any=red'), ['t-c']);
    assert.equal((await s.request('DELETE', `/v2.0/ports/${a}/tags/blue`, undefined, ALICE)).status, 204);
    assert.deepEqual((await s.get(`/v2.0/ports/${a}/tags`, ALICE)).tags, ['red']);
    assert.equal((await s.request('DELETE', `/v2.0/ports/${a}/tags`, undefined, ALICE)).status, 204);
    assert.deepEqual((await s.get(`/v2.0/ports/${a}/tags`, ALICE)).tags, []);
    assert.deepEqual(await names('tags-any=red'), ['t-b']);
  });

  it('answers 404 PortNotFound for an unknown port and TagNotFound for a tag the port does not carry', async () => {
    const missing = await s.request('GET', '/v2.0/ports/00000000-0000-4000-8000-000000000000', undefined, ALICE);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.NeutronError.type, 'PortNotFound');
    assert.equal(missing.body.NeutronError.message, 'Port 00000000-0000-4000-8000-000000000000 could not be found.');
    const p = (await port({ fixed_ips: [] })).body.port;
    for (const method of ['GET', 'DELETE']) {
      const r = await s.request(method, `/v2.0/ports/${p.id}/tags/absent`, undefined, ALICE);
      assert.equal(r.status, 404, method);
      assert.equal(r.body.NeutronError.type, 'TagNotFound', method);
      assert.equal(r.body.NeutronError.message, 'Tag absent could not be found.', method);
    }
  });

  it('replaces tags as Neutron validates them, and a tag change that changes nothing keeps the revision', async () => {
    const p = (await port({ fixed_ips: [] })).body.port;
    const put = (body: unknown) => s.request('PUT', `/v2.0/ports/${p.id}/tags`, body, ALICE);
    const dup = await put({ tags: ['a', 'b', 'a'] });
    assert.deepEqual([dup.status, dup.body.NeutronError.type], [400, 'InvalidInput']);
    assert.equal(dup.body.NeutronError.message, "Invalid input for operation: Duplicate items in the list: 'a'.");
    const noTags = await put({ labels: ['a'] });
    assert.deepEqual([noTags.status, noTags.body.NeutronError.message], [400, 'Invalid input for operation: Invalid tags body.']);
    assert.deepEqual((await put({ tags: ['a', 'b'] })).body.tags, ['a', 'b']);
    const revision = (await s.get(`/v2.0/ports/${p.id}`, ALICE)).port.revision_number;
    assert.equal((await s.request('PUT', `/v2.0/ports/${p.id}/tags/a`, undefined, ALICE)).status, 201);
    await put({ tags: ['b', 'a'] });
    assert.equal((await s.get(`/v2.0/ports/${p.id}`, ALICE)).port.revision_number, revision);
  });
});
