import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestServer, testServer } from '../testing/harness.js';

describe('IPAM under concurrency', () => {
  let s: TestServer;
  let url: string;
  before(async () => {
    s = await testServer({ quotaPort: -1 });
    url = await s.quark.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => s.close());

  it('16 clients x 20 ports on a /26 never share an address and the rest fail cleanly', async () => {
    const headers = { 'content-type': 'application/json', 'x-project-id': 'p', 'x-roles': 'member' };
    const post = async (path: string, body: unknown) => {
      const r = await fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as Record<string, any> };
    };
    const net = (await post('/v2.0/networks', { network: { name: 'small' } })).body.network.id;
    await post('/v2.0/subnets', { subnet: { network_id: net, ip_version: 4, cidr: '10.0.0.0/26' } });
    const client = async () => {
      const out = [];
      for (let i = 0; i < 20; i++) out.push(await post('/v2.0/ports', { port: { network_id: net } }));
      return out;
    };
    const results = (await Promise.all(Array.from({ length: 16 }, client))).flat();
    const ok = results.filter((r) => r.status === 201);
    const failed = results.filter((r) => r.status !== 201);
    const addresses = ok.map((r) => r.body.port.fixed_ips[0].ip_address);
    assert.equal(new Set(addresses).size, addresses.length, 'no address handed out twice');
    assert.equal(ok.length, 61, 'a /26 has 61 addresses once the gateway is taken');
    assert.ok(failed.every((r) => r.status === 409 && r.body.NeutronError.type === 'IpAddressGenerationFailure'));
    assert.equal(s.store.view.by('port', 'network', net).length, 61);
  });
});
