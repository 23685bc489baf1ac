import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addInterface, externalNetwork, projectNetwork, router } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';
import { inScope, scopeRecords, scopeRoots } from './scope.js';

// Port forwardings, conntrack helpers and metering labels reach exactly the L3 hosts of their routers.
describe('feed scope: port forwardings, conntrack helpers, metering', () => {
  let s: TestServer;
  const ids = {} as Record<'router' | 'bobRouter' | 'pf' | 'helper' | 'own' | 'shared' | 'bobs' | 'rule' | 'bobRule', string>;
  before(async () => {
    s = await testServer();
    const ext = (await externalNetwork(s)).network;
    const net = await projectNetwork(s, ALICE, '10.0.0.0/24');
    ids.router = (await router(s, ALICE, ext)).id;
    await addInterface(s, ALICE, ids.router, { subnet_id: net.subnet });
    ids.bobRouter = (await router(s, BOB, ext, 'b')).id;
    const port = (await s.post('/v2.0/ports', { port: { network_id: net.network } }, ALICE)).port;
    const fip = (await s.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext } }, ALICE)).floatingip;
    ids.pf = (
      await s.post(
        `/v2.0/floatingips/${fip.id}/port_forwardings`,
        {
          port_forwarding: {
            internal_port_id: port.id,
            internal_ip_address: port.fixed_ips[0].ip_address,
            protocol: 'tcp',
            internal_port: 22,
            external_port: 2222,
          },
        },
        ALICE,
      )
    ).port_forwarding.id;
    ids.helper = (
      await s.post(
        `/v2.0/routers/${ids.router}/conntrack_helpers`,
        { conntrack_helper: { protocol: 'tcp', port: 21, helper: 'ftp' } },
        ALICE,
      )
    ).conntrack_helper.id;
    const label = async (project: string, shared = false) =>
      (await s.post('/v2.0/metering/metering-labels', { metering_label: { project_id: project, shared } }, ADMIN)).metering_label
        .id;
    ids.own = await label('alice');
    ids.shared = await label('carol', true);
    ids.bobs = await label('bob');
    const rule = async (label: string) =>
      (
        await s.post(
          '/v2.0/metering/metering-label-rules',
          { metering_label_rule: { metering_label_id: label, direction: 'egress', remote_ip_prefix: '0.0.0.0/0' } },
          ADMIN,
        )
      ).metering_label_rule.id;
    ids.rule = await rule(ids.own);
    ids.bobRule = await rule(ids.bobs);
  });
  after(() => s.close());

  const sentTo = (routers: string[], roles = ['l3']) => {
    const roots = scopeRoots(s.store.view, {
      host: 'network',
      roles: new Set(roles),
      dhcpNetworks: new Set(),
      routers: new Set(routers),
    });
    return { roots, sent: scopeRecords(s.store.view, roots) };
  };
  const idsOf = (sent: { kind: string; record: { id: string } }[], kind: string) =>
    sent
      .filter((r) => r.kind === kind)
      .map((r) => r.record.id)
      .sort();

  it('sends the L3 host of a router its floating IPs’ forwardings, its helpers, and the labels of its project and the shared ones', () => {
    const { roots, sent } = sentTo([ids.router]);
    assert.deepEqual(idsOf(sent, 'port_forwarding'), [ids.pf]);
    assert.deepEqual(idsOf(sent, 'conntrack_helper'), [ids.helper]);
    assert.deepEqual(idsOf(sent, 'metering_label'), [ids.own, ids.shared].sort());
    assert.deepEqual(idsOf(sent, 'metering_label_rule'), [ids.rule]);
    for (const r of sent) assert.equal(inScope(roots, r.kind, r.record), true, `${r.kind} ${r.record.id}`);
    assert.equal(inScope(roots, 'metering_label', s.store.view.get('metering_label', ids.bobs)), false);
    assert.equal(inScope(roots, 'metering_label_rule', s.store.view.get('metering_label_rule', ids.bobRule)), false);
  });

  it('sends another project’s router host none of them but the shared labels, and a host without routers nothing', () => {
    const bob = sentTo([ids.bobRouter]).sent;
    assert.deepEqual(idsOf(bob, 'port_forwarding'), []);
    assert.deepEqual(idsOf(bob, 'conntrack_helper'), []);
    assert.deepEqual(idsOf(bob, 'metering_label'), [ids.bobs, ids.shared].sort());
    const none = sentTo([], ['l2']).sent;
    assert.equal(
      none.some((r) => ['port_forwarding', 'conntrack_helper', 'metering_label'].includes(r.kind)),
      false,
    );
  });
});

describe('feed scope: local IPs', () => {
  let s: TestServer;
  let lip: string;
  let association: string;
  before(async () => {
    s = await testServer();
    const net = await projectNetwork(s, ALICE, '10.0.0.0/24');
    lip = (await s.post('/v2.0/local-ips', { local_ip: { network_id: net.network } }, ALICE)).local_ip.id;
    const port = (
      await s.post(
        '/v2.0/ports',
        { port: { network_id: net.network, project_id: 'alice', 'binding:host_id': 'compute1' } },
        ADMIN,
      )
    ).port;
    await s.post(`/v2.0/local_ips/${lip}/port_associations`, { port_association: { fixed_port_id: port.id } }, ALICE);
    association = `${lip}:${port.id}`;
  });
  after(() => s.close());

  it('sends the L2 host of an associated port the association and its local IP, and no other host', () => {
    const roots = (host: string) =>
      scopeRoots(s.store.view, { host, roles: new Set(['l2']), dhcpNetworks: new Set(), routers: new Set() });
    const here = scopeRecords(s.store.view, roots('compute1'));
    assert.deepEqual(
      here.filter((r) => r.kind === 'local_ip' || r.kind === 'local_ip_association').map((r) => r.record.id),
      [lip, association],
    );
    const there = scopeRecords(s.store.view, roots('compute2'));
    assert.equal(
      there.some((r) => r.kind === 'local_ip' || r.kind === 'local_ip_association'),
      false,
    );
    assert.equal(
      inScope(roots('compute2'), 'local_ip_association', s.store.view.get('local_ip_association', association)),
      false,
    );
  });
});
