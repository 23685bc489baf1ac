import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RouteTable } from './route-table.js';
import { testServer } from './testing/harness.js';

describe('RouteTable', () => {
  it('finds the methods of a URL by the routes’ patterns', () => {
    const t = new RouteTable();
    t.add('/v2.0/networks', ['GET', 'HEAD']);
    t.add('/v2.0/networks', 'POST');
    t.add('/v2.0/networks/:id', ['GET', 'PUT', 'DELETE']);
    t.add('/v2.0/ports/:id/tags/:tag', 'PUT');
    t.add('/static/*', 'GET');
    assert.deepEqual(t.methodsFor('/v2.0/networks'), ['GET', 'HEAD', 'POST']);
    assert.deepEqual(t.methodsFor('/v2.0/networks/8b1f'), ['DELETE', 'GET', 'PUT']);
    assert.deepEqual(t.methodsFor('/v2.0/ports/p1/tags/red'), ['PUT']);
    assert.deepEqual(t.methodsFor('/static/a/b'), ['GET']);
    assert.deepEqual(t.methodsFor('/v2.0/networks/a/b'), [], 'a parameter is one segment');
    assert.deepEqual(t.methodsFor('/v2/0/networks'), [], 'a dot is a dot');
  });
});

describe('a URL the API serves, asked with another method', () => {
  it('is 405 HTTPMethodNotAllowed with the methods it has; an unknown URL stays 404', async () => {
    const s = await testServer();
    try {
      const res = await s.quark.app.inject({ method: 'PATCH', url: '/v2.0/networks' });
      assert.equal(res.statusCode, 405);
      assert.equal(res.headers.allow, 'GET, HEAD, POST');
      assert.equal(JSON.parse(res.body).NeutronError.type, 'HTTPMethodNotAllowed');
      assert.equal((await s.request('POST', '/v2.0/networks/8b1f0c9e-6f49-4f5c-9a3e-2f7f1d0f7a11')).status, 405);
      const missing = await s.request('GET', '/v2.0/volumes');
      assert.deepEqual([missing.status, missing.body.NeutronError.type], [404, 'HTTPNotFound']);
    } finally {
      await s.close();
    }
  });
});
