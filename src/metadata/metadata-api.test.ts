import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { QuarkClient } from '../client/client.js';
import { signInstanceId } from '../model/metadata.js';
import { ADMIN, ALICE, type TestServer, testServer } from '../server/testing/harness.js';
import { MetadataApi } from './server.js';

const SECRET = 's3cret';
const INSTANCE = '6f0c8d2e-1d2b-4c55-9b7a-1f7f2a1c0d01';

describe('quark metadata-api', () => {
  let s: TestServer;
  let api: MetadataApi;
  let dir: string;
  let port: Record<string, any>;
  let v6: Record<string, any>;
  let fip: string;

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${api.port}${path}`, {
      headers: {
        'X-Instance-ID': INSTANCE,
        'X-Tenant-ID': 'alice',
        'X-Instance-ID-Signature': signInstanceId(SECRET, INSTANCE),
        'X-Forwarded-For': '10.0.0.3',
        ...headers,
      },
    });

  before(async () => {
    s = await testServer();
    await s.quark.app.listen({ host: '127.0.0.1', port: 0 });
    const address = s.quark.app.server.address() as { port: number };
    const net = (await s.post('/v2.0/networks', { network: { name: 'net' } }, ALICE)).network;
    await s.post(
      '/v2.0/subnets',
      { subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24', dns_nameservers: ['10.0.0.53'] } },
      ALICE,
    );
    v6 = (
      await s.post(
        '/v2.0/subnets',
        {
          subnet: {
            network_id: net.id,
            ip_version: 6,
            cidr: '2001:db8:1::/64',
            ipv6_ra_mode: 'slaac',
            ipv6_address_mode: 'slaac',
          },
        },
        ALICE,
      )
    ).subnet;
    port = (
      await s.post(
        '/v2.0/ports',
        { port: { network_id: net.id, name: 'vm1-port', device_id: INSTANCE, device_owner: 'compute:nova' } },
        ALICE,
      )
    ).port;
    const ext = (await s.post('/v2.0/networks', { network: { name: 'public', 'router:external': true } }, ADMIN)).network;
    await s.post(
      '/v2.0/subnets',
      { subnet: { network_id: ext.id, ip_version: 4, cidr: '203.0.113.0/24', enable_dhcp: false } },
      ADMIN,
    );
    const subnetId = port.fixed_ips.find((f: any) => !f.ip_address.includes(':')).subnet_id;
    const r = (await s.post('/v2.0/routers', { router: { name: 'r', external_gateway_info: { network_id: ext.id } } }, ALICE))
      .router;
    await s.put(`/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: subnetId }, ALICE);
    fip = (await s.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.id, port_id: port.id } }, ALICE)).floatingip
      .floating_ip_address;
    dir = mkdtempSync(join(tmpdir(), 'quark-metadata-'));
    const instances = join(dir, 'instances.json');
    writeFileSync(
      instances,
      JSON.stringify({
        instances: {
          [INSTANCE]: {
            name: 'vm1',
            hostname: 'vm1',
            availability_zone: 'lab',
            public_keys: { lab: 'ssh-ed25519 AAAAC3Nza lab' },
            user_data: '#cloud-config\nhostname: vm1\n',
          },
        },
      }),
    );
    const client = new QuarkClient({
      url: `http://127.0.0.1:${address.port}`,
      credentials: { project: 'admin', roles: ['admin'] },
    });
    api = new MetadataApi(client, { sharedSecret: SECRET, instances }, pino({ level: 'silent' }));
    await api.listen('127.0.0.1', 0);
  });

  after(async () => {
    await api?.close();
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves meta_data.json: the port's device_id as uuid, and what the catalogue knows", async () => {
    const r = await get('/openstack/latest/meta_data.json');
    assert.equal(r.status, 200);
    const m = (await r.json()) as Record<string, unknown>;
    assert.equal(m.uuid, INSTANCE);
    assert.equal(m.name, 'vm1');
    assert.equal(m.hostname, 'vm1');
    assert.equal(m.availability_zone, 'lab');
    assert.equal(m.project_id, 'alice');
    assert.deepEqual(m.public_keys, { lab: 'ssh-ed25519 AAAAC3Nza lab' });
    assert.deepEqual(m.keys, [{ name: 'lab', type: 'ssh', data: 'ssh-ed25519 AAAAC3Nza lab' }]);
    assert.equal(await (await get('/openstack/latest/user_data')).text(), '#cloud-config\nhostname: vm1\n');
    assert.match(await (await get('/openstack')).text(), /^2012-08-10\n[\s\S]*\nlatest$/);
  });

  it("serves network_data.json from Quark's objects, in Nova's format", async () => {
    const n = (await (await get('/openstack/2016-06-30/network_data.json')).json()) as Record<string, any>;
    assert.deepEqual(n.links, [
      { id: `tap${port.id.slice(0, 11)}`, vif_id: port.id, type: 'ovs', mtu: 1458, ethernet_mac_address: port.mac_address },
    ]);
    assert.deepEqual(n.networks[0], {
      id: 'network0',
      type: 'ipv4_dhcp',
      link: `tap${port.id.slice(0, 11)}`,
      network_id: port.network_id,
    });
    const slaac = port.fixed_ips.find((f: any) => f.subnet_id === v6.id).ip_address;
    assert.equal(n.networks[1].type, 'ipv6_slaac');
    assert.equal(n.networks[1].ip_address, slaac);
    assert.equal(n.networks[1].netmask, 'ffff:ffff:ffff:ffff::');
    assert.deepEqual(n.networks[1].routes, [{ network: '::', netmask: '::', gateway: '2001:db8:1::' }]);
    assert.deepEqual(n.services, [{ type: 'dns', address: '10.0.0.53' }]);
  });

  it('serves the EC2 paths cloud-init reads', async () => {
    const text = async (p: string) => (await get(p)).text();
    assert.equal(await text('/latest/meta-data/instance-id'), INSTANCE);
    assert.equal(
      await text('/2009-04-04/meta-data/local-ipv4'),
      port.fixed_ips.find((f: any) => !f.ip_address.includes(':')).ip_address,
    );
    assert.equal(await text('/latest/meta-data/public-ipv4'), fip);
    assert.equal(await text('/latest/meta-data/placement/availability-zone'), 'lab');
    assert.equal(await text('/latest/meta-data/public-keys/'), '0=lab');
    assert.equal(await text('/latest/meta-data/public-keys/0/openssh-key'), 'ssh-ed25519 AAAAC3Nza lab');
    assert.equal(await text('/latest/user-data'), '#cloud-config\nhostname: vm1\n');
    assert.match(await text('/latest/meta-data/'), /^ami-id\n[\s\S]*\nplacement\/\n/);
    assert.equal((await get('/latest/meta-data/no-such-thing')).status, 404);
  });

  it('checks the request as Nova does: no instance id 400, a bad signature 403, another project 404', async () => {
    assert.equal((await get('/openstack/latest/meta_data.json', { 'X-Instance-ID': '' })).status, 400);
    assert.equal(
      (await get('/openstack/latest/meta_data.json', { 'X-Instance-ID-Signature': signInstanceId('other', INSTANCE) })).status,
      403,
    );
    const other = 'aaaaaaaa-0000-0000-0000-000000000000';
    assert.equal(
      (
        await get('/openstack/latest/meta_data.json', {
          'X-Instance-ID': other,
          'X-Instance-ID-Signature': signInstanceId(SECRET, other),
        })
      ).status,
      404,
    );
    assert.equal((await get('/openstack/latest/meta_data.json', { 'X-Tenant-ID': 'bob' })).status, 404);
  });
});
