import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addInterface, errorType, externalNetwork, projectNetwork, removeInterface, router } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

const READER = { project: 'alice', roles: 'reader' };

// What Neutron 21 answers was measured on a reference server with the port_forwarding plugin
// (docs/port-forwarding.md).
describe('port forwardings API', () => {
  let s: TestServer;
  let ext: string;
  let net: { network: string; subnet: string };
  let routerId: string;
  before(async () => {
    s = await testServer();
    ext = (await externalNetwork(s)).network;
    net = await projectNetwork(s, ALICE, '10.0.0.0/24');
    routerId = (await router(s, ALICE, ext)).id;
    await addInterface(s, ALICE, routerId, { subnet_id: net.subnet });
  });
  after(() => s.close());

  const port = async () => (await s.post('/v2.0/ports', { port: { network_id: net.network } }, ALICE)).port;
  const fip = async (body: Record<string, unknown> = {}) =>
    (await s.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext, ...body } }, ALICE)).floatingip;
  const path = (fipId: string) => `/v2.0/floatingips/${fipId}/port_forwardings`;
  const forward = (fipId: string, p: Record<string, any>, body: Record<string, unknown>, as = ALICE) =>
    s.request(
      'POST',
      path(fipId),
      {
        port_forwarding: {
          internal_port_id: p.id,
          internal_ip_address: p.fixed_ips[0].ip_address,
          protocol: 'tcp',
          ...body,
        },
      },
      as,
    );

  it('forwards ports of a floating IP, shows them in it, and gives it the router until the last one goes', async () => {
    const f = await fip();
    const p = await port();
    const r = await forward(f.id, p, { internal_port: 22, external_port: 2222 });
    assert.equal(r.status, 201);
    const pf = r.body.port_forwarding;
    assert.deepEqual(Object.keys(pf).sort(), [
      'description',
      'external_port',
      'external_port_range',
      'id',
      'internal_ip_address',
      'internal_port',
      'internal_port_id',
      'internal_port_range',
      'protocol',
    ]);
    assert.equal(pf.external_port_range, '2222:2222');
    assert.equal(pf.internal_port_range, '22:22');
    const shown = (await s.get(`/v2.0/floatingips/${f.id}`, ALICE)).floatingip;
    assert.equal(shown.router_id, routerId);
    assert.equal(shown.port_id, null);
    assert.deepEqual(shown.port_forwardings, [
      {
        id: pf.id,
        protocol: 'tcp',
        internal_ip_address: p.fixed_ips[0].ip_address,
        internal_port_id: p.id,
        internal_port: 22,
        external_port: 2222,
      },
    ]);
    const updated = (await s.put(`${path(f.id)}/${pf.id}`, { port_forwarding: { internal_port: 3333 } }, ALICE)).port_forwarding;
    assert.equal(updated.internal_port, 3333);
    assert.equal(updated.external_port, 2222);
    assert.equal(errorType(await s.request('DELETE', `/v2.0/floatingips/${f.id}`, undefined, ALICE)), 'FipInUseByPortForwarding');
    const other = await port();
    const associate = await s.request('PUT', `/v2.0/floatingips/${f.id}`, { floatingip: { port_id: other.id } }, ALICE);
    assert.equal(errorType(associate), 'FipInUseByPortForwarding');
    assert.equal(associate.status, 409);
    await s.del(`${path(f.id)}/${pf.id}`, ALICE);
    assert.equal(errorType(await s.request('GET', `${path(f.id)}/${pf.id}`, undefined, ALICE)), 'PortForwardingNotFound');
    const after = (await s.get(`/v2.0/floatingips/${f.id}`, ALICE)).floatingip;
    assert.equal(after.router_id, null);
    assert.deepEqual(after.port_forwardings, []);
    await s.del(`/v2.0/floatingips/${f.id}`, ALICE);
  });

  it('maps ranges N to N and N to one, and shows a range without single ports', async () => {
    const f = await fip();
    const p = await port();
    const nn = await forward(f.id, p, { internal_port_range: '100:110', external_port_range: '200:210' });
    assert.equal(nn.status, 201);
    const one = await forward(f.id, p, { internal_port: 1000, external_port_range: '300:310' });
    assert.equal(one.status, 201);
    const listed = (await s.get(path(f.id), ALICE)).port_forwardings;
    const ranged = listed.find((x: any) => x.id === nn.body.port_forwarding.id);
    assert.equal(ranged.external_port, undefined);
    assert.equal(ranged.internal_port, undefined);
    assert.equal(ranged.internal_port_range, '100:110');
    const single = await forward(f.id, p, { internal_port: '8000', external_port: 8000, protocol: 'udp' });
    assert.equal(single.status, 201);
    assert.equal(single.body.port_forwarding.internal_port, 8000);
    for (const [body, type, message] of [
      [
        { internal_port_range: '400:410', external_port_range: '500:505' },
        'BadRequest',
        'Bad port_forwarding request: Invalid ranges of internal and/or external ports. The relation between internal and external ports must be N-N or 1-N.',
      ],
      [
        { internal_port: 1, external_port: 205 },
        'BadRequest',
        'Bad port_forwarding request: There is a port collision with the external_port_range. The following ranges collides: 200:210 and 205:205.',
      ],
      [
        { internal_port_range: '105:107', external_port_range: '600:602' },
        'BadRequest',
        'Bad port_forwarding request: There is a port collision with the internal_port_range. The following ranges collides: 100:110 and 105:107.',
      ],
      [{ internal_port_range: '10:5', external_port_range: '20:15' }, 'HTTPBadRequest', null],
      [{ internal_port: 0, external_port: 1 }, 'HTTPBadRequest', null],
      [{ internal_port: 1, external_port: 108343 }, 'HTTPBadRequest', null],
      [{ internal_port: 1, external_port: 1, protocol: 'UDP' }, 'HTTPBadRequest', null],
      [{ internal_port: 1, external_port: 1, protocol: 'bogus' }, 'InvalidInput', null],
      [{ internal_port: 1 }, 'BadRequest', null],
    ] as const) {
      const r = await forward(f.id, p, body);
      assert.equal(errorType(r), type, JSON.stringify(body));
      assert.equal(r.status, 400);
      if (message) assert.equal(r.body.NeutronError.message, message);
    }
    assert.equal((await s.get(path(f.id), ALICE)).port_forwardings.length, 3);
  });

  it('refuses what Neutron refuses: a used floating IP, a port with its own, another address, an unreachable network', async () => {
    const withPort = await port();
    const used = await fip({ port_id: withPort.id });
    const p = await port();
    const r1 = await forward(used.id, p, { internal_port: 1, external_port: 1 });
    assert.equal(errorType(r1), 'FloatingIPPortAlreadyAssociated');
    assert.equal(r1.status, 409);
    const free = await fip();
    const r2 = await forward(free.id, withPort, { internal_port: 1, external_port: 1 });
    assert.equal(errorType(r2), 'PortHasBindingFloatingIP');
    assert.equal(r2.status, 409);
    const r3 = await forward(free.id, p, { internal_ip_address: '10.0.0.250', internal_port: 1, external_port: 1 });
    assert.equal(errorType(r3), 'BadRequest');
    assert.match(
      r3.body.NeutronError.message,
      /Requested internal IP address 10\.0\.0\.250 is not suitable for internal neutron port/,
    );
    const far = await projectNetwork(s, ALICE, '10.9.0.0/24', 'far');
    const farPort = (await s.post('/v2.0/ports', { port: { network_id: far.network } }, ALICE)).port;
    const r4 = await forward(free.id, farPort, { internal_port: 1, external_port: 1 });
    assert.match(r4.body.NeutronError.message, /^Bad port_forwarding request: External network .* is not reachable from subnet/);
    assert.equal(errorType(await forward('00000000-0000-0000-0000-000000000000', p, {})), 'FloatingIPNotFound');
    assert.equal((await s.get(`/v2.0/floatingips/${free.id}`, ALICE)).floatingip.router_id, null, 'nothing changed');
  });

  it('goes with its port, or with the address taken from the port, and holds the router interface', async () => {
    const f = await fip();
    const p = await port();
    const pf = (await forward(f.id, p, { internal_port: 22, external_port: 22 })).body.port_forwarding;
    const removal = await removeInterface(s, ALICE, routerId, { subnet_id: net.subnet });
    assert.equal(errorType(removal), 'RouterInterfaceInUseByFloatingIP');
    await s.put(`/v2.0/ports/${p.id}`, { port: { fixed_ips: [{ subnet_id: net.subnet }] } }, ALICE);
    assert.equal(errorType(await s.request('GET', `${path(f.id)}/${pf.id}`, undefined, ALICE)), 'PortForwardingNotFound');
    const q = await port();
    await forward(f.id, q, { internal_port: 22, external_port: 22 });
    assert.equal((await s.get(`/v2.0/floatingips/${f.id}`, ALICE)).floatingip.router_id, routerId);
    await s.del(`/v2.0/ports/${q.id}`, ALICE);
    const left = (await s.get(`/v2.0/floatingips/${f.id}`, ALICE)).floatingip;
    assert.deepEqual([left.router_id, left.port_forwardings], [null, []]);
  });

  it('is the floating IP owner’s: readers read, others get 404', async () => {
    const f = await fip();
    const p = await port();
    const pf = (await forward(f.id, p, { internal_port: 80, external_port: 80 })).body.port_forwarding;
    assert.equal((await s.request('GET', `${path(f.id)}/${pf.id}`, undefined, READER)).status, 200);
    assert.equal((await forward(f.id, p, { internal_port: 81, external_port: 81 }, READER)).status, 403);
    assert.equal(errorType(await s.request('GET', path(f.id), undefined, BOB)), 'FloatingIPNotFound');
    assert.equal(errorType(await s.request('GET', `${path(f.id)}/${pf.id}`, undefined, BOB)), 'FloatingIPNotFound');
    assert.equal(errorType(await forward(f.id, p, { internal_port: 82, external_port: 82 }, BOB)), 'FloatingIPNotFound');
    assert.equal((await s.request('DELETE', `${path(f.id)}/${pf.id}`, undefined, BOB)).status, 404);
    assert.equal((await s.request('GET', `${path(f.id)}/${pf.id}`, undefined, ADMIN)).status, 200);
    // A forwarding is found only under its own floating IP.
    const g = await fip();
    assert.equal(errorType(await s.request('GET', `${path(g.id)}/${pf.id}`, undefined, ALICE)), 'PortForwardingNotFound');
  });

  it('filters and sorts as Neutron: by id and protocol, not by internal port or address', async () => {
    const f = await fip();
    const p = await port();
    await forward(f.id, p, { internal_port: 1, external_port: 1 });
    await forward(f.id, p, { internal_port: 1, external_port: 1, protocol: 'udp' });
    assert.equal((await s.get(`${path(f.id)}?protocol=udp`, ALICE)).port_forwardings.length, 1);
    assert.equal((await s.get(`${path(f.id)}?external_port=1`, ALICE)).port_forwardings.length, 2);
    const sorted = (await s.get(`${path(f.id)}?sort_key=protocol&sort_dir=desc`, ALICE)).port_forwardings;
    assert.deepEqual(
      sorted.map((x: any) => x.protocol),
      ['udp', 'tcp'],
    );
    for (const bad of ['internal_port=1', 'internal_ip_address=10.0.0.1', 'sort_key=internal_port']) {
      assert.equal((await s.request('GET', `${path(f.id)}?${bad}`, undefined, ALICE)).status, 400, bad);
    }
  });
});
