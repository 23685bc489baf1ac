import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentType } from '../../model/resources.js';
import { reportAgentState } from '../plugin/agents.js';
import { errorType, externalNetwork, projectNetwork, router } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

describe('availability zones, floating IP pools, service providers and floating IP port details', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  const report = (agent_type: AgentType, host: string, availability_zone: string | null) =>
    s.store.write((tx) =>
      reportAgentState(tx, { agent_type, host, binary: 'quark-agent', topic: 'q', configurations: {}, availability_zone }),
    );

  it('lists the zones of DHCP and L3 agents, and networks and routers show where they are served', async () => {
    assert.deepEqual((await s.get('/v2.0/availability_zones', ALICE)).availability_zones, []);
    await report('DHCP agent', 'net1', 'nova');
    await report('L3 agent', 'net1', 'nova');
    await report('Open vSwitch agent', 'net1', null);
    const zones = (await s.get('/v2.0/availability_zones?sort_key=resource', ALICE)).availability_zones;
    assert.deepEqual(zones, [
      { name: 'nova', resource: 'network', state: 'available' },
      { name: 'nova', resource: 'router', state: 'available' },
    ]);
    assert.equal((await s.get('/v2.0/availability_zones?resource=router', ALICE)).availability_zones.length, 1);
    const n = await projectNetwork(s, ALICE, '10.0.0.0/24');
    assert.deepEqual((await s.get(`/v2.0/networks/${n.network}`, ALICE)).network.availability_zones, ['nova']);
    const r = await router(s, ALICE);
    assert.deepEqual([r.availability_zones, r.availability_zone_hints], [['nova'], []]);
    const hinted = await s.request(
      'POST',
      '/v2.0/networks',
      { network: { name: 'h', availability_zone_hints: ['mars'] } },
      ALICE,
    );
    assert.equal(errorType(hinted), 'AvailabilityZoneNotFound');
    const ok = await s.post('/v2.0/networks', { network: { name: 'h', availability_zone_hints: ['nova'] } }, ALICE);
    assert.deepEqual(ok.network.availability_zone_hints, ['nova']);
  });

  it('lists the IPv4 subnets of the external networks a project sees as floating IP pools', async () => {
    const ext = await externalNetwork(s, '198.51.100.0/24');
    await s.post('/v2.0/subnets', { subnet: { network_id: ext.network, ip_version: 6, cidr: '2001:db8:f::/64' } }, ADMIN);
    const pools = (await s.get('/v2.0/floatingip-pools', BOB)).floatingip_pools;
    assert.deepEqual(pools, [
      {
        subnet_id: ext.subnet,
        subnet_name: '',
        network_id: ext.network,
        cidr: '198.51.100.0/24',
        project_id: 'bob',
        tenant_id: 'bob',
      },
    ]);
  });

  it('names Quark as the one L3 service provider', async () => {
    assert.deepEqual((await s.get('/v2.0/service-providers', ALICE)).service_providers, [
      { service_type: 'L3_ROUTER_NAT', name: 'quark', default: true },
    ]);
  });

  it('shows the associated port in a floating IP’s port_details', async () => {
    const ext = (await s.get('/v2.0/networks?name=public', ADMIN)).networks[0].id;
    const n = await projectNetwork(s, BOB, '10.1.0.0/24');
    const r = await router(s, BOB, ext);
    await s.request('PUT', `/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: n.subnet }, BOB);
    const port = (await s.post('/v2.0/ports', { port: { network_id: n.network, name: 'vm' } }, BOB)).port;
    const fip = (await s.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext, port_id: port.id } }, BOB))
      .floatingip;
    assert.deepEqual(fip.port_details, {
      name: 'vm',
      network_id: n.network,
      mac_address: port.mac_address,
      admin_state_up: true,
      status: port.status,
      device_id: '',
      device_owner: '',
    });
    const off = (await s.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } }, BOB)).floatingip;
    assert.equal(off.port_details, null);
  });
});
