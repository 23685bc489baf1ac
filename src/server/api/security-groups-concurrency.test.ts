import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestServer, testServer } from '../testing/harness.js';

describe('default security group under concurrency', () => {
  let s: TestServer;
  let url: string;
  before(async () => {
    s = await testServer();
    url = await s.quark.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => s.close());

  it('appears exactly once per project when lists, groups, networks and ports race', async () => {
    const request = async (project: string, method: string, path: string, body?: unknown) => {
      const headers = { 'content-type': 'application/json', 'x-project-id': project, 'x-roles': 'member' };
      const r = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as Record<string, any> };
    };
    const projects = ['p1', 'p2', 'p3'];
    const first = await Promise.all(
      projects.flatMap((p) => [
        request(p, 'GET', '/v2.0/security-groups'),
        request(p, 'GET', '/v2.0/security-groups'),
        request(p, 'POST', '/v2.0/security-groups', { security_group: { name: 'web' } }),
        request(p, 'POST', '/v2.0/networks', { network: { name: 'a' } }),
        request(p, 'POST', '/v2.0/networks', { network: { name: 'b' } }),
        request(p, 'GET', '/v2.0/security-groups'),
      ]),
    );
    assert.ok(first.every((r) => r.status === 200 || r.status === 201));
    for (const p of projects) {
      const defaults = s.store.view.by('security_group', 'project', p).filter((g) => g.name === 'default');
      assert.equal(defaults.length, 1, `one default group for ${p}`);
      assert.equal(s.store.view.by('security_group_rule', 'group', defaults[0]!.id).length, 4);
      // Every list answered with that one group, whichever request made it.
      for (const r of first.filter((x) => x.body.security_groups)) {
        const seen = r.body.security_groups.filter((g: any) => g.name === 'default').map((g: any) => g.id);
        assert.ok(seen.length <= 1);
      }
    }
  });
});
