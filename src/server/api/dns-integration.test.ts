import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, type TestServer, testServer } from '../testing/harness.js';

describe('dns-integration: ports’ dns_name and dns_assignment, networks’ dns_domain', () => {
  let s: TestServer;
  let net: string;
  before(async () => {
    s = await testServer({ dnsDomain: 'example.org.' });
    net = (await s.post('/v2.0/networks', { network: { name: 'n', dns_domain: 'Corp.Example.' } }, ALICE)).network.id;
    await s.post('/v2.0/subnets', { subnet: { network_id: net, ip_version: 4, cidr: '10.0.0.0/24' } }, ALICE);
  });
  after(() => s.close());

  it('names a port by its dns_name in the deployment domain, lower-cased, and follows changes', async () => {
    assert.equal((await s.get(`/v2.0/networks/${net}`, ALICE)).network.dns_domain, 'corp.example.');
    const port = (await s.post('/v2.0/ports', { port: { network_id: net, dns_name: 'Web1' } }, ALICE)).port;
    assert.equal(port.dns_name, 'web1');
    assert.deepEqual(port.dns_assignment, [
      { ip_address: port.fixed_ips[0].ip_address, hostname: 'web1', fqdn: 'web1.example.org.' },
    ]);
    const renamed = (await s.put(`/v2.0/ports/${port.id}`, { port: { dns_name: '' } }, ALICE)).port;
    const host = `host-${port.fixed_ips[0].ip_address.replaceAll('.', '-')}`;
    assert.deepEqual(renamed.dns_assignment, [
      { ip_address: port.fixed_ips[0].ip_address, hostname: host, fqdn: `${host}.example.org.` },
    ]);
    const listed = (await s.get(`/v2.0/ports?id=${port.id}`, ALICE)).ports[0];
    assert.equal(listed.dns_assignment[0].hostname, host, 'lists show it too');
    const bad = await s.request('POST', '/v2.0/ports', { port: { network_id: net, dns_name: 'bad_name' } }, ALICE);
    assert.equal(bad.status, 400);
  });
});
