import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeCaller } from '../caller.js';
import { projectNetwork } from '../testing/fixtures.js';
import { ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';
import { list } from './collection.js';
import { parseListQuery } from './list-query.js';

/**
 * A project member's lists read only the records its project owns or is given (a kind's
 * `visibleTo`, list-scan.ts `visibleRecords`). Whatever the query, they must give what reading
 * every record of the kind and checking each gives.
 */
describe("a project member's lists in a large cloud", () => {
  let s: TestServer;
  before(async () => {
    s = await testServer({ quotaPort: -1, quotaNetwork: -1, quotaSubnet: -1 });
    const alice = await projectNetwork(s, ALICE, '10.1.0.0/24', 'alice-net');
    const bob = await projectNetwork(s, BOB, '10.2.0.0/24', 'bob-net');
    // Bob's network shared with Alice alone, and an external network every project sees.
    await s.post(
      '/v2.0/rbac-policies',
      {
        rbac_policy: { object_type: 'network', object_id: bob.network, action: 'access_as_shared', target_tenant: 'alice' },
      },
      BOB,
    );
    const ext = (await s.post('/v2.0/networks', { network: { name: 'ext', 'router:external': true } })).network.id;
    await s.post('/v2.0/subnets', { subnet: { network_id: ext, ip_version: 4, cidr: '198.18.0.0/24' } });
    // Alice's ports, a port of Bob's on Alice's network, Alice's ports on Bob's shared network.
    await s.post(
      '/v2.0/ports',
      { ports: Array.from({ length: 12 }, (_, i) => ({ network_id: alice.network, name: `a${i % 5}` })) },
      ALICE,
    );
    await s.post('/v2.0/ports', { port: { network_id: alice.network, project_id: 'bob', name: 'bob-on-alice' } });
    await s.post('/v2.0/ports', { ports: Array.from({ length: 3 }, () => ({ network_id: bob.network })) }, ALICE);
    await s.post('/v2.0/ports', { ports: Array.from({ length: 4 }, () => ({ network_id: bob.network })) }, BOB);
    const aliceParent = (await s.post('/v2.0/ports', { port: { network_id: alice.network, name: 'trunk-parent' } }, ALICE)).port
      .id;
    // Routers, floating IPs, and a security group of Bob's shared with Alice.
    for (const [as, n] of [
      [ALICE, 2],
      [BOB, 1],
    ] as const) {
      for (let k = 0; k < n; k++) {
        await s.post('/v2.0/routers', { router: { name: `r${k}` } }, as);
        await s.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext } }, as);
      }
    }
    const group = (await s.post('/v2.0/security-groups', { security_group: { name: 'bob-shared' } }, BOB)).security_group.id;
    await s.post('/v2.0/trunks', { trunk: { port_id: aliceParent, name: 'alice-trunk' } }, ALICE);
    await s.post(
      '/v2.0/rbac-policies',
      { rbac_policy: { object_type: 'network', object_id: alice.network, action: 'access_as_shared', target_tenant: 'other-3' } },
      ALICE,
    );
    await s.post(
      '/v2.0/rbac-policies',
      { rbac_policy: { object_type: 'security_group', object_id: group, action: 'access_as_shared', target_tenant: 'alice' } },
      BOB,
    );
    // Everybody else: enough that the members' records are a small part of each kind.
    for (let i = 0; i < 30; i++) {
      const other = { project: `other-${i}`, roles: 'member' };
      const n = await projectNetwork(s, other, `10.3.${i}.0/24`, `other-${i}`);
      await s.post('/v2.0/ports', { ports: Array.from({ length: 10 }, () => ({ network_id: n.network })) }, other);
      await s.post('/v2.0/routers', { router: { name: `other-${i}` } }, other);
      const parent = (await s.post('/v2.0/ports', { port: { network_id: n.network } }, other)).port.id;
      await s.post('/v2.0/trunks', { trunk: { port_id: parent, name: `other-${i}` } }, other);
      await s.post(
        '/v2.0/rbac-policies',
        {
          rbac_policy: {
            object_type: 'network',
            object_id: n.network,
            action: 'access_as_shared',
            target_tenant: `other-${(i + 1) % 30}`,
          },
        },
        other,
      );
      await s.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext } }, other);
    }
  });
  after(() => s.close());

  const callers = [
    makeCaller('alice', ['member']),
    makeCaller('alice', ['reader']),
    makeCaller('bob', ['member']),
    makeCaller('other-7', ['member']),
    makeCaller('nobody', ['member']),
  ];
  const queries = (sortKey: string): Record<string, string>[] => [
    {},
    { limit: '4' },
    { limit: '4', page_reverse: 'true' },
    { limit: '3', sort_key: sortKey },
    { limit: '5', sort_key: sortKey, sort_dir: 'desc', page_reverse: 'true' },
  ];

  /** A sortable attribute of each kind that has no `name`. */
  const SORT_KEY: Record<string, string> = {
    floatingips: 'floating_ip_address',
    'security-group-rules': 'direction',
    'rbac-policies': 'action',
  };
  const paths = [
    'ports',
    'networks',
    'subnets',
    'routers',
    'floatingips',
    'security-groups',
    'security-group-rules',
    'trunks',
    'rbac-policies',
  ];
  for (const path of paths) {
    it(`${path}: every page is the page the whole scan gives`, () => {
      const h = s.quark.handlers.get(path)!;
      assert.ok(h.visibleTo, `${path} says where a member's records are`);
      const deps = { store: s.store, services: s.quark.services };
      for (const caller of callers) {
        const extra = path === 'ports' ? [{ name: 'a1' }] : [];
        for (const base of [...queries(SORT_KEY[path] ?? 'name'), ...extra]) {
          // Walk every page from the start (or the end, with page_reverse) by its links.
          let marker: string | null = null;
          for (let page = 0; page < 40; page++) {
            const bag: Record<string, string> = { ...base, ...(marker ? { marker } : {}) };
            const q = parseListQuery(h.declaration, bag, -1);
            const got = list(h, deps, caller, q);
            const scanned = list({ ...h, visibleTo: undefined }, deps, caller, q);
            const label: string = `${path} as ${caller.projectId} ${caller.roles} ${JSON.stringify(bag)}`;
            const ids = (r: { records: readonly object[] }) => r.records.map((x) => (x as { id: string }).id);
            assert.deepEqual(ids(got), ids(scanned), label);
            assert.deepEqual([got.next, got.previous], [scanned.next, scanned.previous], label);
            const link = q.pageReverse ? got.previous : got.next;
            if (q.limit === null || !link?.marker) break;
            marker = link.marker;
          }
        }
      }
    });
  }

  it('shows Alice what she owns and is given, and no more', async () => {
    const networks = (await s.get('/v2.0/networks', ALICE)).networks as { name: string }[];
    assert.deepEqual(networks.map((n) => n.name).sort(), ['alice-net', 'bob-net', 'ext']);
    const ports = (await s.get('/v2.0/ports', ALICE)).ports as { project_id: string; name: string }[];
    assert.deepEqual([...new Set(ports.map((p) => p.project_id))].sort(), ['alice', 'bob']);
    assert.deepEqual(
      ports.filter((p) => p.project_id === 'bob').map((p) => p.name),
      ['bob-on-alice'],
    );
    const subnets = (await s.get('/v2.0/subnets', ALICE)).subnets as { cidr: string }[];
    assert.deepEqual(subnets.map((n) => n.cidr).sort(), ['10.1.0.0/24', '10.2.0.0/24']);
    const groups = (await s.get('/v2.0/security-groups', ALICE)).security_groups as { name: string }[];
    assert.deepEqual(groups.map((g) => g.name).sort(), ['bob-shared', 'default']);
    assert.equal((await s.get('/v2.0/routers', ALICE)).routers.length, 2);
    assert.equal((await s.get('/v2.0/floatingips', ALICE)).floatingips.length, 2);
  });
});
