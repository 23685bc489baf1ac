import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestServer, testServer } from '../testing/harness.js';

describe('quotas under concurrency', () => {
  let s: TestServer;
  let url: string;
  before(async () => {
    s = await testServer({ quotaNetwork: 7, quotaSecurityGroupRule: 12, quotaFloatingip: 3 });
    url = await s.quark.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => s.close());

  const post = async (project: string, path: string, body: unknown) => {
    const headers = { 'content-type': 'application/json', 'x-project-id': project, 'x-roles': 'member' };
    const r = await fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };

  it('24 parallel network creates get exactly the quota of 7, the rest a clean OverQuota', async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => post('racer', '/v2.0/networks', { network: { name: `n${i}` } })),
    );
    const ok = results.filter((r) => r.status === 201);
    assert.equal(ok.length, 7);
    for (const r of results.filter((x) => x.status !== 201)) {
      assert.equal(r.status, 409);
      assert.equal(r.body.NeutronError.type, 'OverQuota');
      assert.equal(r.body.NeutronError.message, "Quota exceeded for resources: ['network'].");
    }
    assert.equal(s.store.view.by('network', 'project', 'racer').length, 7);
  });

  it('counts the default group’s rules and bulk items one by one', async () => {
    // The default group holds 4 rules and a new group 2, leaving 6 of 12 for parallel and bulk creates.
    const group = (await post('rules', '/v2.0/security-groups', { security_group: { name: 'g' } })).body.security_group;
    const one = (port: number) => ({
      security_group_id: group.id,
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: port,
      port_range_max: port,
    });
    const singles = await Promise.all(
      Array.from({ length: 8 }, (_, i) => post('rules', '/v2.0/security-group-rules', { security_group_rule: one(1000 + i) })),
    );
    assert.equal(singles.filter((r) => r.status === 201).length, 6);
    const bulk = await post('rules', '/v2.0/security-group-rules', { security_group_rules: [one(2000), one(2001)] });
    assert.equal(bulk.status, 409, 'a bulk request over quota creates nothing');
    const details = await fetch(`${url}/v2.0/quotas/rules/details`, { headers: { 'x-project-id': 'rules' } });
    const quota = ((await details.json()) as any).quota;
    assert.deepEqual(quota.security_group_rule, { used: 12, limit: 12, reserved: 0 });
    assert.deepEqual(quota.security_group, { used: 2, limit: 10, reserved: 0 });
  });
});
