import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { externalNetwork, projectNetwork, router } from '../testing/fixtures.js';
import { ADMIN, ALICE, type TestServer, testServer } from '../testing/harness.js';

describe('extensions and network IP availability', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  it('lists the extensions this issue made work, each fetchable by alias', async () => {
    const { extensions } = await s.get('/v2.0/extensions', ALICE);
    const aliases = extensions.map((e: any) => e.alias);
    for (const alias of [
      'router',
      'ext-gw-mode',
      'extraroute',
      'security-group',
      'quotas',
      'quota_details',
      'agent',
      'l3_agent_scheduler',
      'dhcp_agent_scheduler',
      'network-ip-availability',
      'external-net',
      'standard-attr-tag',
    ]) {
      assert.ok(aliases.includes(alias), alias);
      assert.equal((await s.get(`/v2.0/extensions/${alias}`, ALICE)).extension.alias, alias);
    }
    assert.equal(new Set(aliases).size, aliases.length);
    assert.equal((await s.request('GET', '/v2.0/extensions/bgp', undefined, ALICE)).status, 404);
    const { resources } = await s.get('/v2.0', ALICE);
    const collections = resources.map((r: any) => r.collection);
    for (const c of [
      'routers',
      'floatingips',
      'security_groups',
      'security_group_rules',
      'agents',
      'network_ip_availabilities',
    ]) {
      assert.ok(collections.includes(c), c);
    }
  });

  it('counts pool sizes and allocated addresses per network and subnet, for admins', async () => {
    const n = await projectNetwork(s, ALICE, '10.0.0.0/28');
    await s.post('/v2.0/subnets', { subnet: { network_id: n.network, ip_version: 6, cidr: '2001:db8::/120' } }, ALICE);
    for (let i = 0; i < 3; i++) await s.post('/v2.0/ports', { port: { network_id: n.network } }, ALICE);
    const ext = await externalNetwork(s);
    await router(s, ALICE, ext.network);
    const one = await s.get(`/v2.0/network-ip-availabilities/${n.network}`, ADMIN);
    const a = one.network_ip_availability;
    assert.equal(a.network_name, 'net');
    assert.equal(a.tenant_id, 'alice');
    assert.equal(a.subnet_ip_availability.length, 2);
    const v4 = a.subnet_ip_availability.find((x: any) => x.ip_version === 4);
    assert.deepEqual(v4, {
      subnet_id: n.subnet,
      subnet_name: '',
      cidr: '10.0.0.0/28',
      ip_version: 4,
      total_ips: 13,
      used_ips: 3,
    });
    assert.equal(
      a.total_ips,
      13 + 255,
      'an IPv6 /120 pool leaves out its gateway, the subnet-router anycast (255 on Neutron 21)',
    );
    assert.equal(a.used_ips, 6, 'each port holds one address per family');
    const onlyV4 = await s.get('/v2.0/network-ip-availabilities?ip_version=4', ADMIN);
    assert.equal(onlyV4.network_ip_availabilities.length, 2);
    const mine = onlyV4.network_ip_availabilities.find((x: any) => x.network_id === n.network);
    assert.equal(mine.total_ips, 13);
    const publicOne = await s.get(`/v2.0/network-ip-availabilities?network_id=${ext.network}&fields=used_ips`, ADMIN);
    assert.deepEqual(publicOne.network_ip_availabilities, [{ used_ips: 1 }], 'the router gateway holds one');
    assert.deepEqual((await s.get('/v2.0/network-ip-availabilities', ALICE)).network_ip_availabilities, []);
    assert.equal((await s.request('GET', `/v2.0/network-ip-availabilities/${n.network}`, undefined, ALICE)).status, 404);
    assert.equal((await s.request('GET', '/v2.0/network-ip-availabilities?bogus=1', undefined, ADMIN)).status, 400);
  });

  it('gives the size of an IPv6 /64 pool exactly, digit for digit', async () => {
    const n = (await s.post('/v2.0/networks', { network: { name: 'big' } }, ALICE)).network.id;
    await s.post('/v2.0/subnets', { subnet: { network_id: n, ip_version: 6, cidr: '2001:db8:64::/64' } }, ALICE);
    const headers = { 'x-project-id': 'admin-project', 'x-roles': 'admin' };
    for (const url of [`/v2.0/network-ip-availabilities/${n}`, `/v2.0/network-ip-availabilities?network_id=${n}`]) {
      const raw = (await s.quark.app.inject({ method: 'GET', url, headers })).body;
      // 2001:db8:64::1 to 2001:db8:64:0:ffff:ffff:ffff:ffff: 2^64 - 1 addresses
      assert.match(raw, /"total_ips":18446744073709551615,"used_ips":0,"subnet_ip_availability"/, url);
      assert.match(raw, /"ip_version":6,"total_ips":18446744073709551615,"used_ips":0\}/, url);
    }
  });

  it('lists the provider, binding, port security, address pair and standard attribute extensions, and paging and sorting', async () => {
    const { extensions } = await s.get('/v2.0/extensions', ALICE);
    const aliases = extensions.map((e: any) => e.alias);
    for (const alias of [
      'provider',
      'binding',
      'allowed-address-pairs',
      'port-security',
      'standard-attr-revisions',
      'standard-attr-timestamp',
      'standard-attr-description',
      'pagination',
      'sorting',
      'ip-substring-filtering',
    ]) {
      assert.ok(aliases.includes(alias), alias);
      const { extension } = await s.get(`/v2.0/extensions/${alias}`, ALICE);
      assert.equal(extension.alias, alias);
      assert.equal(typeof extension.name, 'string', alias);
      assert.equal(typeof extension.description, 'string', alias);
    }
  });
});
