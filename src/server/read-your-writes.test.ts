import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../model/config.js';
import { type PeerTransport, Store } from '../store/store.js';
import { type QuarkApp, buildApp } from './app.js';
import { ServerConfigSchema } from './config.js';

/** Servers that share a database but never hear each other: only the cookie can make B see A's write. */
const deaf: PeerTransport = { send: () => undefined, onReceive: () => undefined };
const ADMIN = { 'x-project-id': 'admin-project', 'x-roles': 'admin', 'content-type': 'application/json' };

describe('read-your-writes across servers: the revision cookie', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quark-ryw-'));
  const stores: Store[] = [];
  const apps: QuarkApp[] = [];
  before(async () => {
    const db = join(dir, 'quark.db');
    const config = loadConfig(ServerConfigSchema, { flags: { db, logLevel: 'silent', auth: 'noauth' } });
    for (let i = 0; i < 2; i++) {
      const store = await Store.open({ url: db, peers: deaf });
      stores.push(store);
      apps.push(await buildApp({ config, store }));
    }
  });
  after(async () => {
    for (const app of apps) await app.app.close();
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a read only once the view holds the revision the client brings back', async () => {
    const [a, b] = apps as [QuarkApp, QuarkApp];
    const created = await a.app.inject({
      method: 'POST',
      url: '/v2.0/networks',
      headers: ADMIN,
      payload: { network: { name: 'mine' } },
    });
    assert.equal(created.statusCode, 201);
    const cookie = created.headers['set-cookie'] as string;
    assert.match(cookie, /^quark-revision=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    const revision = Number(created.headers['x-quark-revision']);
    assert.ok(revision > 0);
    const id = created.json().network.id as string;

    const stale = await b.app.inject({ method: 'GET', url: `/v2.0/networks/${id}`, headers: ADMIN });
    assert.equal(stale.statusCode, 404, 'a server that has not heard of the write yet, asked without the revision');
    const withCookie = await b.app.inject({
      method: 'GET',
      url: `/v2.0/networks/${id}`,
      headers: { ...ADMIN, cookie: cookie.split(';')[0]! },
    });
    assert.equal(withCookie.statusCode, 200, 'the cookie makes it catch up first');
    assert.equal(Number(withCookie.headers['x-quark-revision']), revision);

    const second = await a.app.inject({ method: 'POST', url: '/v2.0/networks', headers: ADMIN, payload: { network: {} } });
    const withHeader = await b.app.inject({
      method: 'GET',
      url: '/v2.0/networks',
      headers: { ...ADMIN, 'x-quark-revision': second.headers['x-quark-revision'] as string },
    });
    assert.equal(withHeader.json().networks.length, 2, 'the header does the same for clients without cookies');
  });

  it('is off on a server that owns its database alone', async () => {
    const store = await Store.open({ url: ':memory:' });
    const config = loadConfig(ServerConfigSchema, { flags: { db: ':memory:', logLevel: 'silent', auth: 'noauth' } });
    const app = await buildApp({ config, store });
    try {
      const r = await app.app.inject({ method: 'GET', url: '/v2.0/networks', headers: ADMIN });
      assert.equal(r.headers['set-cookie'], undefined);
    } finally {
      await app.app.close();
      await store.close();
    }
  });
});
