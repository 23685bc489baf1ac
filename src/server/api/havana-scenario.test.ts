import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorType } from '../testing/fixtures.js';
import { ADMIN, type As, type TestServer, testServer } from '../testing/harness.js';

const TEST: As = { project: 'test', roles: 'member' };
const TEST1: As = { project: 'test1', roles: 'member' };

/**
 * The article's data centre, expressed only through the API: project `test` with one network and
 * one instance; project `test1` with two instances, a router to the external network and a
 * floating IP on one of them; both on 10.0.0.0/24; security group rules that let ping and SSH in.
 */
describe('the Havana article’s scenario through the API', () => {
  let s: TestServer;
  const ids: Record<string, string> = {};
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  it('the operator creates the external network', async () => {
    const ext = await s.post(
      '/v2.0/networks',
      {
        network: {
          name: 'ext-net',
          'router:external': true,
          'provider:network_type': 'flat',
          'provider:physical_network': 'external',
        },
      },
      ADMIN,
    );
    ids.ext = ext.network.id;
    const sub = await s.post(
      '/v2.0/subnets',
      {
        subnet: {
          network_id: ids.ext,
          name: 'ext-subnet',
          ip_version: 4,
          cidr: '203.0.113.0/24',
          gateway_ip: '203.0.113.1',
          enable_dhcp: false,
          allocation_pools: [{ start: '203.0.113.100', end: '203.0.113.200' }],
        },
      },
      ADMIN,
    );
    ids.extSubnet = sub.subnet.id;
  });

  it('both projects build a network on the same CIDR, with instances on the same addresses', async () => {
    for (const [as, vms] of [
      [TEST, ['vm1']],
      [TEST1, ['vm2', 'vm3']],
    ] as const) {
      const p = as.project!;
      ids[`${p}-net`] = (await s.post('/v2.0/networks', { network: { name: `${p}-net` } }, as)).network.id;
      const subnet = await s.post(
        '/v2.0/subnets',
        { subnet: { network_id: ids[`${p}-net`], name: `${p}-subnet`, ip_version: 4, cidr: '10.0.0.0/24' } },
        as,
      );
      ids[`${p}-subnet`] = subnet.subnet.id;
      for (const vm of vms) {
        ids[vm] = (await s.post('/v2.0/ports', { port: { network_id: ids[`${p}-net`], name: vm } }, as)).port.id;
      }
    }
    const vm1 = (await s.get(`/v2.0/ports/${ids.vm1}`, TEST)).port;
    const vm2 = (await s.get(`/v2.0/ports/${ids.vm2}`, TEST1)).port;
    assert.equal(vm1.fixed_ips[0].ip_address, '10.0.0.2');
    assert.equal(vm2.fixed_ips[0].ip_address, '10.0.0.2', 'namespaces let projects overlap');
    const seen = (await s.get('/v2.0/networks', TEST)).networks.map((n: any) => n.name).sort();
    assert.deepEqual(seen, ['ext-net', 'test-net'], 'each project sees its own network and the external one');
  });

  it('test1 connects its network to the outside with a router', async () => {
    const router = await s.post(
      '/v2.0/routers',
      { router: { name: 'test1-router', external_gateway_info: { network_id: ids.ext } } },
      TEST1,
    );
    ids.router = router.router.id;
    assert.deepEqual(router.router.external_gateway_info.external_fixed_ips, [
      { subnet_id: ids.extSubnet, ip_address: '203.0.113.100' },
    ]);
    assert.equal(router.router.external_gateway_info.enable_snat, true);
    const iface = await s.put(`/v2.0/routers/${ids.router}/add_router_interface`, { subnet_id: ids['test1-subnet'] }, TEST1);
    assert.equal(iface.subnet_id, ids['test1-subnet']);
    const qr = (await s.get(`/v2.0/ports/${iface.port_id}`, TEST1)).port;
    assert.deepEqual(qr.fixed_ips, [{ subnet_id: ids['test1-subnet'], ip_address: '10.0.0.1' }]);
    assert.equal((await s.request('GET', `/v2.0/routers/${ids.router}`, undefined, TEST)).status, 404);
  });

  it('test1 gives vm2 a floating IP; test cannot, having no router', async () => {
    const fip = await s.post('/v2.0/floatingips', { floatingip: { floating_network_id: ids.ext, port_id: ids.vm2 } }, TEST1);
    assert.equal(fip.floatingip.floating_ip_address, '203.0.113.101');
    assert.equal(fip.floatingip.fixed_ip_address, '10.0.0.2');
    assert.equal(fip.floatingip.router_id, ids.router);
    assert.equal(fip.floatingip.status, 'DOWN');
    const refused = await s.request(
      'POST',
      '/v2.0/floatingips',
      { floatingip: { floating_network_id: ids.ext, port_id: ids.vm1 } },
      TEST,
    );
    assert.equal(errorType(refused), 'ExternalGatewayForFloatingIPNotFound');
    assert.equal((await s.get('/v2.0/floatingips', TEST)).floatingips.length, 0);
  });

  it('test1 lets ping and SSH into its instances through the default security group', async () => {
    const def = (await s.get('/v2.0/security-groups?name=default', TEST1)).security_groups[0];
    const vm2 = (await s.get(`/v2.0/ports/${ids.vm2}`, TEST1)).port;
    assert.deepEqual(vm2.security_groups, [def.id]);
    for (const r of [
      { protocol: 'icmp', remote_ip_prefix: '0.0.0.0/0' },
      { protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' },
    ]) {
      await s.post(
        '/v2.0/security-group-rules',
        { security_group_rule: { security_group_id: def.id, direction: 'ingress', ...r } },
        TEST1,
      );
    }
    const rules = (await s.get(`/v2.0/security-groups/${def.id}`, TEST1)).security_group.security_group_rules;
    assert.equal(rules.length, 6);
    assert.equal((await s.get('/v2.0/security-groups', TEST)).security_groups.length, 1, 'test has its own default group');
  });

  it('tears down in Neutron’s order', async () => {
    const { floatingips } = await s.get('/v2.0/floatingips', TEST1);
    await s.del(`/v2.0/floatingips/${floatingips[0].id}`, TEST1);
    await s.put(`/v2.0/routers/${ids.router}/remove_router_interface`, { subnet_id: ids['test1-subnet'] }, TEST1);
    await s.del(`/v2.0/routers/${ids.router}`, TEST1);
    for (const [as, vms] of [
      [TEST, ['vm1']],
      [TEST1, ['vm2', 'vm3']],
    ] as const) {
      for (const vm of vms) await s.del(`/v2.0/ports/${ids[vm]}`, as);
      await s.del(`/v2.0/networks/${ids[`${as.project}-net`]}`, as);
    }
    await s.del(`/v2.0/networks/${ids.ext}`, ADMIN);
    assert.equal(s.store.view.size('port'), 0);
  });
});
