/**
 * The port API between projects: naming another project's router, floating IP or a DHCP agent
 * as a port's device; the attributes only a network's owner may set on its network; what the
 * owner of a shared network may do to other projects' ports on it; filters on attributes the
 * caller cannot read. Every expected answer below was measured on Neutron 21 (same requests,
 * keystone context of a member), except where a comment says Quark is stricter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dhcpPortDeviceId } from '../../model/names.js';
import { ROUTER_DEVICE_OWNERS } from '../plugin/port-device.js';
import { ADMIN, type As, type TestServer, testServer } from '../testing/harness.js';

const VICTIM: As = { project: 'victim', roles: 'member' };
const VICTIM_READER: As = { project: 'victim', roles: 'reader' };
const ATTACKER: As = { project: 'attacker', roles: 'member' };

describe('ports between projects', () => {
  let s: TestServer;
  let router: string;
  let fip: string;
  let own: string;
  let shared: string;
  let sharedSubnet: string;
  before(async () => {
    s = await testServer();
    router = (await s.post('/v2.0/routers', { router: { name: 'victim-router' } }, VICTIM)).router.id;
    const ext = (await s.post('/v2.0/networks', { network: { 'router:external': true } }, ADMIN)).network.id;
    await s.post('/v2.0/subnets', { subnet: { network_id: ext, ip_version: 4, cidr: '203.0.113.0/24' } }, ADMIN);
    fip = (await s.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext } }, VICTIM)).floatingip.id;
    own = (await s.post('/v2.0/networks', { network: { name: 'attacker-net' } }, ATTACKER)).network.id;
    await s.post('/v2.0/subnets', { subnet: { network_id: own, ip_version: 4, cidr: '10.6.0.0/24' } }, ATTACKER);
    shared = (await s.post('/v2.0/networks', { network: { shared: true, project_id: 'victim' } }, ADMIN)).network.id;
    sharedSubnet = (await s.post('/v2.0/subnets', { subnet: { network_id: shared, ip_version: 4, cidr: '10.5.0.0/24' } }, VICTIM))
      .subnet.id;
  });
  after(() => s.close());

  const create = (port: Record<string, unknown>, as = ATTACKER) => s.request('POST', '/v2.0/ports', { port }, as);
  const update = (id: string, port: Record<string, unknown>, as = ATTACKER) =>
    s.request('PUT', `/v2.0/ports/${id}`, { port }, as);
  const type = (r: { body: Record<string, any> }) => r.body.NeutronError?.type;

  it('refuses a port that names another project’s router, on create and on update (DeviceIDNotOwnedByTenant)', async () => {
    // Neutron checks the router interface owners; Quark every owner whose device_id is a router.
    for (const owner of ROUTER_DEVICE_OWNERS) {
      const r = await create({ network_id: own, device_owner: owner, device_id: router });
      assert.equal(r.status, 409, owner);
      assert.equal(type(r), 'DeviceIDNotOwnedByTenant');
    }
    const p = (await create({ network_id: own })).body.port;
    assert.equal(
      type(await update(p.id, { device_owner: 'network:router_interface', device_id: router })),
      'DeviceIDNotOwnedByTenant',
    );
    assert.equal((await update(p.id, { device_owner: 'compute:nova', device_id: router })).status, 200, 'not a router owner');
    const late = await update(p.id, { device_owner: 'network:router_interface' });
    assert.equal(type(late), 'DeviceIDNotOwnedByTenant', 'the owner changes while the device_id already names the router');
    // A router id that names no router is accepted, as in Neutron; the admin may attach anything.
    const none = await create({
      network_id: own,
      device_owner: 'network:router_interface',
      device_id: '5e3b6a43-9c43-4f6b-8a4c-3b0d0f0c0a11',
    });
    assert.equal(none.status, 201);
    assert.equal(
      (
        await create(
          { network_id: own, device_owner: 'network:router_interface', device_id: router, project_id: 'attacker' },
          ADMIN,
        )
      ).status,
      201,
    );
  });

  it('refuses the owner of a shared network attaching another project’s port on it to its router', async () => {
    const p = (await create({ network_id: shared })).body.port;
    const r = await s.request('PUT', `/v2.0/routers/${router}/add_router_interface`, { port_id: p.id }, VICTIM);
    assert.equal(r.status, 409);
    assert.equal(type(r), 'DeviceIDNotOwnedByTenant');
    const after = (await s.get(`/v2.0/ports/${p.id}`, ATTACKER)).port;
    assert.deepEqual([after.device_owner, after.device_id], ['', '']);
  });

  it('refuses a port that names another project’s floating IP or a DHCP agent as its device', async () => {
    const f = await create({ network_id: own, device_owner: 'network:floatingip', device_id: fip });
    assert.equal(type(f), 'DeviceIDNotOwnedByTenant');
    // The DHCP agent adopts the port with its device id on a network, whatever its owner: only
    // the agent (an admin) may make one. Quark is stricter than Neutron here.
    const agentDevice = dhcpPortDeviceId('network-node', own);
    for (const owner of ['network:dhcp', 'compute:nova', '']) {
      assert.equal(
        type(await create({ network_id: own, device_owner: owner, device_id: agentDevice })),
        'DeviceIDNotOwnedByTenant',
      );
    }
    const p = (await create({ network_id: own })).body.port;
    assert.equal(type(await update(p.id, { device_id: agentDevice })), 'DeviceIDNotOwnedByTenant');
    const onShared = (await create({ network_id: shared })).body.port;
    assert.equal(type(await update(onShared.id, { device_id: dhcpPortDeviceId('h', shared) })), 'DeviceIDNotOwnedByTenant');
    const agent = await create(
      { network_id: own, device_owner: 'network:dhcp', device_id: agentDevice, project_id: 'attacker' },
      ADMIN,
    );
    assert.equal(agent.status, 201);
  });

  it('keeps a network’s trusted attributes for its owner: device_owner network:*, address pairs, MAC, addresses, port security', async () => {
    const cases: [string, Record<string, unknown>, number][] = [
      ['plain', {}, 201],
      ['device_owner network:dhcp', { device_owner: 'network:dhcp' }, 403],
      ['device_owner network:foo', { device_owner: 'network:foo' }, 403],
      ['device_owner compute:nova', { device_owner: 'compute:nova' }, 201],
      ['allowed_address_pairs 0.0.0.0/0', { allowed_address_pairs: [{ ip_address: '0.0.0.0/0' }] }, 403],
      ['allowed_address_pairs []', { allowed_address_pairs: [] }, 403],
      ['mac_address', { mac_address: 'fa:16:3e:11:22:33' }, 403],
      ['fixed_ips ip_address', { fixed_ips: [{ ip_address: '10.5.0.77' }] }, 403],
      ['fixed_ips subnet_id and ip_address', { fixed_ips: [{ subnet_id: sharedSubnet, ip_address: '10.5.0.78' }] }, 403],
      ['fixed_ips subnet_id', { fixed_ips: [{ subnet_id: sharedSubnet }] }, 201],
      ['fixed_ips []', { fixed_ips: [] }, 201],
      ['port_security_enabled false', { port_security_enabled: false }, 403],
      ['port_security_enabled true', { port_security_enabled: true }, 403],
      ['binding:host_id', { 'binding:host_id': 'h1' }, 403],
      ['binding:profile', { 'binding:profile': { a: 1 } }, 403],
      ['binding:vnic_type direct', { 'binding:vnic_type': 'direct' }, 201],
      ['project_id of the network owner', { project_id: 'victim' }, 400],
      ['tenant_id of the network owner', { tenant_id: 'victim' }, 400],
    ];
    for (const [label, body, status] of cases) {
      const r = await create({ network_id: shared, ...body });
      assert.equal(r.status, status, `${label}: ${JSON.stringify(r.body)}`);
      if (status === 403) assert.equal(type(r), 'PolicyNotAuthorized');
    }
    // The same on the attacker's own network is allowed: it owns that network.
    let host = 70;
    for (const [, body] of cases.filter(([, , st]) => st === 403)) {
      const r = await create({
        network_id: own,
        ...body,
        ...(body.fixed_ips ? { fixed_ips: [{ ip_address: `10.6.0.${host++}` }] } : {}),
      });
      assert.equal(r.status, 'binding:host_id' in body || 'binding:profile' in body ? 403 : 201, JSON.stringify(body));
    }
  });

  it('lets a port’s owner on a shared network change only what Neutron lets it', async () => {
    const p = (await create({ network_id: shared })).body.port;
    const cases: [Record<string, unknown>, number][] = [
      [{ name: 'y' }, 200],
      [{ fixed_ips: [{ subnet_id: sharedSubnet }] }, 403],
      [{ fixed_ips: [{ subnet_id: sharedSubnet, ip_address: '10.5.0.99' }] }, 403],
      [{ allowed_address_pairs: [] }, 403],
      [{ allowed_address_pairs: [{ ip_address: '10.5.0.200' }] }, 403],
      [{ port_security_enabled: true }, 403],
      [{ port_security_enabled: false }, 403],
      [{ mac_address: 'fa:16:3e:11:22:44' }, 403],
      [{ device_owner: 'network:dhcp' }, 403],
      [{ device_owner: 'compute:x' }, 200],
      [{ 'binding:vnic_type': 'normal' }, 200],
    ];
    for (const [body, status] of cases) assert.equal((await update(p.id, body)).status, status, JSON.stringify(body));
  });

  it('lets the owner of a shared network delete other projects’ ports on it, not change them', async () => {
    const p = (await create({ network_id: shared })).body.port;
    assert.equal((await s.request('GET', `/v2.0/ports/${p.id}`, undefined, VICTIM)).status, 200);
    for (const body of [{ name: 'x' }, { admin_state_up: false }, { security_groups: [] }]) {
      const r = await update(p.id, body, VICTIM);
      assert.equal(r.status, 403, JSON.stringify(body));
      assert.equal(type(r), 'PolicyNotAuthorized');
    }
    // Neutron 21's deprecated delete_port rule ignores roles and lets a reader delete it; Quark does not.
    assert.equal((await s.request('DELETE', `/v2.0/ports/${p.id}`, undefined, VICTIM_READER)).status, 403);
    assert.equal((await s.request('DELETE', `/v2.0/ports/${p.id}`, undefined, VICTIM)).status, 204);
  });

  it('refuses filters and sort keys on attributes the caller cannot read, instead of matching on them', async () => {
    const net = (await s.post('/v2.0/networks', { network: { name: 'v' } }, VICTIM)).network;
    const segment = (await s.get(`/v2.0/networks/${net.id}`, ADMIN)).network['provider:segmentation_id'];
    const p = (await create({ network_id: own })).body.port;
    await s.put(`/v2.0/ports/${p.id}`, { port: { 'binding:host_id': 'compute-1' } }, ADMIN);
    for (const query of [
      `networks?provider:segmentation_id=${segment}`,
      'networks?provider:network_type=vxlan',
      'ports?binding:host_id=compute-1',
      'ports?sort_key=binding:host_id',
    ]) {
      const r = await s.request('GET', `/v2.0/${query}`, undefined, VICTIM);
      assert.equal(r.status, 400, query);
      assert.equal(type(r), 'HTTPBadRequest');
    }
    const admin = await s.get(`/v2.0/networks?provider:segmentation_id=${segment}`, ADMIN);
    assert.deepEqual(
      admin.networks.map((n: { id: string }) => n.id),
      [net.id],
    );
    assert.equal((await s.get('/v2.0/ports?binding:host_id=compute-1', ADMIN)).ports[0].id, p.id);
  });
});
