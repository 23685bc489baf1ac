import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type IdentityTestServer, identityServer, passwordAuth } from '../testing/identity-harness.js';

describe('identity: administration', () => {
  let s: IdentityTestServer;
  let admin: string;
  before(async () => {
    s = await identityServer();
    admin = await s.adminToken();
  });
  after(() => s.close());

  const as = (token: string) => ({
    get: (path: string) => s.request('GET', path, { token }),
    post: (path: string, body: unknown) => s.request('POST', path, { token, body }),
    patch: (path: string, body: unknown) => s.request('PATCH', path, { token, body }),
    put: (path: string) => s.request('PUT', path, { token }),
    head: (path: string) => s.request('HEAD', path, { token }),
    del: (path: string) => s.request('DELETE', path, { token }),
  });

  it('finds the Default domain by name, as test suites do first', async () => {
    const r = await as(admin).get('/v3/domains?name=Default');
    assert.equal(r.status, 200);
    assert.equal(r.body.domains.length, 1);
    assert.equal(r.body.domains[0].id, 'default');
    assert.equal(r.body.domains[0].links.self, 'http://localhost:80/v3/domains/default');
    assert.equal(r.body.links.next, null);
    assert.equal((await as(admin).get('/identity/v3/domains/default')).body.domain.name, 'Default');
    assert.equal((await as(admin).get('/v3/domains/nope')).body.error.code, 404);
  });

  it('creates projects with and without domain_id, refusing duplicate names in a domain', async () => {
    const a = await as(admin).post('/v3/projects', { project: { name: 'p-a', description: 'first' } });
    assert.equal(a.status, 201);
    assert.equal(a.body.project.domain_id, 'default', "the caller's domain by default");
    assert.equal(a.body.project.parent_id, 'default');
    assert.equal(a.body.project.is_domain, false);
    assert.equal(a.body.project.enabled, true);
    const b = await as(admin).post('/v3/projects', { project: { name: 'p-b', domain_id: 'default', enabled: false } });
    assert.equal(b.status, 201);
    assert.equal(b.body.project.enabled, false);
    const dup = await as(admin).post('/v3/projects', { project: { name: 'p-a' } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.title, 'Conflict');
    assert.equal((await as(admin).post('/v3/projects', { project: { name: 'x', domain_id: 'nowhere' } })).status, 404);
    assert.equal((await as(admin).post('/v3/projects', { project: {} })).status, 400);
    assert.equal((await as(admin).post('/v3/projects', { name: 'no envelope' })).status, 400);
    const list = await as(admin).get('/v3/projects?name=p-a');
    assert.deepEqual(
      list.body.projects.map((p: { id: string }) => p.id),
      [a.body.project.id],
    );
    const disabled = await as(admin).get('/v3/projects?enabled=false');
    assert.deepEqual(
      disabled.body.projects.map((p: { name: string }) => p.name),
      ['p-b'],
    );
    const renamed = await as(admin).patch(`/v3/projects/${b.body.project.id}`, { project: { name: 'p-b2', enabled: true } });
    assert.equal(renamed.body.project.name, 'p-b2');
    assert.equal(renamed.body.project.enabled, true);
  });

  it('creates users with passwords, in the caller’s domain by default, and refuses duplicates', async () => {
    const project = (await as(admin).post('/v3/projects', { project: { name: 'u-proj' } })).body.project;
    const r = await as(admin).post('/v3/users', {
      user: { name: 'u1', password: 'pw-1', default_project_id: project.id, email: 'u1@example.org', enabled: true },
    });
    assert.equal(r.status, 201);
    const user = r.body.user;
    assert.equal(user.domain_id, 'default');
    assert.equal(user.default_project_id, project.id);
    assert.equal(user.email, 'u1@example.org');
    assert.equal(user.password, undefined, 'never echoed');
    assert.equal(user.password_hash, undefined, 'never shown');
    assert.equal(user.password_expires_at, null);
    assert.equal((await as(admin).post('/v3/users', { user: { name: 'u1' } })).status, 409);
    assert.equal((await as(admin).post('/v3/users', { user: { name: 'u2', default_project_id: 'nope' } })).status, 404);
    const found = await as(admin).get('/v3/users?name=u1&domain_id=default');
    assert.equal(found.body.users[0].id, user.id);
    const stored = s.store.view.get('user', user.id)!;
    assert.match(stored.password_hash!, /^scrypt\$16384\$8\$1\$/);
    assert.ok(!JSON.stringify(stored).includes('pw-1'));
  });

  it('grants, checks and revokes roles (PUT, HEAD, GET, DELETE), and lists role assignments with filters', async () => {
    const project = (await as(admin).post('/v3/projects', { project: { name: 'g-proj' } })).body.project;
    const user = (await as(admin).post('/v3/users', { user: { name: 'g-user', password: 'pw' } })).body.user;
    const roles = (await as(admin).get('/v3/roles')).body.roles;
    assert.deepEqual(roles.map((r: { name: string }) => r.name).sort(), ['admin', 'member', 'reader']);
    const member = roles.find((r: { name: string }) => r.name === 'member');
    const path = `/v3/projects/${project.id}/users/${user.id}/roles/${member.id}`;
    assert.equal((await as(admin).head(path)).status, 404);
    assert.equal((await as(admin).put(path)).status, 204);
    assert.equal((await as(admin).put(path)).status, 204, 'idempotent');
    assert.equal((await as(admin).head(path)).status, 204);
    assert.equal((await as(admin).get(path)).status, 204);
    const listed = await as(admin).get(`/v3/projects/${project.id}/users/${user.id}/roles`);
    assert.deepEqual(
      listed.body.roles.map((r: { name: string }) => r.name),
      ['member'],
    );
    const direct = await as(admin).get(`/v3/role_assignments?user.id=${user.id}&scope.project.id=${project.id}`);
    assert.deepEqual(direct.body.role_assignments, [
      {
        role: { id: member.id },
        user: { id: user.id },
        scope: { project: { id: project.id } },
        links: { assignment: `http://localhost:80${path}` },
      },
    ]);
    const effective = await as(admin).get(`/v3/role_assignments?user.id=${user.id}&effective&include_names`);
    assert.deepEqual(effective.body.role_assignments.map((a: { role: { name: string } }) => a.role.name).sort(), [
      'member',
      'reader',
    ]);
    assert.equal(effective.body.role_assignments[0].scope.project.name, 'g-proj');
    const byRole = await as(admin).get(`/v3/role_assignments?role.id=${member.id}`);
    assert.ok(byRole.body.role_assignments.every((a: { role: { id: string } }) => a.role.id === member.id));
    assert.equal((await as(admin).put(`/v3/projects/${project.id}/users/${user.id}/roles/nope`)).status, 404);
    assert.equal(
      (await as(admin).put(`/v3/projects/nope/users/${user.id}/roles/${member.id}`)).body.error.message,
      'Could not find project: nope.',
    );
    assert.equal((await as(admin).del(path)).status, 204);
    assert.equal((await as(admin).del(path)).status, 404);
  });

  it('deletes users and projects together with their role assignments', async () => {
    const project = (await as(admin).post('/v3/projects', { project: { name: 'd-proj' } })).body.project;
    const user = (await as(admin).post('/v3/users', { user: { name: 'd-user', password: 'pw', default_project_id: project.id } }))
      .body.user;
    const reader = (await as(admin).get('/v3/roles?name=reader')).body.roles[0];
    await as(admin).put(`/v3/projects/${project.id}/users/${user.id}/roles/${reader.id}`);
    const token = await s.login('d-user', 'pw', { project: { id: project.id } });
    assert.equal((await as(admin).del(`/v3/projects/${project.id}`)).status, 204);
    assert.equal(s.store.view.by('role_assignment', 'user', user.id).length, 0);
    assert.equal(s.store.view.get('user', user.id)?.default_project_id, null);
    assert.equal((await as(token).get('/v2.0/networks')).status, 401, "a deleted project's tokens die");
    assert.equal((await as(admin).del(`/v3/users/${user.id}`)).status, 204);
    assert.equal((await as(admin).get(`/v3/users/${user.id}`)).status, 404);
    assert.equal((await as(admin).del(`/v3/users/${user.id}`)).status, 404);
  });

  it('manages domains: create, disable, delete with what they hold; never the default domain', async () => {
    const d = (await as(admin).post('/v3/domains', { domain: { name: 'Other' } })).body.domain;
    const p = (await as(admin).post('/v3/projects', { project: { name: 'o-proj', domain_id: d.id } })).body.project;
    await as(admin).post('/v3/users', { user: { name: 'o-user', domain_id: d.id, password: 'pw' } });
    assert.equal((await as(admin).del(`/v3/domains/${d.id}`)).status, 403, 'must be disabled first');
    assert.equal((await as(admin).patch(`/v3/domains/${d.id}`, { domain: { enabled: false } })).body.domain.enabled, false);
    assert.equal((await as(admin).del(`/v3/domains/${d.id}`)).status, 204);
    assert.equal(s.store.view.get('project', p.id), undefined);
    assert.equal(s.store.view.by('user', 'domain', d.id).length, 0);
    await as(admin).patch('/v3/domains/default', { domain: { enabled: true } });
    assert.equal((await as(admin).del('/v3/domains/default')).status, 403);
    assert.equal((await as(admin).post('/v3/domains', { domain: { name: 'Default' } })).status, 409);
  });

  it('lets users change their own password, and only theirs', async () => {
    const acct = await s.account('pw-change', 'member');
    const token = await s.login('pw-change-user', acct.password);
    const wrong = await as(token).post(`/v3/users/${acct.userId}/password`, {
      user: { original_password: 'bad', password: 'x' },
    });
    assert.equal(wrong.status, 401);
    const ok = await as(token).post(`/v3/users/${acct.userId}/password`, {
      user: { original_password: acct.password, password: 'changed' },
    });
    assert.equal(ok.status, 204);
    assert.equal((await s.request('POST', '/v3/auth/tokens', { body: passwordAuth('pw-change-user', 'changed') })).status, 201);
    const other = await s.account('pw-other', 'member');
    const fresh = await s.login('pw-change-user', 'changed');
    const forbidden = await as(fresh).post(`/v3/users/${other.userId}/password`, {
      user: { original_password: other.password, password: 'mine now' },
    });
    assert.equal(forbidden.status, 403);
  });

  it('keeps administration to admins: members read only their own user and project', async () => {
    const acct = await s.account('plain', 'member');
    const token = await s.login('plain-user', acct.password);
    for (const [method, path] of [
      ['GET', '/v3/projects'],
      ['GET', '/v3/users'],
      ['GET', '/v3/roles'],
      ['GET', '/v3/domains'],
      ['GET', '/v3/role_assignments'],
      ['GET', '/v3/services'],
      ['POST', '/v3/projects'],
      ['POST', '/v3/users'],
      ['PATCH', `/v3/users/${acct.userId}`],
      ['DELETE', `/v3/projects/${acct.projectId}`],
    ]) {
      const r = await s.request(method!, path!, { token, body: { project: { name: 'x' }, user: { name: 'x' } } });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.error.title, 'Forbidden');
      assert.match(r.body.error.message, /^You are not authorized to perform the requested action: identity:/);
    }
    assert.equal((await as(token).get(`/v3/users/${acct.userId}`)).status, 200);
    assert.equal((await as(token).get(`/v3/projects/${acct.projectId}`)).status, 200);
    assert.equal((await as(token).get(`/v3/users/${acct.userId}/projects`)).body.projects[0].id, acct.projectId);
    assert.equal((await as(token).get('/v3/domains/default')).status, 200, "its project's domain");
    assert.equal((await as(token).get('/v3/regions')).status, 200);
    assert.equal((await s.request('GET', '/v3/projects')).status, 401);
  });

  it('serves the catalog read API: services, endpoints, regions', async () => {
    const services = (await as(admin).get('/v3/services')).body.services;
    assert.deepEqual(services.map((x: { type: string }) => x.type).sort(), ['identity', 'network']);
    const network = (await as(admin).get('/v3/services?type=network')).body.services[0];
    assert.equal((await as(admin).get(`/v3/services/${network.id}`)).body.service.name, 'neutron');
    const endpoints = (await as(admin).get(`/v3/endpoints?service_id=${network.id}&interface=public`)).body.endpoints;
    assert.equal(endpoints.length, 1);
    assert.equal(endpoints[0].url, 'http://localhost:80');
    assert.equal(endpoints[0].region_id, 'RegionOne');
    assert.equal((await as(admin).get(`/v3/endpoints/${endpoints[0].id}`)).body.endpoint.interface, 'public');
    assert.equal((await as(admin).get('/v3/regions')).body.regions[0].id, 'RegionOne');
    assert.equal((await as(admin).get('/v3/regions/Elsewhere')).status, 404);
    assert.equal((await as(admin).get('/v3/services/nope')).status, 404);
  });

  it('answers unknown identity paths with Keystone’s JSON 404', async () => {
    const r = await as(admin).get('/v3/groups');
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 404);
    assert.match(String(r.headers['content-type']), /^application\/json/);
  });
});
