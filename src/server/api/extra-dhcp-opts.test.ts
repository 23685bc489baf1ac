import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, ALICE, type TestServer, testServer } from '../testing/harness.js';

describe('ports: extra DHCP options and MAC regeneration', () => {
  let s: TestServer;
  let net: string;
  before(async () => {
    s = await testServer();
    net = (await s.post('/v2.0/networks', { network: { name: 'n' } }, ALICE)).network.id;
    await s.post('/v2.0/subnets', { subnet: { network_id: net, ip_version: 4, cidr: '10.0.0.0/24' } }, ALICE);
  });
  after(() => s.close());

  it('keeps options as Neutron: null values dropped on create, updates by name and version, null deletes', async () => {
    const created = (
      await s.post(
        '/v2.0/ports',
        {
          port: {
            network_id: net,
            extra_dhcp_opts: [
              { opt_name: 'bootfile-name', opt_value: 'pxelinux.0' },
              { opt_name: 'tftp-server', opt_value: '123.123.123.123', ip_version: 4 },
              { opt_name: 'server-ip-address', opt_value: null },
              { opt_name: 'router', opt_value: '' },
            ],
          },
        },
        ALICE,
      )
    ).port;
    assert.deepEqual(created.extra_dhcp_opts, [
      { opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 },
      { opt_name: 'tftp-server', opt_value: '123.123.123.123', ip_version: 4 },
      { opt_name: 'router', opt_value: '', ip_version: 4 },
    ]);
    const updated = (
      await s.put(
        `/v2.0/ports/${created.id}`,
        {
          port: {
            extra_dhcp_opts: [
              { opt_name: 'bootfile-name', opt_value: 'changed.0' },
              { opt_name: 'tftp-server', opt_value: null },
              { opt_name: 'domain-name', opt_value: 'example.test', ip_version: 6 },
            ],
          },
        },
        ALICE,
      )
    ).port;
    assert.deepEqual(updated.extra_dhcp_opts, [
      { opt_name: 'bootfile-name', opt_value: 'changed.0', ip_version: 4 },
      { opt_name: 'router', opt_value: '', ip_version: 4 },
      { opt_name: 'domain-name', opt_value: 'example.test', ip_version: 6 },
    ]);
    assert.ok(updated.revision_number > created.revision_number);
    const bad = await s.request(
      'POST',
      '/v2.0/ports',
      { port: { network_id: net, extra_dhcp_opts: [{ opt_name: 'a', opt_value: 'b', ip_version: 5 }] } },
      ALICE,
    );
    assert.equal(bad.status, 400);
    const blank = await s.request(
      'POST',
      '/v2.0/ports',
      { port: { network_id: net, extra_dhcp_opts: [{ opt_name: 'server-ip-address', opt_value: '' }] } },
      ALICE,
    );
    assert.equal(blank.body.NeutronError?.type, 'InvalidInput', 'only router and classless-static-route may be blank');
    const none = (await s.post('/v2.0/ports', { port: { network_id: net } }, ALICE)).port;
    assert.deepEqual(none.extra_dhcp_opts, []);
  });

  it('regenerates a MAC address for an admin who sets it to null', async () => {
    const p = (await s.post('/v2.0/ports', { port: { network_id: net } }, ALICE)).port;
    const refused = await s.request('PUT', `/v2.0/ports/${p.id}`, { port: { mac_address: null } }, ALICE);
    assert.equal(refused.status, 403, 'changing a MAC needs an admin');
    const fresh = (await s.put(`/v2.0/ports/${p.id}`, { port: { mac_address: null } }, ADMIN)).port;
    assert.match(fresh.mac_address, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    assert.notEqual(fresh.mac_address, p.mac_address);
  });
});
