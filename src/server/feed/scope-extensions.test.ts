import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, ALICE, type TestServer, testServer } from '../testing/harness.js';
import { inScope, scopeRecords, scopeRoots } from './scope.js';

// Address groups and network logs reach exactly the hosts whose ports need them.
describe('feed scope: address groups and network logs', () => {
  let s: TestServer;
  const ids = {} as Record<
    'named' | 'unnamed' | 'web' | 'here' | 'there' | 'byPort' | 'byOtherPort' | 'byGroup' | 'byProject' | 'otherProject',
    string
  >;
  before(async () => {
    s = await testServer();
    const net = (await s.post('/v2.0/networks', { network: { name: 'n' } }, ALICE)).network.id;
    await s.post('/v2.0/subnets', { subnet: { network_id: net, ip_version: 4, cidr: '10.0.0.0/24' } }, ALICE);
    ids.named = (
      await s.post('/v2.0/address-groups', { address_group: { name: 'named', addresses: ['192.0.2.0/24'] } }, ALICE)
    ).address_group.id;
    ids.unnamed = (await s.post('/v2.0/address-groups', { address_group: { name: 'unnamed' } }, ALICE)).address_group.id;
    ids.web = (await s.post('/v2.0/security-groups', { security_group: { name: 'web' } }, ALICE)).security_group.id;
    await s.post(
      '/v2.0/security-group-rules',
      { security_group_rule: { security_group_id: ids.web, direction: 'ingress', remote_address_group_id: ids.named } },
      ALICE,
    );
    const port = (host: string, groups: string[]) =>
      s.post(
        '/v2.0/ports',
        { port: { network_id: net, project_id: 'alice', 'binding:host_id': host, security_groups: groups } },
        ADMIN,
      );
    ids.here = (await port('compute1', [ids.web])).port.id;
    ids.there = (await port('compute2', [])).port.id;
    const log = async (body: Record<string, unknown>) =>
      (await s.post('/v2.0/log/logs', { log: { resource_type: 'security_group', project_id: 'alice', ...body } }, ADMIN)).log.id;
    ids.byPort = await log({ target_id: ids.here });
    ids.byOtherPort = await log({ target_id: ids.there });
    ids.byGroup = await log({ resource_id: ids.web });
    ids.byProject = await log({});
    ids.otherProject = (
      await s.post('/v2.0/log/logs', { log: { resource_type: 'security_group', project_id: 'bob' } }, ADMIN)
    ).log.id;
  });
  after(() => s.close());

  it('sends a host the address groups its rules name and the logs of its ports', () => {
    const roots = scopeRoots(s.store.view, {
      host: 'compute1',
      roles: new Set(['l2']),
      dhcpNetworks: new Set(),
      routers: new Set(),
    });
    const sent = scopeRecords(s.store.view, roots);
    const idsOf = (kind: string) =>
      sent
        .filter((r) => r.kind === kind)
        .map((r) => r.record.id)
        .sort();
    assert.deepEqual(idsOf('address_group'), [ids.named]);
    assert.deepEqual(idsOf('log'), [ids.byPort, ids.byGroup, ids.byProject].sort());
    for (const r of sent) assert.equal(inScope(roots, r.kind, r.record), true, `${r.kind} ${r.record.id}`);
    assert.equal(inScope(roots, 'address_group', s.store.view.get('address_group', ids.unnamed)), false);
    assert.equal(inScope(roots, 'log', s.store.view.get('log', ids.otherProject)), false);
    assert.equal(inScope(roots, 'log', s.store.view.get('log', ids.byOtherPort)), false);
  });

  it('sends nothing of them to a host without the l2 role', () => {
    const roots = scopeRoots(s.store.view, {
      host: 'compute1',
      roles: new Set(['l3']),
      dhcpNetworks: new Set(),
      routers: new Set(),
    });
    const kinds = new Set(scopeRecords(s.store.view, roots).map((r) => r.kind));
    assert.equal(kinds.has('address_group') || kinds.has('log'), false);
  });
});
