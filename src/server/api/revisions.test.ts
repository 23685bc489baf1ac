import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addInterface, removeInterface, router } from '../testing/fixtures.js';
import { ALICE, type TestServer, testServer } from '../testing/harness.js';

describe('revision numbers of a whole move with its parts (Neutron revises_on_change)', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  const revision = async (path: string, member: string) => (await s.get(path, ALICE))[member].revision_number as number;

  it('a subnet created, updated or deleted revises its network', async () => {
    const net = (await s.post('/v2.0/networks', { network: { name: 'n' } }, ALICE)).network;
    const path = `/v2.0/networks/${net.id}`;
    const subnet = (await s.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24' } }, ALICE))
      .subnet;
    const afterCreate = await revision(path, 'network');
    assert.ok(afterCreate > net.revision_number);
    await s.put(`/v2.0/subnets/${subnet.id}`, { subnet: { name: 'renamed' } }, ALICE);
    const afterUpdate = await revision(path, 'network');
    assert.ok(afterUpdate > afterCreate);
    await s.del(`/v2.0/subnets/${subnet.id}`, ALICE);
    assert.ok((await revision(path, 'network')) > afterUpdate);
  });

  it('a rule created or deleted revises its security group, once per write', async () => {
    const group = (await s.post('/v2.0/security-groups', { security_group: { name: 'web' } }, ALICE)).security_group;
    assert.equal(group.revision_number, 1, 'the group and its initial rules are one write');
    const path = `/v2.0/security-groups/${group.id}`;
    const rule = (
      await s.post(
        '/v2.0/security-group-rules',
        {
          security_group_rule: {
            security_group_id: group.id,
            direction: 'ingress',
            protocol: 'tcp',
            port_range_min: 60,
            port_range_max: 70,
          },
        },
        ALICE,
      )
    ).security_group_rule;
    const afterCreate = await revision(path, 'security_group');
    assert.equal(afterCreate, 2);
    await s.del(`/v2.0/security-group-rules/${rule.id}`, ALICE);
    assert.equal(await revision(path, 'security_group'), 3);
  });

  it('a router interface added or removed revises its router', async () => {
    const net = (await s.post('/v2.0/networks', { network: { name: 'r' } }, ALICE)).network;
    const subnet = (await s.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.1.0.0/24' } }, ALICE))
      .subnet;
    const r = await router(s, ALICE);
    const path = `/v2.0/routers/${r.id}`;
    assert.equal((await addInterface(s, ALICE, r.id, { subnet_id: subnet.id })).status, 200);
    const afterAdd = await revision(path, 'router');
    assert.ok(afterAdd > r.revision_number);
    assert.equal((await removeInterface(s, ALICE, r.id, { subnet_id: subnet.id })).status, 200);
    assert.ok((await revision(path, 'router')) > afterAdd);
  });
});
