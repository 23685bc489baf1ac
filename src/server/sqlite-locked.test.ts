/**
 * SQLite held by another process's write lock (`quark admin bootstrap`, a backup, sqlite3 left
 * in a transaction): writes get 503 ServiceUnavailable with Retry-After after the busy timeout,
 * reads keep answering from the view (one server owns a SQLite file, so the view is current),
 * nothing changes, and writes succeed again once the lock is released, without a restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../model/config.js';
import { Store } from '../store/store.js';
import { type QuarkApp, buildApp } from './app.js';
import { ServerConfigSchema } from './config.js';

const ADMIN = { 'x-project-id': 'admin-project', 'x-roles': 'admin', 'content-type': 'application/json' };

describe('SQLite locked by another process', () => {
  let dir: string;
  let store: Store;
  let quark: QuarkApp;
  const inject = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await quark.app.inject({ method, url, headers: ADMIN, ...(body ? { payload: JSON.stringify(body) } : {}) });
    return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, any>, retryAfter: res.headers['retry-after'] };
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quark-locked-'));
    const config = loadConfig(ServerConfigSchema, { flags: { db: join(dir, 'q.db'), logLevel: 'silent', auth: 'noauth' } });
    store = await Store.open({ url: config.db, timeouts: { statementMs: 100 }, retryMs: 50 });
    quark = await buildApp({ config, store });
  });
  after(async () => {
    await quark?.app.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses writes with 503 while the lock is held, keeps serving reads, and writes again once it is released', async () => {
    assert.equal((await inject('POST', '/v2.0/networks', { network: { name: 'before' } })).status, 201);
    const revision = store.revision;
    const other = new SQLite(join(dir, 'q.db'));
    other.exec('begin immediate');
    try {
      const refused = await inject('POST', '/v2.0/networks', { network: { name: 'during' } });
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.body.NeutronError.type, 'ServiceUnavailable');
      assert.ok(Number(refused.retryAfter) > 0, 'Retry-After');
      assert.equal((await inject('GET', '/healthz')).status, 503);
      const listed = await inject('GET', '/v2.0/networks');
      assert.equal(listed.status, 200, 'reads go on');
      assert.deepEqual(
        listed.body.networks.map((n: { name: string }) => n.name),
        ['before'],
      );
      assert.equal((await inject('POST', '/v2.0/networks', { network: { name: 'during' } })).status, 503, 'refused at once');
      assert.equal(store.revision, revision, 'nothing was written');
    } finally {
      other.exec('rollback');
      other.close();
    }
    for (let i = 0; i < 100 && (await inject('GET', '/healthz')).status !== 200; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await inject('GET', '/healthz')).status, 200, 'healthy again');
    assert.equal((await inject('POST', '/v2.0/networks', { network: { name: 'after' } })).status, 201);
  });
});
