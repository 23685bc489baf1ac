/**
 * What the server does with bodies, URLs and requests that break its limits or its parser:
 * every answer is a NeutronError (Keystone's error on the identity API) with
 * `Content-Type: application/json`, and the store is left as it was.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { QuarkError } from '../model/errors.js';
import { loadConfig } from '../model/config.js';
import { Store } from '../store/store.js';
import { type QuarkApp, buildApp } from './app.js';
import { ServerConfigSchema } from './config.js';
import { type TestServer, testServer } from './testing/harness.js';

const ADMIN = { 'x-project-id': 'admin-project', 'x-roles': 'admin', 'content-type': 'application/json' };

/** A raw HTTP exchange: what the server wrote back before it closed the connection. */
function raw(port: number, request: string, waitMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => {
      answer += d;
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', () => undefined);
    if (request) socket.write(request);
    setTimeout(() => socket.end(), waitMs);
  });
}

function parseRaw(answer: string): { status: number; headers: string; body: Record<string, any> } {
  const [head, body] = answer.split('\r\n\r\n');
  return { status: Number(head!.split(' ')[1]), headers: head!.toLowerCase(), body: JSON.parse(body!) as Record<string, any> };
}

describe('limits and malformed requests', () => {
  let s: TestServer;
  let port: number;
  before(async () => {
    s = await testServer({ headersTimeout: 1, requestTimeout: 2 });
    await s.quark.app.listen({ host: '127.0.0.1', port: 0 });
    port = (s.quark.app.server.address() as { port: number }).port;
  });
  after(async () => s.close());

  const inject = async (method: string, url: string, payload?: string, headers: Record<string, string> = ADMIN) => {
    const res = await s.quark.app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(payload === undefined ? {} : { payload }),
    });
    assert.match(String(res.headers['content-type']), /^application\/json/, `${method} ${url}: content type`);
    return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, any> };
  };

  it('a body nested 6,000 deep is a 400 on every create and update route, and changes nothing', async () => {
    const deep = `{"x": ${'['.repeat(6000)}${']'.repeat(6000)}}`;
    const revision = s.store.revision;
    let checked = 0;
    for (const route of s.quark.routes.entries()) {
      const [method, url] = route.split(' ') as [string, string];
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
        const path = url.replace(/:[a-z_]+/g, '00000000-0000-0000-0000-000000000000');
        const r = await inject(method, path, deep);
        if (url.startsWith('/v2.0')) {
          assert.equal(r.status, 400, `${method} ${url}: ${JSON.stringify(r.body)}`);
          assert.equal(r.body.NeutronError?.type, 'HTTPBadRequest', `${method} ${url}`);
        } else {
          // The identity API asks for a token before it reads a body (these requests have none).
          assert.ok([400, 401].includes(r.status), `${method} ${url}: ${JSON.stringify(r.body)}`);
          assert.equal(r.body.error?.code, r.status, `${method} ${url}`);
        }
        checked++;
      }
    }
    assert.ok(checked > 20, `${checked} routes`);
    assert.equal(s.store.revision, revision);
  });

  it('a body over maxBodyBytes is a 413 NeutronError, on the identity API a Keystone 413 at 112 KiB', async () => {
    const big = await inject('POST', '/v2.0/networks', JSON.stringify({ network: { name: 'x'.repeat(2 * 1024 * 1024) } }));
    assert.equal(big.status, 413);
    assert.equal(big.body.NeutronError.type, 'HTTPRequestEntityTooLarge');
    const auth = await inject('POST', '/v3/auth/tokens', JSON.stringify({ auth: { x: 'y'.repeat(120 * 1024) } }), {
      'content-type': 'application/json',
    });
    assert.equal(auth.status, 413);
    assert.equal(auth.body.error.code, 413);
  });

  it('a chunked body is cut off at the limit (no Content-Length to refuse it by)', async () => {
    const chunk = 'a'.repeat(64 * 1024);
    const chunks = Array.from({ length: 20 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
    const answer = await raw(
      port,
      `POST /v2.0/networks HTTP/1.1\r\nHost: x\r\nX-Project-Id: p\r\nX-Roles: admin\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`,
    );
    const r = parseRaw(answer);
    assert.equal(r.status, 413);
    assert.equal(r.body.NeutronError.type, 'HTTPRequestEntityTooLarge');
  });

  it('framework errors are NeutronErrors: bad %-encoding 400, an over-long id 414; Keystone bodies under /v3', async () => {
    const bad = await inject('GET', '/v2.0/networks/%zz');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.NeutronError.type, 'HTTPBadRequest');
    const keystone = await inject('GET', '/v3/projects/%zz');
    assert.equal(keystone.status, 400);
    assert.equal(keystone.body.error.code, 400);
    const long = await inject('GET', `/v2.0/networks/${'a'.repeat(2000)}`);
    assert.equal(long.status, 414);
    assert.equal(long.body.NeutronError.type, 'HTTPRequestURITooLong');
    assert.ok(JSON.stringify(long.body).length < 1000, 'the answer quotes a short part of the URL');
  });

  it("what Node's parser refuses gets a NeutronError body too: a malformed request line, headers too large, a request too slow", async () => {
    const cases = [
      { request: 'GARBAGE\r\n\r\n', status: 400, type: 'HTTPBadRequest' },
      { request: 'GET /v2.0/networks HTTP/1.1\r\n\r\n', status: 400, type: 'HTTPBadRequest' },
      { request: 'G@T /v2.0/networks HTTP/1.1\r\nHost: x\r\n\r\n', status: 400, type: 'HTTPBadRequest' },
      {
        request: `GET /v2.0/networks?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
        status: 431,
        type: 'HTTPRequestHeaderFieldsTooLarge',
      },
      { request: 'GET /v2.0/networks HTTP/1.1\r\nHost: x\r\n', status: 408, type: 'HTTPRequestTimeout', wait: 3000 },
      { request: '', status: 408, type: 'HTTPRequestTimeout', wait: 3000 },
    ];
    for (const c of cases) {
      const r = parseRaw(await raw(port, c.request, c.wait));
      assert.equal(r.status, c.status, c.request.slice(0, 30));
      assert.match(r.headers, /content-type: application\/json/);
      assert.equal(r.body.NeutronError.type, c.type);
    }
  });

  it('__proto__, constructor and toString are unknown attributes like any other, on create, bulk create and update', async () => {
    const created = await s.post('/v2.0/networks', { network: { name: 'n' } });
    const id = created.network.id as string;
    const revision = s.store.revision;
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const item = `{"name": "x", "${name}": {"admin_state_up": false}}`;
      for (const [method, url, body] of [
        ['POST', '/v2.0/networks', `{"network": ${item}}`],
        ['POST', '/v2.0/networks', `{"networks": [${item}]}`],
        ['PUT', `/v2.0/networks/${id}`, `{"network": ${item}}`],
        [
          'POST',
          '/v2.0/ports',
          `{"port": {"network_id": "${id}", "allowed_address_pairs": [{"ip_address": "10.0.0.1", "${name}": 1}]}}`,
        ],
      ] as const) {
        const r = await inject(method, url, body);
        assert.equal(r.status, 400, `${name} in ${method} ${url}: ${JSON.stringify(r.body)}`);
        assert.match(r.body.NeutronError.message, /Unrecognized/, name);
      }
    }
    assert.equal(s.store.revision, revision, 'nothing was written');
  });

  it('a validation error quotes a short prefix of the bad value', async () => {
    const r = await inject('POST', '/v2.0/networks', JSON.stringify({ network: { name: 'n'.repeat(500_000) } }));
    assert.equal(r.status, 400);
    assert.ok(JSON.stringify(r.body).length < 400, `${JSON.stringify(r.body).length} bytes`);
    const keys = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${'x'.repeat(100)}${i}`, 1]));
    const many = await inject('POST', '/v2.0/networks', JSON.stringify({ network: keys }));
    assert.equal(many.status, 400);
    assert.ok(JSON.stringify(many.body).length < 1200, `${JSON.stringify(many.body).length} bytes`);
  });
});

describe('logging of failed requests', () => {
  let quark: QuarkApp;
  let store: Store;
  const lines: Record<string, any>[] = [];
  before(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const config = loadConfig(ServerConfigSchema, { flags: { db: ':memory:', auth: 'noauth' } });
    store = await Store.open({ url: ':memory:' });
    quark = await buildApp({ config, store, logger: pino({ level: 'info' }, sink) });
    quark.app.get('/v2.0/test-bug', async () => {
      throw new Error('a bug');
    });
    quark.app.get('/v2.0/test-outage', async () => {
      throw new QuarkError('ServiceUnavailable', 'The service is unavailable.');
    });
  });
  after(async () => {
    await quark.app.close();
    await store.close();
  });

  it('a 4xx at info without a stack, a 5xx at error with its stack, an outage 503 as a warning', async () => {
    await quark.app.inject({ method: 'GET', url: '/v2.0/networks/nope', headers: ADMIN });
    await quark.app.inject({ method: 'GET', url: '/v2.0/test-bug', headers: ADMIN });
    await quark.app.inject({ method: 'GET', url: '/v2.0/test-outage', headers: ADMIN });
    const notFound = lines.find((l) => l.status === 404)!;
    assert.equal(notFound.level, 30, 'info');
    assert.ok(!JSON.stringify(notFound).includes('stack'), 'no stack');
    assert.equal(notFound.code, 'NetworkNotFound');
    const bug = lines.find((l) => l.status === 500)!;
    assert.equal(bug.level, 50, 'error');
    assert.match(bug.err.stack, /a bug/);
    const outage = lines.find((l) => l.status === 503)!;
    assert.equal(outage.level, 40, 'warn');
    assert.ok(!JSON.stringify(outage).includes('stack'));
  });
});
