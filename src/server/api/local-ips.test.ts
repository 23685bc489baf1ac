import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorType, projectNetwork } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

// What Neutron 21 answers was measured on a reference server with the local_ip plugin (docs/l3.md).
describe('local IPs API', () => {
  let s: TestServer;
  let net: { network: string; subnet: string };
  before(async () => {
    s = await testServer();
    net = await projectNetwork(s, ALICE, '10.0.0.0/24');
  });
  after(() => s.close());

  const port = async (body: Record<string, unknown> = {}) =>
    (await s.post('/v2.0/ports', { port: { network_id: net.network, ...body } }, ALICE)).port;
  const create = (body: Record<string, unknown>, as = ALICE) => s.request('POST', '/v2.0/local-ips', { local_ip: body }, as);
  const associations = (lip: string) => `/v2.0/local_ips/${lip}/port_associations`;

  it('makes a port for a local IP on a network, renames it, and deletes both', async () => {
    const r = await create({ network_id: net.network, name: 'dns', local_ip_address: '10.0.0.200' });
    assert.equal(r.status, 201);
    const lip = r.body.local_ip;
    assert.deepEqual(Object.keys(lip).sort(), [
      'created_at',
      'description',
      'id',
      'ip_mode',
      'local_ip_address',
      'local_port_id',
      'name',
      'network_id',
      'project_id',
      'revision_number',
      'tenant_id',
      'updated_at',
    ]);
    assert.deepEqual([lip.local_ip_address, lip.ip_mode, lip.network_id], ['10.0.0.200', 'translate', net.network]);
    const holder = (await s.get(`/v2.0/ports/${lip.local_port_id}`, ALICE)).port;
    assert.deepEqual([holder.device_owner, holder.device_id, holder.status], ['network:local_ip', lip.id, 'N/A']);
    assert.equal(errorType(await s.request('DELETE', `/v2.0/ports/${holder.id}`, undefined, ALICE)), 'ServicePortInUse');
    const renamed = (await s.put(`/v2.0/local-ips/${lip.id}`, { local_ip: { name: 'cache' } }, ALICE)).local_ip;
    assert.equal(renamed.revision_number, lip.revision_number + 1);
    assert.equal(
      (await s.request('PUT', `/v2.0/local-ips/${lip.id}`, { local_ip: { ip_mode: 'passthrough' } }, ALICE)).status,
      400,
    );
    await s.del(`/v2.0/local-ips/${lip.id}`, ALICE);
    assert.equal((await s.request('GET', `/v2.0/ports/${holder.id}`, undefined, ALICE)).status, 404);
    assert.equal(errorType(await s.request('GET', `/v2.0/local-ips/${lip.id}`, undefined, ALICE)), 'LocalIPNotFound');
  });

  it('takes the address of a port given, and refuses as Neutron', async () => {
    const p = await port();
    const lip = (await create({ local_port_id: p.id })).body.local_ip;
    assert.equal(lip.local_ip_address, p.fixed_ips[0].ip_address);
    assert.equal(errorType(await create({ name: 'x' })), 'LocalIPPortOrNetworkRequired');
    assert.equal(errorType(await create({ local_port_id: p.id, local_ip_address: '10.0.0.250' })), 'LocalIPRequestedIPNotFound');
    const two = await port({ fixed_ips: [{ subnet_id: net.subnet }, { subnet_id: net.subnet }] });
    assert.equal(errorType(await create({ local_port_id: two.id })), 'LocalIPNoRequestedIP');
    assert.equal(
      (await create({ local_port_id: '00000000-0000-0000-0000-000000000000' })).body.NeutronError.message,
      'Bad local_ip request: Port 00000000-0000-0000-0000-000000000000 not found.',
    );
    assert.equal(errorType(await create({ network_id: net.network }, BOB)), 'NetworkNotFound', 'another project’s network');
  });

  it('associates ports by address, names them by port, and will not be deleted while associated', async () => {
    const lip = (await create({ network_id: net.network })).body.local_ip;
    const p = (
      await s.post(
        '/v2.0/ports',
        { port: { network_id: net.network, project_id: 'alice', 'binding:host_id': 'compute1' } },
        ADMIN,
      )
    ).port;
    const r = await s.request('POST', associations(lip.id), { port_association: { fixed_port_id: p.id } }, ALICE);
    assert.equal(r.status, 201);
    assert.deepEqual(r.body.port_association, {
      local_ip_id: lip.id,
      local_ip_address: lip.local_ip_address,
      fixed_port_id: p.id,
      fixed_ip: p.fixed_ips[0].ip_address,
      host: 'compute1',
    });
    assert.equal((await s.get(associations(lip.id), ALICE)).port_associations.length, 1);
    assert.equal((await s.get(`${associations(lip.id)}/${p.id}`, ALICE)).port_association.fixed_port_id, p.id);
    assert.equal(errorType(await s.request('DELETE', `/v2.0/local-ips/${lip.id}`, undefined, ALICE)), 'LocalIPInUse');
    assert.equal(
      (await s.request('POST', associations(lip.id), { port_association: { fixed_port_id: p.id } }, ALICE)).status,
      409,
    );
    assert.deepEqual((await s.get(associations(lip.id), BOB)).port_associations, []);
    assert.equal(
      errorType(await s.request('GET', `${associations(lip.id)}/${p.id}`, undefined, BOB)),
      'LocalIPAssociationNotFound',
    );
    await s.del(`/v2.0/ports/${p.id}`, ALICE);
    assert.equal(
      (await s.request('GET', `${associations(lip.id)}/${p.id}`, undefined, ALICE)).body.NeutronError.message,
      `Local IP ${lip.id} association with port ${p.id} could not be found.`,
    );
    await s.del(`/v2.0/local-ips/${lip.id}`, ALICE);
  });
});
