import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../model/config.js';
import { Store } from '../../store/store.js';
import { type QuarkApp, buildApp } from '../app.js';
import { ServerConfigSchema } from '../config.js';
import { passwordAuth } from '../testing/identity-harness.js';
import { bootstrapIdentity } from './bootstrap.js';

// Two servers sharing one database, as behind a load balancer: tokens and identity records
// written through one must work through the other.
describe('keystone authenticator across servers', () => {
  let dir: string;
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const servers: { store: Store; quark: QuarkApp }[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quark-auth-'));
    const config = loadConfig(ServerConfigSchema, { flags: { db: join(dir, 'q.db'), auth: 'keystone', tokenCacheTime: 30 } });
    for (let i = 0; i < 2; i++) {
      const store = await Store.open({ url: config.db });
      const quark = await buildApp({ config, store, services: { now: () => new Date(clock) } });
      servers.push({ store, quark });
    }
    await bootstrapIdentity(servers[0]!.store, { password: 'pw' });
  });
  after(async () => {
    for (const s of servers) {
      await s.quark.app.close();
      await s.store.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (i: number, method: string, url: string, token?: string, body?: unknown) => {
    const res = await servers[i]!.quark.app.inject({
      method: method as 'GET',
      url,
      headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return {
      status: res.statusCode,
      body: res.body ? JSON.parse(res.body) : {},
      token: res.headers['x-subject-token'] as string,
    };
  };

  it('logs in on a server that has not seen the bootstrap yet', async () => {
    const r = await call(1, 'POST', '/v3/auth/tokens', undefined, passwordAuth('admin', 'pw'));
    assert.equal(r.status, 201);
  });

  it('accepts a token issued by the other server, and a user created there', async () => {
    const admin = (await call(0, 'POST', '/v3/auth/tokens', undefined, passwordAuth('admin', 'pw'))).token;
    assert.equal((await call(1, 'GET', '/v2.0/networks', admin)).status, 200);
    const user = await call(0, 'POST', '/v3/users', admin, { user: { name: 'roamer', password: 'r' } });
    assert.equal(user.status, 201);
    assert.equal((await call(1, 'POST', '/v3/auth/tokens', undefined, passwordAuth('roamer', 'r', 'unscoped'))).status, 201);
  });

  it('sees a revocation by the other server once its short cache has expired', async () => {
    const token = (await call(0, 'POST', '/v3/auth/tokens', undefined, passwordAuth('admin', 'pw'))).token;
    assert.equal((await call(1, 'GET', '/v2.0/networks', token)).status, 200, 'now cached on server 1');
    const revoke = await servers[0]!.quark.app.inject({
      method: 'DELETE',
      url: '/v3/auth/tokens',
      headers: { 'x-auth-token': token, 'x-subject-token': token },
    });
    assert.equal(revoke.statusCode, 204);
    assert.equal((await call(0, 'GET', '/v2.0/networks', token)).status, 401, 'at once where it was revoked');
    assert.equal((await call(1, 'GET', '/v2.0/networks', token)).status, 200, 'the other server trusts its cache…');
    clock += 30_000;
    assert.equal((await call(1, 'GET', '/v2.0/networks', token)).status, 401, '…for tokenCacheTime at most');
  });
});
