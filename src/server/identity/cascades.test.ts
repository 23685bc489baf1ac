/**
 * One test per cascade of cascades.ts, through the identity API: what a delete of a role, a
 * user, a project and a domain takes with it, as Keystone 22 does (docs/identity.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type IdentityTestServer, identityServer } from '../testing/identity-harness.js';

describe('identity: what a delete takes with it', () => {
  let s: IdentityTestServer;
  let admin: string;
  let memberRole: string;
  before(async () => {
    s = await identityServer();
    admin = await s.adminToken();
    memberRole = (await call('GET', '/v3/roles?name=member')).roles[0].id;
  });
  after(() => s.close());

  async function call(method: string, path: string, body?: unknown) {
    const r = await s.request(method, path, { token: admin, body });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
  const make = async (collection: string, member: string, fields: object): Promise<string> =>
    (await call('POST', `/v3/${collection}`, { [member]: fields }))[member].id;
  const grant = (scope: string, user: string, role = memberRole) => call('PUT', `/v3/${scope}/users/${user}/roles/${role}`);
  const grantsOf = (userId: string) => s.store.view.by('role_assignment', 'user', userId).length;

  it('a role takes its grants', async () => {
    const role = await make('roles', 'role', { name: 'cascade-role' });
    const project = await make('projects', 'project', { name: 'cascade-role-p' });
    const user = await make('users', 'user', { name: 'cascade-role-u' });
    await grant(`projects/${project}`, user, role);
    await grant(`projects/${project}`, user);
    await call('DELETE', `/v3/roles/${role}`);
    assert.equal(s.store.view.by('role_assignment', 'role', role).length, 0);
    assert.equal(grantsOf(user), 1, 'the grant of another role stays');
  });

  it('a user takes its grants', async () => {
    const project = await make('projects', 'project', { name: 'cascade-user-p' });
    const user = await make('users', 'user', { name: 'cascade-user-u' });
    await grant(`projects/${project}`, user);
    await grant('domains/default', user);
    await call('DELETE', `/v3/users/${user}`);
    assert.equal(grantsOf(user), 0);
    assert.equal(s.store.view.get('user', user), undefined);
  });

  it("a project takes the grants on it and clears every user's default_project_id that names it", async () => {
    const other = await make('domains', 'domain', { name: 'cascade-project-d' });
    const project = await make('projects', 'project', { name: 'cascade-project-p' });
    const keep = await make('projects', 'project', { name: 'cascade-project-keep' });
    const here = await make('users', 'user', { name: 'cascade-project-u', default_project_id: project });
    const there = await make('users', 'user', { name: 'cascade-project-u', domain_id: other, default_project_id: project });
    const elsewhere = await make('users', 'user', { name: 'cascade-project-u2', default_project_id: keep });
    await grant(`projects/${project}`, here);
    await grant(`projects/${keep}`, here);
    await call('DELETE', `/v3/projects/${project}`);
    assert.equal(s.store.view.get('user', here)?.default_project_id, null);
    assert.equal(s.store.view.get('user', there)?.default_project_id, null, 'a user of another domain too');
    assert.equal(s.store.view.get('user', elsewhere)?.default_project_id, keep);
    assert.equal(grantsOf(here), 1, 'the grant on the other project stays');
    assert.equal((await call('GET', `/v3/users/${here}`)).user.default_project_id, undefined, 'no longer shown');
  });

  it('a domain takes the grants on it, its users with their grants, its projects with theirs', async () => {
    const domain = await make('domains', 'domain', { name: 'cascade-domain' });
    const inside = await make('projects', 'project', { name: 'cascade-domain-p', domain_id: domain });
    const outside = await make('projects', 'project', { name: 'cascade-domain-outside' });
    const resident = await make('users', 'user', { name: 'cascade-domain-u', domain_id: domain });
    // Keystone 22 measured: a user of another domain whose default project was in the deleted
    // domain loses that default, as when the project alone is deleted.
    const visitor = await make('users', 'user', { name: 'cascade-domain-visitor', default_project_id: inside });
    await grant(`domains/${domain}`, visitor);
    await grant(`projects/${inside}`, visitor);
    await grant(`projects/${outside}`, visitor);
    await grant(`projects/${outside}`, resident);
    await call('PATCH', `/v3/domains/${domain}`, { domain: { enabled: false } });
    await call('DELETE', `/v3/domains/${domain}`);
    assert.equal(s.store.view.get('domain', domain), undefined);
    assert.equal(s.store.view.get('project', inside), undefined);
    assert.equal(s.store.view.get('user', resident), undefined);
    assert.equal(grantsOf(resident), 0, "its users' grants on other domains' projects go with them");
    assert.equal(s.store.view.get('user', visitor)?.default_project_id, null);
    assert.deepEqual(
      s.store.view.by('role_assignment', 'user', visitor).map((a) => a.project_id),
      [outside],
      'only the grant outside the domain stays',
    );
  });
});
