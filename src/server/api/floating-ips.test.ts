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

describe('floating IPs API', () => {
  let s: TestServer;
  let ext: NetworkFixture;
  let net: NetworkFixture;
  let routerId: string;
  let vm: Record<string, any>;
  before(async () => {
    s = await testServer();
    ext = await externalNetwork(s);
    net = await projectNetwork(s, ALICE, '10.0.0.0/24');
    routerId = (await router(s, ALICE, ext.network)).id;
    await addInterface(s, ALICE, routerId, { subnet_id: net.subnet });
    vm = (await s.post('/v2.0/ports', { port: { network_id: net.network, name: 'vm' } }, ALICE)).port;
  });
  after(() => s.close());

  const create = (body: Record<string, unknown>, as = ALICE) =>
    s.request('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.network, ...body } }, as);
  const update = (id: string, body: Record<string, unknown>, as = ALICE) =>
    s.request('PUT', `/v2.0/floatingips/${id}`, { floatingip: body }, as);

  it('allocates an address on the external network behind a port no project owns, status DOWN', async () => {
    const r = await create({ description: 'web' });
    assert.equal(r.status, 201);
    const fip = r.body.floatingip;
    assert.equal(fip.floating_network_id, ext.network);
    assert.match(fip.floating_ip_address, /^203\.0\.113\.\d+$/);
    assert.equal(fip.status, 'DOWN');
    assert.equal(fip.port_id, null);
    assert.equal(fip.fixed_ip_address, null);
    assert.equal(fip.router_id, null);
    assert.equal(fip.tenant_id, 'alice');
    assert.equal(fip.description, 'web');
    assert.equal(fip.name, undefined, 'floating IPs have no name');
    assert.equal(fip.subnet_id, undefined, 'subnet_id is accepted but not shown');
    const holder = (await s.get(`/v2.0/ports?device_id=${fip.id}`, ADMIN)).ports[0];
    assert.equal(holder.device_owner, 'network:floatingip');
    assert.equal(holder.status, 'N/A');
    assert.equal(holder.project_id, '');
    assert.deepEqual(holder.fixed_ips, [{ subnet_id: ext.subnet, ip_address: fip.floating_ip_address }]);
    const del = await s.request('DELETE', `/v2.0/ports/${holder.id}`, undefined, ADMIN);
    assert.equal(errorType(del), 'L3PortInUse');
    await s.del(`/v2.0/floatingips/${fip.id}`, ALICE);
    assert.equal((await s.request('GET', `/v2.0/ports/${holder.id}`, undefined, ADMIN)).status, 404);
  });

  it('gives a requested address only to an admin, and only on an external network with IPv4', async () => {
    assert.equal((await create({ floating_ip_address: '203.0.113.200' })).status, 403);
    const given = await create({ floating_ip_address: '203.0.113.200' }, ADMIN);
    assert.equal(given.body.floatingip.floating_ip_address, '203.0.113.200');
    assert.equal(errorType(await create({ floating_ip_address: '203.0.113.200' }, ADMIN)), 'IpAddressAlreadyAllocated');
    const internal = await create({ floating_network_id: net.network });
    assert.equal(internal.status, 400);
    assert.equal(
      internal.body.NeutronError.message,
      `Bad floatingip request: Network ${net.network} is not a valid external network.`,
    );
    const empty = (await s.post('/v2.0/networks', { network: { name: 'empty-ext', 'router:external': true } }, ADMIN)).network.id;
    const noV4 = await create({ floating_network_id: empty });
    assert.equal(noV4.body.NeutronError.message, `Bad floatingip request: Network ${empty} does not contain any IPv4 subnet.`);
    assert.equal((await create({ floating_network_id: undefined })).status, 400, 'floating_network_id is required');
    await s.del(`/v2.0/floatingips/${given.body.floatingip.id}`, ADMIN);
  });

  it('associates with a port behind a router to the external network and derives the router', async () => {
    const fip = (await create({ port_id: vm.id })).body.floatingip;
    assert.equal(fip.port_id, vm.id);
    assert.equal(fip.fixed_ip_address, vm.fixed_ips[0].ip_address);
    assert.equal(fip.router_id, routerId);
    assert.equal(fip.status, 'DOWN', 'the L3 agent sets ACTIVE');
    const second = await create({ port_id: vm.id });
    assert.equal(second.status, 409);
    assert.equal(errorType(second), 'FloatingIPPortAlreadyAssociated');
    const other = (await s.post('/v2.0/ports', { port: { network_id: net.network } }, ALICE)).port;
    const moved = await update(fip.id, { port_id: other.id });
    assert.equal(moved.body.floatingip.port_id, other.id);
    assert.equal(moved.body.floatingip.fixed_ip_address, other.fixed_ips[0].ip_address);
    const off = await update(fip.id, { port_id: null });
    assert.deepEqual(
      [off.body.floatingip.port_id, off.body.floatingip.fixed_ip_address, off.body.floatingip.router_id],
      [null, null, null],
    );
    assert.equal((await s.get(`/v2.0/floatingips?port_id=${vm.id}`, ALICE)).floatingips.length, 0);
    await s.del(`/v2.0/floatingips/${fip.id}`, ALICE);
  });

  it('disassociates on an empty update and keeps the port on any other update, as Neutron', async () => {
    const fip = (await create({ port_id: vm.id })).body.floatingip;
    const described = await update(fip.id, { description: 'kept' });
    assert.equal(described.body.floatingip.port_id, vm.id);
    const emptied = await update(fip.id, {});
    assert.equal(emptied.status, 200);
    assert.deepEqual(
      [emptied.body.floatingip.port_id, emptied.body.floatingip.fixed_ip_address, emptied.body.floatingip.router_id],
      [null, null, null],
    );
    assert.equal(emptied.body.floatingip.description, 'kept');
    await s.del(`/v2.0/floatingips/${fip.id}`, ALICE);
  });

  it('needs a router that connects the port’s subnet to the external network', async () => {
    const island = await projectNetwork(s, ALICE, '10.5.0.0/24', 'island');
    const port = (await s.post('/v2.0/ports', { port: { network_id: island.network } }, ALICE)).port;
    const r = await create({ port_id: port.id });
    assert.equal(r.status, 404);
    assert.equal(errorType(r), 'ExternalGatewayForFloatingIPNotFound');
    assert.equal(
      r.body.NeutronError.message,
      `External network ${ext.network} is not reachable from subnet ${island.subnet}.  Therefore, cannot associate Port ${port.id} with a Floating IP.`,
    );
    const noGateway = await router(s, ALICE, undefined, 'no-gw');
    await addInterface(s, ALICE, noGateway.id, { subnet_id: island.subnet });
    assert.equal(errorType(await create({ port_id: port.id })), 'ExternalGatewayForFloatingIPNotFound');
    await s.put(`/v2.0/routers/${noGateway.id}`, { router: { external_gateway_info: { network_id: ext.network } } }, ALICE);
    assert.equal((await create({ port_id: port.id })).body.floatingip.router_id, noGateway.id);
  });

  it('chooses among several fixed IPs only when told which', async () => {
    const v4b = (
      await s.post('/v2.0/subnets', { subnet: { network_id: net.network, ip_version: 4, cidr: '10.0.1.0/24' } }, ALICE)
    ).subnet.id;
    const multi = (
      await s.post(
        '/v2.0/ports',
        { port: { network_id: net.network, fixed_ips: [{ subnet_id: net.subnet }, { subnet_id: v4b }] } },
        ALICE,
      )
    ).port;
    const ambiguous = await create({ port_id: multi.id });
    assert.equal(ambiguous.status, 400);
    assert.match(ambiguous.body.NeutronError.message, /has multiple fixed IPv4 addresses/);
    const notOnPort = await create({ port_id: multi.id, fixed_ip_address: '10.0.0.250' });
    assert.match(notOnPort.body.NeutronError.message, /does not have fixed ip 10\.0\.0\.250/);
    const chosen = await create({ port_id: multi.id, fixed_ip_address: multi.fixed_ips[0].ip_address });
    assert.equal(chosen.body.floatingip.fixed_ip_address, multi.fixed_ips[0].ip_address);
    const noPort = await create({ fixed_ip_address: multi.fixed_ips[0].ip_address });
    assert.equal(
      noPort.body.NeutronError.message,
      'Bad floatingip request: fixed_ip_address cannot be specified without a port_id.',
    );
    // The second address is on a subnet the router does not reach.
    const unreachable = await create({ port_id: multi.id, fixed_ip_address: multi.fixed_ips[1].ip_address });
    assert.equal(errorType(unreachable), 'ExternalGatewayForFloatingIPNotFound');
    const keepAddress = await s.request(
      'PUT',
      `/v2.0/ports/${multi.id}`,
      { port: { fixed_ips: [{ subnet_id: v4b, ip_address: multi.fixed_ips[1].ip_address }] } },
      ALICE,
    );
    assert.equal(keepAddress.status, 400, 'the address behind a floating IP stays');
    assert.match(keepAddress.body.NeutronError.message, /has been associated to a floating ip/);
  });

  it('refuses other projects’ ports and service ports', async () => {
    const bobNet = await projectNetwork(s, BOB, '10.30.0.0/24');
    const bobPort = (await s.post('/v2.0/ports', { port: { network_id: bobNet.network } }, BOB)).port;
    assert.equal(errorType(await create({ port_id: bobPort.id })), 'PortNotFound');
    const routerPort = (await s.get(`/v2.0/ports?device_owner=network:router_interface&network_id=${net.network}`, ALICE))
      .ports[0];
    const service = await create({ port_id: routerPort.id });
    assert.equal(service.status, 400);
    assert.match(service.body.NeutronError.message, /is unable to be assigned a floating IP/);
    const bobFip = (await create({}, BOB)).body.floatingip;
    assert.equal((await update(bobFip.id, { port_id: vm.id }, ALICE)).status, 404, 'bob’s floating IP is invisible to alice');
    const adminForBob = await update(bobFip.id, { port_id: vm.id }, ADMIN);
    assert.equal(adminForBob.status, 200, 'an admin may associate across projects');
    await update(bobFip.id, { port_id: null }, ADMIN);
  });

  it('keeps the router’s interface and gateway while floating IPs need them, and lets a deleted port go', async () => {
    const n = await projectNetwork(s, ALICE, '10.6.0.0/24', 'kept');
    const r = await router(s, ALICE, ext.network, 'kept');
    await addInterface(s, ALICE, r.id, { subnet_id: n.subnet });
    const port = (await s.post('/v2.0/ports', { port: { network_id: n.network } }, ALICE)).port;
    const fip = (await create({ port_id: port.id })).body.floatingip;
    const iface = await removeInterface(s, ALICE, r.id, { subnet_id: n.subnet });
    assert.equal(iface.status, 409);
    assert.equal(errorType(iface), 'RouterInterfaceInUseByFloatingIP');
    const gw = await s.request('PUT', `/v2.0/routers/${r.id}`, { router: { external_gateway_info: null } }, ALICE);
    assert.equal(gw.status, 409);
    assert.equal(errorType(gw), 'RouterExternalGatewayInUseByFloatingIp');
    await s.del(`/v2.0/ports/${port.id}`, ALICE);
    const after = (await s.get(`/v2.0/floatingips/${fip.id}`, ALICE)).floatingip;
    assert.deepEqual([after.port_id, after.fixed_ip_address, after.router_id], [null, null, null]);
    assert.equal((await removeInterface(s, ALICE, r.id, { subnet_id: n.subnet })).status, 200);
    await s.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: null } }, ALICE);
    await s.del(`/v2.0/floatingips/${fip.id}`, ALICE);
    await s.del(`/v2.0/routers/${r.id}`, ALICE);
  });

  it('filters by port, router and address and takes tags', async () => {
    const fip = (await create({ port_id: vm.id })).body.floatingip;
    const byRouter = await s.get(`/v2.0/floatingips?router_id=${routerId}&fields=id`, ALICE);
    assert.ok(byRouter.floatingips.some((f: any) => f.id === fip.id));
    const byAddress = await s.get(`/v2.0/floatingips?floating_ip_address=${fip.floating_ip_address}`, ALICE);
    assert.equal(byAddress.floatingips.length, 1);
    assert.equal((await s.request('PUT', `/v2.0/floatingips/${fip.id}/tags/prod`, undefined, ALICE)).status, 201);
    assert.equal((await s.get('/v2.0/floatingips?tags=prod', ALICE)).floatingips.length, 1);
    assert.equal(
      (await s.get('/v2.0/floatingips', BOB)).floatingips.every((f: any) => f.tenant_id === 'bob'),
      true,
    );
  });

  it('deletes an external network with its unassociated floating IPs, not with associated ones', async () => {
    const other = await externalNetwork(s, '198.51.100.0/24');
    const idle = (await s.post('/v2.0/floatingips', { floatingip: { floating_network_id: other.network } }, ADMIN)).floatingip;
    await s.del(`/v2.0/networks/${other.network}`, ADMIN);
    assert.equal((await s.request('GET', `/v2.0/floatingips/${idle.id}`, undefined, ADMIN)).status, 404);
    assert.equal((await s.request('GET', `/v2.0/subnets/${other.subnet}`, undefined, ADMIN)).status, 404);
    const vm2 = (await s.post('/v2.0/ports', { port: { network_id: net.network, name: 'vm2' } }, ALICE)).port;
    const used = (await create({ port_id: vm2.id })).body.floatingip;
    const refused = await s.request('DELETE', `/v2.0/networks/${ext.network}`, undefined, ADMIN);
    assert.equal(refused.status, 409);
    assert.equal(errorType(refused), 'NetworkInUse');
    assert.equal((await s.get(`/v2.0/floatingips/${used.id}`, ALICE)).floatingip.port_id, vm2.id, 'nothing changed');
    await s.del(`/v2.0/floatingips/${used.id}`, ALICE);
  });
});
