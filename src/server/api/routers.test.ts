import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type NetworkFixture,
  addInterface,
  errorType,
  externalNetwork,
  projectNetwork,
  removeInterface,
  router,
} from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

describe('routers API', () => {
  let s: TestServer;
  let ext: NetworkFixture;
  let net: NetworkFixture;
  before(async () => {
    s = await testServer({ maxRoutes: 2 });
    ext = await externalNetwork(s);
    net = await projectNetwork(s, ALICE, '10.0.0.0/24');
  });
  after(() => s.close());

  it('creates a router with a gateway port on the external network, owned by no project', async () => {
    const r = await router(s, ALICE, ext.network);
    assert.equal(r.status, 'ACTIVE');
    assert.equal(r.tenant_id, 'alice');
    assert.deepEqual(r.routes, []);
    assert.deepEqual(r.external_gateway_info, {
      network_id: ext.network,
      enable_snat: true,
      external_fixed_ips: [{ subnet_id: ext.subnet, ip_address: '203.0.113.2' }],
    });
    assert.equal(r.gw_port_id, undefined, 'the gateway port id is not part of the API');
    const { ports } = await s.get(`/v2.0/ports?device_id=${r.id}`, ADMIN);
    assert.equal(ports.length, 1);
    assert.equal(ports[0].device_owner, 'network:router_gateway');
    assert.equal(ports[0].project_id, '');
    assert.deepEqual(ports[0].security_groups, []);
    assert.equal((await s.get(`/v2.0/ports?device_id=${r.id}`, ALICE)).ports.length, 0, 'hidden from the project');
    const details = await s.get('/v2.0/quotas/alice/details', ALICE);
    assert.equal(details.quota.port.used, 0, 'not counted against the port quota');
    assert.equal(details.quota.router.used, 1);
  });

  it('keeps distributed and ha for admins, false unless asked, changed only while the router is down', async () => {
    const plain = (await s.post('/v2.0/routers', { router: { name: 'flags' } }, ALICE)).router;
    assert.equal(plain.distributed, undefined, 'members do not see the flags');
    const seen = (await s.get(`/v2.0/routers/${plain.id}`, ADMIN)).router;
    assert.deepEqual([seen.distributed, seen.ha], [false, false]);
    const asked = await s.request('POST', '/v2.0/routers', { router: { name: 'd', distributed: true } }, ALICE);
    assert.equal(asked.status, 403);
    const dvr = (await s.post('/v2.0/routers', { router: { name: 'd', distributed: true } }, ADMIN)).router;
    assert.equal(dvr.distributed, true);
    const up = await s.request('PUT', `/v2.0/routers/${plain.id}`, { router: { ha: true } }, ADMIN);
    assert.equal(up.status, 400);
    assert.match(up.body.NeutronError.message, /Cannot change HA attribute of active routers/);
    const down = await s.put(`/v2.0/routers/${plain.id}`, { router: { ha: true, admin_state_up: false } }, ADMIN);
    assert.equal(down.router.ha, true);
    const toDvr = await s.request(
      'PUT',
      `/v2.0/routers/${dvr.id}`,
      { router: { distributed: false, admin_state_up: false } },
      ADMIN,
    );
    assert.equal(toDvr.status, 400, 'distributed changes need the router down before too');
    await s.del(`/v2.0/routers/${plain.id}`, ALICE);
    await s.del(`/v2.0/routers/${dvr.id}`, ADMIN);
  });

  it('adds and removes extra routes atomically (extraroute-atomic)', async () => {
    const n = (await s.post('/v2.0/networks', { network: { name: 'atomic' } }, ALICE)).network.id;
    const sn = (await s.post('/v2.0/subnets', { subnet: { network_id: n, ip_version: 4, cidr: '10.66.0.0/24' } }, ALICE)).subnet
      .id;
    const r = await router(s, ALICE, undefined, 'atomic');
    await addInterface(s, ALICE, r.id, { subnet_id: sn });
    const act = (name: string, routes: { destination: string; nexthop: string }[]) =>
      s.request('PUT', `/v2.0/routers/${r.id}/${name}`, { router: { routes } }, ALICE);
    const a = { destination: '10.0.2.0/24', nexthop: '10.66.0.2' };
    const b = { destination: '10.0.3.0/24', nexthop: '10.66.0.3' };
    const c = { destination: '10.0.4.0/24', nexthop: '10.66.0.4' };
    assert.equal((await act('add_extraroutes', [a])).body.router.routes.length, 1);
    assert.equal((await act('add_extraroutes', [a, b])).body.router.routes.length, 2, 'a route already there is kept once');
    assert.deepEqual((await act('remove_extraroutes', [b, c])).body.router.routes, [a], 'a missing route is fine');
    const bad = await act('add_extraroutes', [{ destination: '10.0.5.0/24', nexthop: '192.0.2.1' }]);
    assert.equal(errorType(bad), 'InvalidRoutes', 'checked as an update of routes');
    assert.equal((await s.request('PUT', `/v2.0/routers/${r.id}/add_extraroutes`, { routes: [a] }, ALICE)).status, 400);
    assert.equal((await act('remove_extraroutes', [a])).body.router.routes.length, 0);
  });

  it('refuses gateways Neutron refuses', async () => {
    const notExternal = await s.request(
      'POST',
      '/v2.0/routers',
      { router: { external_gateway_info: { network_id: net.network } } },
      ALICE,
    );
    assert.equal(notExternal.status, 400);
    assert.equal(errorType(notExternal), 'BadRequest');
    assert.equal(notExternal.body.NeutronError.message, `Bad router request: Network ${net.network} is not an external network.`);
    const missing = await s.request(
      'POST',
      '/v2.0/routers',
      { router: { external_gateway_info: { network_id: '00000000-0000-4000-8000-000000000000' } } },
      ALICE,
    );
    assert.equal(errorType(missing), 'NetworkNotFound');
    for (const key of [{ enable_snat: false }, { external_fixed_ips: [{ ip_address: '203.0.113.50' }] }]) {
      const r = await s.request(
        'POST',
        '/v2.0/routers',
        { router: { external_gateway_info: { network_id: ext.network, ...key } } },
        ALICE,
      );
      assert.equal(r.status, 403, `${Object.keys(key)[0]} is for admins`);
    }
    const onGateway = await s.request(
      'POST',
      '/v2.0/routers',
      { router: { external_gateway_info: { network_id: ext.network, external_fixed_ips: [{ ip_address: '203.0.113.1' }] } } },
      ADMIN,
    );
    assert.equal(errorType(onGateway), 'BadRequest');
    const byAdmin = await router(s, ADMIN);
    const set = await s.put(
      `/v2.0/routers/${byAdmin.id}`,
      {
        router: {
          external_gateway_info: {
            network_id: ext.network,
            enable_snat: false,
            external_fixed_ips: [{ ip_address: '203.0.113.50' }],
          },
        },
      },
      ADMIN,
    );
    assert.equal(set.router.external_gateway_info.enable_snat, false);
    assert.deepEqual(set.router.external_gateway_info.external_fixed_ips, [
      { subnet_id: ext.subnet, ip_address: '203.0.113.50' },
    ]);
    const moved = await s.put(
      `/v2.0/routers/${byAdmin.id}`,
      { router: { external_gateway_info: { network_id: ext.network, external_fixed_ips: [{ ip_address: '203.0.113.51' }] } } },
      ADMIN,
    );
    assert.equal(moved.router.external_gateway_info.external_fixed_ips[0].ip_address, '203.0.113.51');
    assert.equal(moved.router.external_gateway_info.enable_snat, true, 'enable_snat returns to its default when not given');
    const cleared = await s.put(`/v2.0/routers/${byAdmin.id}`, { router: { external_gateway_info: {} } }, ADMIN);
    assert.equal(cleared.router.external_gateway_info, null);
    assert.equal((await s.get(`/v2.0/ports?device_id=${byAdmin.id}`, ADMIN)).ports.length, 0, 'the gateway port is gone');
    await s.del(`/v2.0/routers/${byAdmin.id}`, ADMIN);
  });

  it('adds an interface by subnet on the subnet gateway address and answers with Neutron’s body', async () => {
    const r = await router(s, ALICE, ext.network, 'by-subnet');
    const added = await addInterface(s, ALICE, r.id, { subnet_id: net.subnet });
    assert.equal(added.status, 200);
    const port = (await s.get(`/v2.0/ports?device_id=${r.id}&device_owner=network:router_interface`, ALICE)).ports[0];
    assert.deepEqual(added.body, {
      id: r.id,
      tenant_id: 'alice',
      project_id: 'alice',
      port_id: port.id,
      network_id: net.network,
      subnet_id: net.subnet,
      subnet_ids: [net.subnet],
    });
    assert.deepEqual(port.fixed_ips, [{ subnet_id: net.subnet, ip_address: '10.0.0.1' }]);
    assert.equal(port.project_id, 'alice');
    assert.deepEqual(port.security_groups, [], 'router ports are trusted');

    const again = await addInterface(s, ALICE, r.id, { subnet_id: net.subnet });
    assert.equal(again.status, 400);
    assert.equal(again.body.NeutronError.message, `Bad router request: Router already has a port on subnet ${net.subnet}.`);
    const overlapping = await projectNetwork(s, ALICE, '10.0.0.0/25', 'overlap');
    const overlap = await addInterface(s, ALICE, r.id, { subnet_id: overlapping.subnet });
    assert.equal(overlap.status, 400);
    assert.match(overlap.body.NeutronError.message, /Cidr 10\.0\.0\.0\/25 of subnet .* overlaps with cidr 10\.0\.0\.0\/24/);
    const onExternal = await projectNetwork(s, ALICE, '203.0.113.128/25', 'like-public');
    assert.equal(
      (await addInterface(s, ALICE, r.id, { subnet_id: onExternal.subnet })).status,
      400,
      'overlaps the gateway subnet',
    );
  });

  it('refuses interface requests Neutron refuses', async () => {
    const r = await router(s, ALICE, undefined, 'refusals');
    const noGw = (await s.post('/v2.0/networks', { network: { name: 'nogw' } }, ALICE)).network.id;
    const noGwSubnet = (
      await s.post('/v2.0/subnets', { subnet: { network_id: noGw, ip_version: 4, cidr: '10.9.0.0/24', gateway_ip: null } }, ALICE)
    ).subnet.id;
    const noGateway = await addInterface(s, ALICE, r.id, { subnet_id: noGwSubnet });
    assert.equal(noGateway.body.NeutronError.message, 'Bad router request: Subnet for router interface must have a gateway IP.');
    assert.equal(errorType(await addInterface(s, ALICE, r.id, {})), 'BadRequest');
    assert.equal(errorType(await addInterface(s, ALICE, r.id, { subnet_id: net.subnet, port_id: net.subnet })), 'BadRequest');
    assert.equal(errorType(await addInterface(s, ALICE, r.id, { subnet_id: 'nope' })), 'BadRequest');
    const bobs = await projectNetwork(s, BOB, '10.20.0.0/24');
    assert.equal(errorType(await addInterface(s, ALICE, r.id, { subnet_id: bobs.subnet })), 'SubnetNotFound');
    assert.equal(errorType(await addInterface(s, BOB, r.id, { subnet_id: bobs.subnet })), 'RouterNotFound');
    assert.equal((await s.request('GET', `/v2.0/routers/${r.id}`, undefined, BOB)).status, 404);
  });

  it('adds an interface by port, which becomes the router’s', async () => {
    const n = await projectNetwork(s, ALICE, '10.1.0.0/24', 'by-port');
    const r = await router(s, ALICE, undefined, 'by-port');
    const port = (
      await s.post('/v2.0/ports', { port: { network_id: n.network, fixed_ips: [{ ip_address: '10.1.0.5' }] } }, ALICE)
    ).port;
    assert.equal(port.security_groups.length, 1, 'an ordinary port has the default group');
    const added = await addInterface(s, ALICE, r.id, { port_id: port.id });
    assert.equal(added.status, 200);
    assert.equal(added.body.port_id, port.id);
    assert.deepEqual(added.body.subnet_ids, [n.subnet]);
    const now = (await s.get(`/v2.0/ports/${port.id}`, ALICE)).port;
    assert.equal(now.device_id, r.id);
    assert.equal(now.device_owner, 'network:router_interface');
    assert.deepEqual(now.security_groups, []);
    const other = await router(s, ALICE, undefined, 'other');
    const inUse = await addInterface(s, ALICE, other.id, { port_id: port.id });
    assert.equal(inUse.status, 409);
    assert.equal(errorType(inUse), 'PortInUse');
    const removed = await removeInterface(s, ALICE, r.id, { port_id: port.id });
    assert.equal(removed.status, 200);
    assert.equal((await s.request('GET', `/v2.0/ports/${port.id}`, undefined, ALICE)).status, 404, 'Neutron deletes the port');
  });

  it('protects router ports, subnets and networks while the router uses them', async () => {
    const n = await projectNetwork(s, ALICE, '10.2.0.0/24', 'protected');
    const r = await router(s, ALICE, ext.network, 'protected');
    const { port_id } = (await addInterface(s, ALICE, r.id, { subnet_id: n.subnet })).body;
    const gw = (await s.get(`/v2.0/ports?device_id=${r.id}&device_owner=network:router_gateway`, ADMIN)).ports[0];

    const inUse = await s.request('DELETE', `/v2.0/routers/${r.id}`, undefined, ALICE);
    assert.equal(inUse.status, 409);
    assert.equal(errorType(inUse), 'RouterInUse');
    assert.equal(inUse.body.NeutronError.message, `Router ${r.id} has ports still attached: ${port_id}`);
    for (const id of [port_id, gw.id]) {
      const del = await s.request('DELETE', `/v2.0/ports/${id}`, undefined, ADMIN);
      assert.equal(del.status, 409);
      assert.equal(errorType(del), 'L3PortInUse');
    }
    assert.equal(errorType(await s.request('DELETE', `/v2.0/subnets/${n.subnet}`, undefined, ALICE)), 'SubnetInUse');
    assert.equal(errorType(await s.request('DELETE', `/v2.0/networks/${n.network}`, undefined, ALICE)), 'NetworkInUse');
    assert.equal(errorType(await s.request('DELETE', `/v2.0/subnets/${ext.subnet}`, undefined, ADMIN)), 'SubnetInUse');
    assert.equal(errorType(await s.request('DELETE', `/v2.0/networks/${ext.network}`, undefined, ADMIN)), 'NetworkInUse');
    const internal = await s.request('PUT', `/v2.0/networks/${ext.network}`, { network: { 'router:external': false } }, ADMIN);
    assert.equal(errorType(internal), 'ExternalNetworkInUse');

    const wrongSubnet = await removeInterface(s, ALICE, r.id, { port_id, subnet_id: net.subnet });
    assert.equal(errorType(wrongSubnet), 'SubnetMismatchForPort');
    const notThere = await removeInterface(s, ALICE, r.id, { subnet_id: net.subnet });
    assert.equal(notThere.status, 404);
    assert.equal(errorType(notThere), 'RouterInterfaceNotFoundForSubnet');
    const notPort = await removeInterface(s, ALICE, r.id, { port_id: gw.id });
    assert.equal(errorType(notPort), 'RouterInterfaceNotFound');
    const removed = await removeInterface(s, ALICE, r.id, { subnet_id: n.subnet });
    assert.equal(removed.status, 200);
    assert.deepEqual(removed.body, {
      id: r.id,
      tenant_id: 'alice',
      project_id: 'alice',
      port_id,
      network_id: n.network,
      subnet_id: n.subnet,
      subnet_ids: [n.subnet],
    });
    await s.del(`/v2.0/routers/${r.id}`, ALICE);
    assert.equal((await s.request('GET', `/v2.0/ports/${gw.id}`, undefined, ADMIN)).status, 404, 'the gateway port went too');
    await s.del(`/v2.0/networks/${n.network}`, ALICE);
  });

  it('validates extra routes against the router’s subnets and keeps the interfaces they need', async () => {
    const n = await projectNetwork(s, ALICE, '10.3.0.0/24', 'routes');
    const r = await router(s, ALICE, undefined, 'routes');
    const onCreate = await s.request('POST', '/v2.0/routers', { router: { routes: [] } }, ALICE);
    assert.equal(onCreate.status, 400, 'routes are set by update only');
    await addInterface(s, ALICE, r.id, { subnet_id: n.subnet });
    const route = { destination: '192.168.0.0/16', nexthop: '10.3.0.10' };
    const set = await s.put(`/v2.0/routers/${r.id}`, { router: { routes: [route] } }, ALICE);
    assert.deepEqual(set.router.routes, [route]);
    const far = await s.request(
      'PUT',
      `/v2.0/routers/${r.id}`,
      { router: { routes: [{ destination: '192.168.0.0/16', nexthop: '10.99.0.1' }] } },
      ALICE,
    );
    assert.equal(errorType(far), 'InvalidRoutes');
    assert.equal(
      far.body.NeutronError.message,
      "Invalid format for routes: [{'destination': '192.168.0.0/16', 'nexthop': '10.99.0.1'}], the nexthop is not connected with router",
    );
    const own = await s.request(
      'PUT',
      `/v2.0/routers/${r.id}`,
      { router: { routes: [{ destination: '192.168.0.0/16', nexthop: '10.3.0.1' }] } },
      ALICE,
    );
    assert.match(own.body.NeutronError.message, /the nexthop is used by router$/);
    const many = ['1', '2', '3'].map((i) => ({ destination: `172.16.${i}.0/24`, nexthop: '10.3.0.10' }));
    const exhausted = await s.request('PUT', `/v2.0/routers/${r.id}`, { router: { routes: many } }, ALICE);
    assert.equal(errorType(exhausted), 'RoutesExhausted');
    const needed = await removeInterface(s, ALICE, r.id, { subnet_id: n.subnet });
    assert.equal(needed.status, 409);
    assert.equal(errorType(needed), 'RouterInterfaceInUseByRoute');
    await s.put(`/v2.0/routers/${r.id}`, { router: { routes: null } }, ALICE);
    assert.equal((await removeInterface(s, ALICE, r.id, { subnet_id: n.subnet })).status, 200);
  });

  it('carries every IPv6 prefix of a network on one router port, as Neutron’s multi-prefix ports', async () => {
    const v6 = (await s.post('/v2.0/networks', { network: { name: 'v6' } }, ALICE)).network.id;
    const subnet = async (cidr: string, extra: Record<string, unknown> = {}) =>
      (await s.post('/v2.0/subnets', { subnet: { network_id: v6, ip_version: 6, cidr, ...extra } }, ALICE)).subnet.id;
    const a = await subnet('2001:db8:1::/64');
    const b = await subnet('2001:db8:2::/64');
    const ra = await subnet('2001:db8:3::/64', { ipv6_address_mode: 'slaac' });
    const r = await router(s, ALICE, undefined, 'v6');
    const first = (await addInterface(s, ALICE, r.id, { subnet_id: a })).body;
    const second = (await addInterface(s, ALICE, r.id, { subnet_id: b })).body;
    assert.equal(second.port_id, first.port_id);
    assert.deepEqual(second.subnet_ids, [b]);
    const port = (await s.get(`/v2.0/ports/${first.port_id}`, ALICE)).port;
    assert.deepEqual(
      port.fixed_ips.map((f: any) => f.ip_address),
      ['2001:db8:1::', '2001:db8:2::'],
    );
    const outside = await addInterface(s, ALICE, r.id, { subnet_id: ra });
    assert.match(outside.body.NeutronError.message, /configured to receive RAs from an external router/);
    assert.equal((await removeInterface(s, ALICE, r.id, { subnet_id: a })).status, 200);
    const left = (await s.get(`/v2.0/ports/${first.port_id}`, ALICE)).port;
    assert.deepEqual(
      left.fixed_ips.map((f: any) => f.subnet_id),
      [b],
    );
    assert.equal((await removeInterface(s, ALICE, r.id, { subnet_id: b })).status, 200);
    assert.equal((await s.request('GET', `/v2.0/ports/${first.port_id}`, undefined, ALICE)).status, 404);
  });

  it('carries tags, filters and revision numbers like every standard resource', async () => {
    const r = await router(s, ALICE, undefined, 'tagged');
    assert.equal((await s.request('PUT', `/v2.0/routers/${r.id}/tags/blue`, undefined, ALICE)).status, 201);
    const { routers } = await s.get('/v2.0/routers?tags=blue', ALICE);
    assert.deepEqual(
      routers.map((x: any) => x.id),
      [r.id],
    );
    assert.equal(routers[0].revision_number, 2);
    assert.equal((await s.get('/v2.0/routers?name=tagged&fields=id&fields=name', ALICE)).routers[0].status, undefined);
  });
});
