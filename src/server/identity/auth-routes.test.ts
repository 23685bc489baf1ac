import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, type IdentityTestServer, identityServer, passwordAuth } from '../testing/identity-harness.js';

const KEYSTONE_401 = {
  error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
};

describe('identity: POST /v3/auth/tokens', () => {
  let s: IdentityTestServer;
  before(async () => {
    s = await identityServer();
  });
  after(() => s.close());

  const issue = (body: unknown, path = '/identity/v3/auth/tokens') => s.request('POST', path, { body });

  it('issues a project-scoped token for a password by user name and domain name, with Keystone’s body', async () => {
    const r = await issue(passwordAuth('admin', ADMIN_PASSWORD, { project: { name: 'admin', domain: { name: 'Default' } } }));
    assert.equal(r.status, 201);
    assert.match(String(r.headers['x-subject-token']), /^[A-Za-z0-9_-]{43}$/);
    const t = r.body.token;
    assert.deepEqual(t.methods, ['password']);
    assert.equal(t.user.name, 'admin');
    assert.deepEqual(t.user.domain, { id: 'default', name: 'Default' });
    assert.equal(t.project.name, 'admin');
    assert.deepEqual(t.project.domain, { id: 'default', name: 'Default' });
    assert.deepEqual(
      t.roles.map((x: { name: string }) => x.name),
      ['admin', 'member', 'reader'],
      'implied roles are listed',
    );
    assert.match(t.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.match(t.issued_at, /Z$/);
    assert.equal(Date.parse(t.expires_at) - Date.parse(t.issued_at), 3600_000);
    assert.equal(t.audit_ids.length, 1);
    const types = t.catalog.map((c: { type: string }) => c.type).sort();
    assert.deepEqual(types, ['identity', 'network']);
    const network = t.catalog.find((c: { type: string }) => c.type === 'network');
    assert.deepEqual(network.endpoints.map((e: { interface: string }) => e.interface).sort(), ['admin', 'internal', 'public']);
    for (const e of network.endpoints) {
      assert.equal(e.region, 'RegionOne');
      assert.equal(e.region_id, 'RegionOne');
      assert.equal(e.url, 'http://localhost:80');
    }
    const identity = t.catalog.find((c: { type: string }) => c.type === 'identity');
    assert.equal(identity.endpoints[0].url, 'http://localhost:80/identity/v3');
  });

  it('accepts the user by id and the domain by id, under /v3 as well as /identity/v3', async () => {
    const admin = await s.request('GET', '/v3/auth/tokens', {
      token: await s.adminToken(),
      headers: { 'x-subject-token': await s.adminToken() },
    });
    const userId = admin.body.token.user.id;
    const projectId = admin.body.token.project.id;
    const byId = await issue(
      {
        auth: {
          identity: { methods: ['password'], password: { user: { id: userId, password: ADMIN_PASSWORD } } },
          scope: { project: { id: projectId } },
        },
      },
      '/v3/auth/tokens',
    );
    assert.equal(byId.status, 201);
    assert.equal(byId.body.token.project.id, projectId);
    const byDomainId = await issue(
      passwordAuth('admin', ADMIN_PASSWORD, { project: { name: 'admin', domain: { id: 'default' } } }),
    );
    assert.equal(byDomainId.status, 201);
  });

  it('issues unscoped tokens on request (no roles, no catalog) and scopes to the default project otherwise', async () => {
    const unscoped = await issue(passwordAuth('admin', ADMIN_PASSWORD, 'unscoped'));
    assert.equal(unscoped.status, 201);
    assert.equal(unscoped.body.token.project, undefined);
    assert.equal(unscoped.body.token.roles, undefined);
    assert.equal(unscoped.body.token.catalog, undefined);
    const byDefault = await issue(passwordAuth('admin', ADMIN_PASSWORD));
    assert.equal(byDefault.body.token.project.name, 'admin', "bootstrap makes admin the admin's default project");
  });

  it('issues domain-scoped tokens to users with a role on the domain', async () => {
    const token = await s.adminToken();
    const none = await issue(passwordAuth('admin', ADMIN_PASSWORD, { domain: { name: 'Default' } }));
    assert.equal(none.status, 401, 'no role on the domain yet');
    const user = (await s.request('GET', '/v3/users?name=admin', { token })).body.users[0];
    const role = (await s.request('GET', '/v3/roles?name=reader', { token })).body.roles[0];
    assert.equal((await s.request('PUT', `/v3/domains/default/users/${user.id}/roles/${role.id}`, { token })).status, 204);
    const scoped = await issue(passwordAuth('admin', ADMIN_PASSWORD, { domain: { id: 'default' } }));
    assert.equal(scoped.status, 201);
    assert.deepEqual(scoped.body.token.domain, { id: 'default', name: 'Default' });
    assert.deepEqual(
      scoped.body.token.roles.map((x: { name: string }) => x.name),
      ['reader'],
    );
    assert.ok(scoped.body.token.catalog.length > 0);
    await s.request('DELETE', `/v3/domains/default/users/${user.id}/roles/${role.id}`, { token });
  });

  it('rescopes with the token method, keeping the first token’s expiry', async () => {
    const first = await issue(passwordAuth('admin', ADMIN_PASSWORD, 'unscoped'));
    s.clock += 60_000;
    const second = await issue({
      auth: {
        identity: { methods: ['token'], token: { id: first.headers['x-subject-token'] } },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    });
    assert.equal(second.status, 201);
    assert.deepEqual(second.body.token.methods, ['token', 'password']);
    assert.equal(second.body.token.expires_at, first.body.token.expires_at);
    assert.equal(second.body.token.project.name, 'admin');
    assert.equal(second.body.token.audit_ids[1], first.body.token.audit_ids[0]);
    const bogus = await issue({ auth: { identity: { methods: ['token'], token: { id: 'not-a-token' } } } });
    assert.equal(bogus.status, 401);
  });

  it('answers a wrong password and an unknown user with the same JSON 401, saying nothing more', async () => {
    const wrong = await issue(passwordAuth('admin', 'not-the-password'));
    const unknown = await issue(passwordAuth('nobody', 'whatever'));
    const unknownDomain = await issue({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { name: 'Nowhere' }, password: ADMIN_PASSWORD } },
        },
      },
    });
    for (const r of [wrong, unknown, unknownDomain]) {
      assert.equal(r.status, 401);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.deepEqual(r.body, KEYSTONE_401);
      assert.equal(r.headers['x-subject-token'], undefined);
    }
  });

  it('refuses disabled users, disabled projects and scopes without a role', async () => {
    const alice = await s.account('disabled-test', 'member');
    const token = await s.adminToken();
    assert.equal((await issue(passwordAuth('disabled-test-user', alice.password))).status, 201);
    await s.request('PATCH', `/v3/users/${alice.userId}`, { token, body: { user: { enabled: false } } });
    const disabled = await issue(passwordAuth('disabled-test-user', alice.password));
    assert.equal(disabled.status, 401);
    assert.deepEqual(disabled.body, KEYSTONE_401);
    await s.request('PATCH', `/v3/users/${alice.userId}`, { token, body: { user: { enabled: true } } });
    await s.request('PATCH', `/v3/projects/${alice.projectId}`, { token, body: { project: { enabled: false } } });
    const projectOff = await issue(passwordAuth('disabled-test-user', alice.password, { project: { id: alice.projectId } }));
    assert.equal(projectOff.status, 401);
    const noRole = await issue(
      passwordAuth('disabled-test-user', alice.password, { project: { name: 'admin', domain: { id: 'default' } } }),
    );
    assert.equal(noRole.status, 401);
  });

  it('refuses malformed requests with 400 and unknown methods with 401', async () => {
    assert.equal((await issue({})).status, 400);
    assert.equal((await issue({ auth: { identity: { methods: [] } } })).status, 400);
    assert.equal((await issue({ auth: { identity: { methods: ['password'], password: {} } } })).status, 400);
    const totp = await issue({ auth: { identity: { methods: ['totp'] } } });
    assert.equal(totp.status, 401);
    assert.equal(totp.body.error.code, 401);
    const system = await issue(passwordAuth('admin', ADMIN_PASSWORD, { system: { all: true } }));
    assert.equal(system.status, 400);
  });

  it('stores only the SHA-256 of a token, outside the change log', async () => {
    const revision = s.store.revision;
    const r = await issue(passwordAuth('admin', ADMIN_PASSWORD));
    const secret = String(r.headers['x-subject-token']);
    assert.equal(s.store.revision, revision, 'issuing a token takes no revision');
    const hash = createHash('sha256').update(secret).digest('hex');
    assert.ok(await s.store.fetch('token', hash));
    assert.equal(await s.store.fetch('token', secret), undefined);
    const changes = (await s.store.changesSince(0)) ?? [];
    assert.equal(changes.filter((c) => c.kind === 'token').length, 0);
  });
});

describe('identity: validating and revoking tokens', () => {
  let s: IdentityTestServer;
  before(async () => {
    s = await identityServer();
  });
  after(() => s.close());

  it('validates with GET and HEAD (X-Subject-Token), and lets users validate only their own tokens', async () => {
    const admin = await s.adminToken();
    const bob = await s.account('validate', 'member');
    const bobToken = await s.login('validate-user', bob.password);
    const get = await s.request('GET', '/identity/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': bobToken } });
    assert.equal(get.status, 200);
    assert.equal(get.headers['x-subject-token'], bobToken);
    assert.equal(get.body.token.user.name, 'validate-user');
    assert.deepEqual(
      get.body.token.roles.map((r: { name: string }) => r.name),
      ['member', 'reader'],
    );
    const nocatalog = await s.request('GET', '/v3/auth/tokens?nocatalog', {
      token: admin,
      headers: { 'x-subject-token': bobToken },
    });
    assert.equal(nocatalog.body.token.catalog, undefined);
    const head = await s.request('HEAD', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': bobToken } });
    assert.equal(head.status, 200);
    const own = await s.request('GET', '/v3/auth/tokens', { token: bobToken, headers: { 'x-subject-token': bobToken } });
    assert.equal(own.status, 200);
    const others = await s.request('GET', '/v3/auth/tokens', { token: bobToken, headers: { 'x-subject-token': admin } });
    assert.equal(others.status, 403);
    const unknown = await s.request('GET', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': 'nope' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.title, 'Not Found');
    const noAuth = await s.request('GET', '/v3/auth/tokens', { headers: { 'x-subject-token': bobToken } });
    assert.equal(noAuth.status, 401);
    assert.deepEqual(noAuth.body, KEYSTONE_401);
  });

  it('expires tokens: after expires_at both APIs refuse them', async () => {
    const short = await identityServer({ tokenExpiration: 600 });
    try {
      const token = await short.adminToken();
      assert.equal((await short.request('GET', '/v2.0/networks', { token })).status, 200);
      short.clock += 599_000;
      assert.equal((await short.request('GET', '/v2.0/networks', { token })).status, 200);
      short.clock += 1_000;
      assert.equal((await short.request('GET', '/v2.0/networks', { token })).status, 401, 'the cache never outlives the token');
      const fresh = await short.login('admin', ADMIN_PASSWORD);
      const validate = await short.request('GET', '/v3/auth/tokens', { token: fresh, headers: { 'x-subject-token': token } });
      assert.equal(validate.status, 404);
      short.clock += 60_000;
      await short.login('admin', ADMIN_PASSWORD);
      const hash = createHash('sha256').update(token).digest('hex');
      assert.equal(await short.store.fetch('token', hash), undefined, 'expired tokens are swept when new ones are issued');
    } finally {
      await short.close();
    }
  });

  it('revokes with DELETE: the token stops working at once, also on the network API', async () => {
    const token = await s.login('admin', ADMIN_PASSWORD);
    assert.equal((await s.request('GET', '/v2.0/networks', { token })).status, 200);
    const del = await s.request('DELETE', '/v3/auth/tokens', { token, headers: { 'x-subject-token': token } });
    assert.equal(del.status, 204);
    const after = await s.request('GET', '/v2.0/networks', { token });
    assert.equal(after.status, 401);
    assert.deepEqual(after.body, KEYSTONE_401);
    const again = await s.request('DELETE', '/v3/auth/tokens', {
      token: await s.adminToken(),
      headers: { 'x-subject-token': token },
    });
    assert.equal(again.status, 404);
  });

  it('invalidates tokens when the password changes, the user is disabled or loses its role', async () => {
    const admin = await s.adminToken();
    const carol = await s.account('changes', 'member');
    const before = await s.login('changes-user', carol.password);
    await s.request('PATCH', `/v3/users/${carol.userId}`, { token: admin, body: { user: { password: 'new-password' } } });
    assert.equal((await s.request('GET', '/v2.0/networks', { token: before })).status, 401);
    assert.equal(
      (await s.request('POST', '/v3/auth/tokens', { body: passwordAuth('changes-user', carol.password) })).status,
      401,
    );
    const disabledLater = await s.login('changes-user', 'new-password');
    await s.request('PATCH', `/v3/users/${carol.userId}`, { token: admin, body: { user: { enabled: false } } });
    await s.request('PATCH', `/v3/users/${carol.userId}`, { token: admin, body: { user: { enabled: true } } });
    assert.equal((await s.request('GET', '/v2.0/networks', { token: disabledLater })).status, 401, 're-enabling revives nothing');
    const current = await s.login('changes-user', 'new-password');
    assert.equal((await s.request('GET', '/v2.0/networks', { token: current })).status, 200);
    const member = (await s.request('GET', '/v3/roles?name=member', { token: admin })).body.roles[0];
    await s.request('DELETE', `/v3/projects/${carol.projectId}/users/${carol.userId}/roles/${member.id}`, { token: admin });
    assert.equal((await s.request('GET', '/v2.0/networks', { token: current })).status, 401, 'no role left on the project');
  });

  it('lists the projects and domains a token’s user may scope to, and its catalog', async () => {
    const dave = await s.account('listing', 'reader');
    const token = await s.login('listing-user', dave.password);
    const projects = await s.request('GET', '/v3/auth/projects', { token });
    assert.deepEqual(
      projects.body.projects.map((p: { id: string }) => p.id),
      [dave.projectId],
    );
    assert.deepEqual((await s.request('GET', '/v3/auth/domains', { token })).body.domains, []);
    const catalog = await s.request('GET', '/v3/auth/catalog', { token });
    assert.deepEqual(catalog.body.catalog.map((c: { type: string }) => c.type).sort(), ['identity', 'network']);
    const unscoped = await s.login('listing-user', dave.password, 'unscoped');
    assert.equal((await s.request('GET', '/v3/auth/catalog', { token: unscoped })).status, 403);
  });
});

describe('identity: version documents and the network API behind tokens', () => {
  let s: IdentityTestServer;
  before(async () => {
    s = await identityServer();
  });
  after(() => s.close());

  it('serves the v3 version document, the multiple-choice document, and still Neutron’s GET /', async () => {
    for (const path of ['/identity/v3', '/identity/v3/', '/v3', '/v3/']) {
      const r = await s.request('GET', path);
      assert.equal(r.status, 200, path);
      assert.equal(r.body.version.id, 'v3.14');
      assert.equal(r.body.version.status, 'stable');
      assert.equal(r.body.version.links[0].rel, 'self');
    }
    const choice = await s.request('GET', '/identity');
    assert.equal(choice.status, 300);
    assert.equal(choice.body.versions.values[0].links[0].href, 'http://localhost:80/identity/v3/');
    const root = await s.request('GET', '/');
    assert.equal(root.status, 200);
    assert.equal(root.body.versions[0].id, 'v2.0');
  });

  it('answers the network API without or with a bad token with Keystone’s 401 and the auth URL', async () => {
    for (const token of [undefined, 'garbage']) {
      const r = await s.request('GET', '/v2.0/networks', token ? { token } : {});
      assert.equal(r.status, 401);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.deepEqual(r.body, KEYSTONE_401);
      assert.equal(r.headers['www-authenticate'], 'Keystone uri="http://localhost:80/identity/v3"');
    }
    assert.equal((await s.request('GET', '/')).status, 200, 'the version list needs no token');
    assert.equal((await s.request('GET', '/%762.0/networks')).status, 401, 'an encoded path is the same route');
  });

  it('ignores noauth headers: the project and roles come from the token', async () => {
    const eve = await s.account('tenant', 'member');
    const token = await s.login('tenant-user', eve.password);
    const r = await s.request('POST', '/v2.0/networks', {
      token,
      body: { network: { name: 'n' } },
      headers: { 'x-project-id': 'someone-else', 'x-roles': 'admin' },
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.network.project_id, eve.projectId);
    assert.equal(r.body.network['provider:network_type'], undefined, 'not an admin');
  });

  it('uses publicUrl for the catalog when it is set', async () => {
    const pub = await identityServer({ publicUrl: 'https://cloud.example.org:8443' });
    try {
      const r = await pub.request('POST', '/v3/auth/tokens', { body: passwordAuth('admin', ADMIN_PASSWORD) });
      const urls = r.body.token.catalog.flatMap((c: { endpoints: { url: string }[] }) => c.endpoints.map((e) => e.url));
      assert.ok(urls.includes('https://cloud.example.org:8443'));
      assert.ok(urls.includes('https://cloud.example.org:8443/identity/v3'));
    } finally {
      await pub.close();
    }
  });
});
