import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addInterface, removeInterface, router } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

describe('subnets API', () => {
  let s: TestServer;
  let net: string;
  before(async () => {
    s = await testServer();
    net = (await s.post('/v2.0/networks', { network: { name: 'n' } }, ALICE)).network.id;
  });
  after(() => s.close());

  const create = (subnet: Record<string, unknown>, as = ALICE) =>
    s.request('POST', '/v2.0/subnets', { subnet: { network_id: net, ...subnet } }, as);
  const error = async (subnet: Record<string, unknown>, status: number, type: string) => {
    const r = await create(subnet);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.NeutronError.type, type);
    return r.body.NeutronError.message as string;
  };

  it("applies Neutron's IPv4 defaults", async () => {
    const r = await create({ ip_version: 4, cidr: '10.0.0.0/24' });
    assert.equal(r.status, 201);
    const sn = r.body.subnet;
    assert.equal(sn.gateway_ip, '10.0.0.1');
    assert.deepEqual(sn.allocation_pools, [{ start: '10.0.0.2', end: '10.0.0.254' }]);
    assert.equal(sn.enable_dhcp, true);
    assert.deepEqual(sn.dns_nameservers, []);
    const n = await s.get(`/v2.0/networks/${net}`, ALICE);
    assert.deepEqual(n.network.subnets, [sn.id]);
  });

  it("applies Neutron's IPv6 defaults: the gateway is the subnet-router anycast address", async () => {
    const r = await create({ ip_version: 6, cidr: '2001:db8:1::/64' });
    assert.equal(r.status, 201);
    assert.equal(r.body.subnet.gateway_ip, '2001:db8:1::');
    assert.deepEqual(r.body.subnet.allocation_pools, [{ start: '2001:db8:1::1', end: '2001:db8:1:0:ffff:ffff:ffff:ffff' }]);
    const slaac = await create({ ip_version: 6, cidr: '2001:db8:2::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' });
    assert.equal(slaac.body.subnet.gateway_ip, '2001:db8:2::');
  });

  it('filters on shared, the hidden attribute of whether the network is shared', async () => {
    const pub = (await s.post('/v2.0/networks', { network: { name: 'pub', shared: true } }, ADMIN)).network.id;
    const shared = (await s.post('/v2.0/subnets', { subnet: { network_id: pub, ip_version: 4, cidr: '10.77.0.0/24' } }, ADMIN))
      .subnet;
    const mine = (await create({ ip_version: 4, cidr: '10.78.0.0/24' })).body.subnet;
    const ids = async (q: string) => (await s.get(`/v2.0/subnets?${q}`, ALICE)).subnets.map((x: any) => x.id);
    assert.ok((await ids('shared=true')).includes(shared.id));
    assert.ok(!(await ids('shared=true')).includes(mine.id));
    assert.ok((await ids('shared=False')).includes(mine.id));
    assert.ok(!(await ids('shared=false')).includes(shared.id));
    assert.equal(shared.shared, undefined, 'not shown');
    assert.equal((await s.request('GET', '/v2.0/subnets?shared=maybe', undefined, ALICE)).status, 400);
    await s.del(`/v2.0/networks/${pub}`, ADMIN);
    await s.del(`/v2.0/subnets/${mine.id}`, ALICE);
  });

  it('gives addresses of subnets with service types only to ports of those device owners', async () => {
    const n = (await s.post('/v2.0/networks', { network: { name: 'st' } }, ALICE)).network.id;
    const sub = (cidr: string, types: string[]) =>
      s.post('/v2.0/subnets', { subnet: { network_id: n, ip_version: 4, cidr, service_types: types } }, ALICE);
    const one = (await sub('192.168.1.0/24', ['test:type_1', 'network:distributed'])).subnet;
    const two = (await sub('192.168.2.0/24', ['test:type_2'])).subnet;
    assert.deepEqual(one.service_types, ['test:type_1', 'network:distributed']);
    const port = async (owner: string) =>
      (await s.post('/v2.0/ports', { port: { network_id: n, device_owner: owner } }, ALICE)).port.fixed_ips;
    assert.deepEqual(
      (await port('test:type_1')).map((f: any) => f.subnet_id),
      [one.id],
    );
    assert.deepEqual(
      (await port('test:type_2')).map((f: any) => f.subnet_id),
      [two.id],
    );
    const bad = await s.request(
      'POST',
      '/v2.0/subnets',
      { subnet: { network_id: n, ip_version: 4, cidr: '192.168.3.0/24', service_types: ['xyz'] } },
      ALICE,
    );
    assert.equal(bad.body.NeutronError.type, 'InvalidInput');
    const changed = await s.put(`/v2.0/subnets/${two.id}`, { subnet: { service_types: [] } }, ALICE);
    assert.deepEqual(changed.subnet.service_types, []);
  });

  it('normalises and validates the cidr', async () => {
    await error({ ip_version: 4, cidr: '10.9.0.0/33' }, 400, 'HTTPBadRequest');
    await error({ ip_version: 4, cidr: 'banana' }, 400, 'HTTPBadRequest');
    const msg = await error({ ip_version: 4, cidr: '10.9.0.5' }, 400, 'HTTPBadRequest');
    assert.match(msg, /'10\.9\.0\.5\/32' is recommended/);
    // Neutron 21 drops host bits (measured): 10.9.0.5/24 is 10.9.0.0/24.
    const hostBits = await create({ ip_version: 4, cidr: '10.9.0.5/24' });
    assert.equal(hostBits.body.subnet.cidr, '10.9.0.0/24');
    await s.del(`/v2.0/subnets/${hostBits.body.subnet.id}`, ALICE);
    await error({ ip_version: 6, cidr: '10.9.0.0/24' }, 400, 'InvalidInput');
    await error({ ip_version: 5, cidr: '10.9.0.0/24' }, 400, 'HTTPBadRequest');
    await error({ cidr: '10.9.0.0/24' }, 400, 'HTTPBadRequest');
  });

  it('refuses overlapping subnets on one network but not across networks', async () => {
    await error({ ip_version: 4, cidr: '10.0.0.128/25' }, 400, 'InvalidInput');
    const other = (await s.post('/v2.0/networks', { network: { name: 'other' } }, BOB)).network.id;
    const r = await s.request(
      'POST',
      '/v2.0/subnets',
      { subnet: { network_id: other, ip_version: 4, cidr: '10.0.0.0/24' } },
      BOB,
    );
    assert.equal(r.status, 201, 'projects may use the same cidr on their own networks');
  });

  it('validates the gateway', async () => {
    await error({ ip_version: 4, cidr: '10.1.0.0/24', gateway_ip: '10.1.0.0' }, 400, 'InvalidInput');
    await error({ ip_version: 4, cidr: '10.1.0.0/24', gateway_ip: '10.1.0.255' }, 400, 'InvalidInput');
    await error({ ip_version: 4, cidr: '10.1.0.0/24', gateway_ip: '2001:db8::1' }, 400, 'InvalidInput');
    const outside = await create({ ip_version: 4, cidr: '10.1.0.0/24', gateway_ip: '192.168.1.1' });
    assert.equal(outside.status, 201, 'Neutron accepts a gateway outside the cidr');
    const none = await create({ ip_version: 4, cidr: '10.2.0.0/24', gateway_ip: null });
    assert.equal(none.body.subnet.gateway_ip, null);
    assert.deepEqual(none.body.subnet.allocation_pools, [{ start: '10.2.0.1', end: '10.2.0.254' }]);
  });

  it('validates allocation pools', async () => {
    await error(
      { ip_version: 4, cidr: '10.3.0.0/24', allocation_pools: [{ start: '10.3.0.10', end: '10.3.1.5' }] },
      400,
      'OutOfBoundsAllocationPool',
    );
    await error(
      {
        ip_version: 4,
        cidr: '10.3.0.0/24',
        allocation_pools: [
          { start: '10.3.0.10', end: '10.3.0.20' },
          { start: '10.3.0.15', end: '10.3.0.30' },
        ],
      },
      409,
      'OverlappingAllocationPools',
    );
    await error(
      {
        ip_version: 4,
        cidr: '10.3.0.0/24',
        gateway_ip: '10.3.0.12',
        allocation_pools: [{ start: '10.3.0.10', end: '10.3.0.20' }],
      },
      409,
      'GatewayConflictWithAllocationPools',
    );
    await error({ ip_version: 4, cidr: '10.3.0.0/24', allocation_pools: [{ start: '10.3.0.10' }] }, 400, 'HTTPBadRequest');
    const ok = await create({
      ip_version: 4,
      cidr: '10.3.0.0/24',
      allocation_pools: [{ start: '10.3.0.100', end: '10.3.0.110' }],
    });
    assert.equal(ok.status, 201);
  });

  it('validates DNS servers, host routes and IPv6 modes', async () => {
    await error({ ip_version: 4, cidr: '10.4.0.0/24', dns_nameservers: ['2001:db8::53'] }, 400, 'InvalidInput');
    await error({ ip_version: 4, cidr: '10.4.0.0/24', dns_nameservers: ['8.8.8.8', '8.8.8.8'] }, 400, 'HTTPBadRequest');
    await error(
      { ip_version: 4, cidr: '10.4.0.0/24', dns_nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4', '1.1.1.5', '1.1.1.6'] },
      400,
      'DNSNameServersExhausted',
    );
    await error({ ip_version: 4, cidr: '10.4.0.0/24', host_routes: [{ destination: '10.9.0.0/16' }] }, 400, 'HTTPBadRequest');
    await error(
      { ip_version: 4, cidr: '10.4.0.0/24', host_routes: [{ destination: '::/0', nexthop: '10.4.0.1' }] },
      400,
      'InvalidInput',
    );
    await error({ ip_version: 4, cidr: '10.4.0.0/24', ipv6_ra_mode: 'slaac' }, 400, 'InvalidInput');
    await error(
      { ip_version: 6, cidr: '2001:db8:4::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'dhcpv6-stateful' },
      400,
      'InvalidInput',
    );
    await error({ ip_version: 6, cidr: '2001:db8:4::/80', ipv6_address_mode: 'slaac' }, 400, 'InvalidInput');
    const ok = await create({
      ip_version: 4,
      cidr: '10.4.0.0/24',
      dns_nameservers: ['8.8.8.8'],
      host_routes: [{ destination: '10.9.0.0/16', nexthop: '10.4.0.254' }],
    });
    assert.equal(ok.status, 201);
    assert.deepEqual(ok.body.subnet.host_routes, [{ destination: '10.9.0.0/16', nexthop: '10.4.0.254' }]);
  });

  it('updates keep allocated addresses valid', async () => {
    const sn = (await create({ ip_version: 4, cidr: '10.5.0.0/24' })).body.subnet;
    const port = (await s.post('/v2.0/ports', { port: { network_id: net, fixed_ips: [{ subnet_id: sn.id }] } }, ALICE)).port;
    assert.equal(port.fixed_ips[0].ip_address, '10.5.0.2');
    const badPool = await s.request(
      'PUT',
      `/v2.0/subnets/${sn.id}`,
      { subnet: { allocation_pools: [{ start: '10.5.0.1', end: '10.5.0.50' }] } },
      ALICE,
    );
    assert.equal(badPool.status, 409);
    assert.equal(badPool.body.NeutronError.type, 'GatewayConflictWithAllocationPools');
    const upd = await s.request(
      'PUT',
      `/v2.0/subnets/${sn.id}`,
      { subnet: { name: 'renamed', dns_nameservers: ['9.9.9.9'] } },
      ALICE,
    );
    assert.equal(upd.status, 200);
    assert.equal(upd.body.subnet.revision_number, 2);
    const cidr = await s.request('PUT', `/v2.0/subnets/${sn.id}`, { subnet: { cidr: '10.6.0.0/24' } }, ALICE);
    assert.equal(cidr.status, 400);
    const inUse = await s.request('DELETE', `/v2.0/subnets/${sn.id}`, undefined, ALICE);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.NeutronError.type, 'SubnetInUse');
    await s.request('DELETE', `/v2.0/ports/${port.id}`, undefined, ALICE);
    assert.equal((await s.request('DELETE', `/v2.0/subnets/${sn.id}`, undefined, ALICE)).status, 204);
  });

  it("hides other projects' subnets and refuses subnets on their networks", async () => {
    const r = await s.request('POST', '/v2.0/subnets', { subnet: { network_id: net, ip_version: 4, cidr: '10.7.0.0/24' } }, BOB);
    assert.equal(r.status, 404);
    assert.equal(r.body.NeutronError.type, 'NetworkNotFound');
    const list = await s.get('/v2.0/subnets', BOB);
    assert.ok(list.subnets.every((x: { project_id: string }) => x.project_id === 'bob'));
    const all = await s.get('/v2.0/subnets', ADMIN);
    assert.ok(all.subnets.length > list.subnets.length);
  });

  it('refuses to move a gateway a router port holds, but lets it move onto a port’s address outside the pools', async () => {
    const n = (await s.post('/v2.0/networks', { network: { name: 'gw' } }, ALICE)).network.id;
    const sn = (
      await s.post(
        '/v2.0/subnets',
        {
          subnet: {
            network_id: n,
            ip_version: 4,
            cidr: '10.8.0.0/24',
            allocation_pools: [{ start: '10.8.0.100', end: '10.8.0.200' }],
          },
        },
        ALICE,
      )
    ).subnet;
    const gateway = (ip: string) => s.request('PUT', `/v2.0/subnets/${sn.id}`, { subnet: { gateway_ip: ip } }, ALICE);
    await s.post('/v2.0/ports', { port: { network_id: n, fixed_ips: [{ ip_address: '10.8.0.10' }] } }, ALICE);
    const ontoPort = await gateway('10.8.0.10');
    assert.equal(ontoPort.status, 200, 'Neutron does not check that the new gateway is free');
    assert.equal(ontoPort.body.subnet.gateway_ip, '10.8.0.10');
    assert.equal((await gateway('10.8.0.150')).body.NeutronError.type, 'GatewayConflictWithAllocationPools');
    assert.equal((await gateway('10.8.0.1')).status, 200);
    const r = await router(s, ALICE);
    const { port_id } = (await addInterface(s, ALICE, r.id, { subnet_id: sn.id })).body;
    const moved = await gateway('10.8.0.2');
    assert.equal(moved.status, 409);
    assert.equal(moved.body.NeutronError.type, 'GatewayIpInUse');
    assert.equal(
      moved.body.NeutronError.message,
      `Current gateway ip 10.8.0.1 already in use by port ${port_id}. Unable to update.`,
    );
    assert.equal((await gateway('10.8.0.1')).status, 200, 'naming the current gateway is no change');
    assert.equal((await s.get(`/v2.0/subnets/${sn.id}`, ALICE)).subnet.gateway_ip, '10.8.0.1');
    const none = await s.request('PUT', `/v2.0/subnets/${sn.id}`, { subnet: { gateway_ip: null } }, ALICE);
    assert.deepEqual([none.status, none.body.subnet?.gateway_ip], [200, null], 'Neutron checks only a new address');
    assert.equal((await gateway('10.8.0.1')).status, 200);
    assert.equal((await removeInterface(s, ALICE, r.id, { subnet_id: sn.id })).status, 200);
    assert.equal((await gateway('10.8.0.2')).body.subnet.gateway_ip, '10.8.0.2');
  });

  it('tags a subnet: add, list, check, remove one or all, and filter with not-tags and not-tags-any', async () => {
    const n = (await s.post('/v2.0/networks', { network: { name: 'tagged' } }, ALICE)).network.id;
    const ids: Record<string, string> = {};
    for (const [name, cidr, tags] of [
      ['t-a', '10.20.0.0/24', ['red', 'blue']],
      ['t-b', '10.21.0.0/24', ['red']],
      ['t-c', '10.22.0.0/24', []],
    ] as const) {
      const sn = (await s.post('/v2.0/subnets', { subnet: { network_id: n, name, ip_version: 4, cidr } }, ALICE)).subnet;
      ids[name] = sn.id;
      for (const tag of tags) {
        assert.equal((await s.request('PUT', `/v2.0/subnets/${sn.id}/tags/${tag}`, undefined, ALICE)).status, 201);
      }
    }
    const a = ids['t-a']!;
    assert.equal((await s.request('PUT', `/v2.0/subnets/${a}/tags/red`, undefined, ALICE)).status, 201);
    assert.deepEqual((await s.get(`/v2.0/subnets/${a}/tags`, ALICE)).tags, ['red', 'blue']);
    assert.deepEqual((await s.get(`/v2.0/subnets/${a}`, ALICE)).subnet.tags, ['red', 'blue']);
    assert.equal((await s.request('GET', `/v2.0/subnets/${a}/tags/red`, undefined, ALICE)).status, 204);
    const names = async (query: string) =>
      (await s.get(`/v2.0/subnets?network_id=${n}&sort_key=name&${query}`, ALICE)).subnets.map((x: { name: string }) => x.name);
    assert.deepEqual(await names('tags=red,blue'), ['t-a']);
    assert.deepEqual(await names('not-tags=red,blue'), ['t-b', 't-c'], 'leaves out subnets with all the tags');
    assert.deepEqual(await names('not-tags=red'), ['t-c']);
    assert.deepEqual(await names('not-tags-any=blue,green'), ['t-b', 't-c'], 'leaves out subnets with any of the tags');
    assert.deepEqual(await names('not-tags-any=red'), ['t-c']);
    assert.deepEqual(await names('tags=red&not-tags=blue'), ['t-b']);
    assert.equal((await s.request('DELETE', `/v2.0/subnets/${a}/tags/red`, undefined, ALICE)).status, 204);
    assert.deepEqual((await s.get(`/v2.0/subnets/${a}/tags`, ALICE)).tags, ['blue']);
    assert.equal((await s.request('DELETE', `/v2.0/subnets/${a}/tags`, undefined, ALICE)).status, 204);
    assert.deepEqual((await s.get(`/v2.0/subnets/${a}/tags`, ALICE)).tags, []);
    assert.deepEqual(await names('tags-any=red,blue'), ['t-b']);
  });

  it('answers 404 SubnetNotFound for an unknown subnet and TagNotFound for a tag the subnet does not carry', async () => {
    const missing = await s.request('GET', '/v2.0/subnets/00000000-0000-4000-8000-000000000000', undefined, ALICE);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.NeutronError.type, 'SubnetNotFound');
    assert.equal(missing.body.NeutronError.message, 'Subnet 00000000-0000-4000-8000-000000000000 could not be found.');
    const sn = (await create({ ip_version: 4, cidr: '10.9.0.0/24' })).body.subnet;
    for (const method of ['GET', 'DELETE']) {
      const r = await s.request(method, `/v2.0/subnets/${sn.id}/tags/absent`, undefined, ALICE);
      assert.equal(r.status, 404, method);
      assert.equal(r.body.NeutronError.type, 'TagNotFound', method);
    }
  });
});
