import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { after, before, describe, it } from 'node:test';
import { type As, type TestServer, testServer } from './testing/harness.js';
import { ADMIN, MEMBER, OTHER, READER, roleChecks } from './testing/role-matrix.js';

// The role matrix of policy.test.ts for the resources of issue 3 (routers, floating IPs,
// security groups, quotas, agents). Each test skips itself while the server does not serve its
// resource yet, and runs as soon as it does.
describe('policy: routers, floating IPs, security groups, quotas and agents, per role', () => {
  let s: TestServer;
  let net: string;
  let subnet: string;
  let external: string;
  before(async () => {
    s = await testServer();
    net = (await s.post('/v2.0/networks', { network: { name: 'private' } }, MEMBER)).network.id;
    subnet = (await s.post('/v2.0/subnets', { subnet: { network_id: net, ip_version: 4, cidr: '10.0.0.0/24' } }, MEMBER)).subnet
      .id;
    external = (
      await s.post(
        '/v2.0/networks',
        {
          network: { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'ext' },
        },
        ADMIN,
      )
    ).network.id;
    await s.post('/v2.0/subnets', { subnet: { network_id: external, ip_version: 4, cidr: '203.0.113.0/24' } }, ADMIN);
  });
  after(() => s.close());

  const serves = (t: TestContext, path: string, issue: string) => {
    if (s.quark.handlers.has(path)) return true;
    t.skip(`needs ${path} (${issue})`);
    return false;
  };
  const { status, expectAll, memberRecord: recordChecks } = roleChecks(() => s);
  const memberRecord = async (collection: string, member: string, make: () => Promise<string>, update: object) =>
    recordChecks(collection, member, await make(), update);

  it('routers: readers read, members write, other projects see nothing', async (t) => {
    if (!serves(t, 'routers', 'issue 3')) return;
    assert.equal(await status('POST', '/v2.0/routers', READER, { router: { name: 'r' } }), 403);
    await memberRecord(
      'routers',
      'router',
      async () => (await s.post('/v2.0/routers', { router: { name: 'r' } }, MEMBER)).router.id,
      {
        name: 'r2',
      },
    );
    const router = (await s.post('/v2.0/routers', { router: { name: 'r3' } }, MEMBER)).router.id;
    const add = (as: As) => status('PUT', `/v2.0/routers/${router}/add_router_interface`, as, { subnet_id: subnet });
    assert.equal(await add(READER), 403);
    assert.equal(await add(OTHER), 404);
    assert.equal(await add(MEMBER), 200);
    const remove = (as: As) => status('PUT', `/v2.0/routers/${router}/remove_router_interface`, as, { subnet_id: subnet });
    assert.equal(await remove(READER), 403);
    assert.equal(await remove(MEMBER), 200);
    const gateway = { router: { external_gateway_info: { network_id: external } } };
    assert.equal(await status('PUT', `/v2.0/routers/${router}`, READER, gateway), 403);
    assert.equal(await status('PUT', `/v2.0/routers/${router}`, MEMBER, gateway), 200);
    const fixed = {
      router: { external_gateway_info: { network_id: external, external_fixed_ips: [{ ip_address: '203.0.113.77' }] } },
    };
    assert.equal(
      await status('PUT', `/v2.0/routers/${router}`, MEMBER, fixed),
      403,
      'choosing the gateway address is admin-only',
    );
  });

  it('floating IPs: readers read, members allocate and move them, only admins pick the address', async (t) => {
    if (!serves(t, 'floatingips', 'issue 3')) return;
    assert.equal(await status('POST', '/v2.0/floatingips', READER, { floatingip: { floating_network_id: external } }), 403);
    const pick = { floatingip: { floating_network_id: external, floating_ip_address: '203.0.113.99' } };
    assert.equal(await status('POST', '/v2.0/floatingips', MEMBER, pick), 403);
    await memberRecord(
      'floatingips',
      'floatingip',
      async () => (await s.post('/v2.0/floatingips', { floatingip: { floating_network_id: external } }, MEMBER)).floatingip.id,
      { description: 'mine' },
    );
  });

  it('security groups and rules: readers read, members write, other projects see nothing', async (t) => {
    if (!serves(t, 'security-groups', 'issue 3')) return;
    assert.equal(await status('POST', '/v2.0/security-groups', READER, { security_group: { name: 'g' } }), 403);
    await memberRecord(
      'security-groups',
      'security_group',
      async () => (await s.post('/v2.0/security-groups', { security_group: { name: 'g' } }, MEMBER)).security_group.id,
      { description: 'web' },
    );
    const group = (await s.post('/v2.0/security-groups', { security_group: { name: 'g2' } }, MEMBER)).security_group.id;
    const rule = {
      security_group_rule: {
        security_group_id: group,
        direction: 'ingress',
        protocol: 'tcp',
        port_range_min: 22,
        port_range_max: 22,
      },
    };
    assert.equal(await status('POST', '/v2.0/security-group-rules', READER, rule), 403);
    assert.equal(await status('POST', '/v2.0/security-group-rules', OTHER, rule), 404);
    const id = (await s.post('/v2.0/security-group-rules', rule, MEMBER)).security_group_rule.id;
    await expectAll('GET rule', (as) => status('GET', `/v2.0/security-group-rules/${id}`, as), {
      admin: 200,
      member: 200,
      reader: 200,
      other: 404,
    });
    assert.equal(await status('DELETE', `/v2.0/security-group-rules/${id}`, READER), 403);
    assert.equal(await status('DELETE', `/v2.0/security-group-rules/${id}`, OTHER), 404);
    assert.equal(await status('DELETE', `/v2.0/security-group-rules/${id}`, MEMBER), 204);
  });

  it('quotas: every role reads its own project’s, only admins read others’ or change any', async (t) => {
    if (!serves(t, 'networks', 'issue 3') || (await status('GET', '/v2.0/quotas/own', ADMIN)) === 404) {
      t.skip('needs the quotas API (issue 3)');
      return;
    }
    await expectAll('GET own quota', (as) => status('GET', '/v2.0/quotas/own', as), {
      admin: 200,
      member: 200,
      reader: 200,
      other: 403,
    });
    await expectAll('PUT quota', (as) => status('PUT', '/v2.0/quotas/own', as, { quota: { network: 5 } }), {
      reader: 403,
      member: 403,
      other: 403,
      admin: 200,
    });
  });

  it('agents: admins only; others see an empty list and 404s', async (t) => {
    if (!serves(t, 'agents', 'issue 3')) return;
    assert.equal(await status('GET', '/v2.0/agents', ADMIN), 200);
    for (const as of [MEMBER, READER, OTHER]) {
      assert.deepEqual((await s.get('/v2.0/agents', as)).agents, []);
      assert.equal(await status('GET', '/v2.0/agents/some-agent', as), 404);
    }
  });
});
