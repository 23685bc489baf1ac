import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type IdentityTestServer, identityServer } from '../testing/identity-harness.js';

interface Received {
  readonly event: string;
  readonly data: Record<string, any>;
}

/** Follows `GET /v2.0/quark/events` over real HTTP, collecting its events. */
async function follow(url: string, token: string) {
  const controller = new AbortController();
  const res = await fetch(`${url}/v2.0/quark/events`, { headers: { 'x-auth-token': token }, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: Received[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          cut = buffer.indexOf('\n\n');
        }
      }
    } catch {}
  })();
  return {
    events,
    /** Waits until an event satisfies `test`. */
    async until(what: string, test: (e: Received) => boolean): Promise<Received> {
      const deadline = Date.now() + 5000;
      for (;;) {
        const hit = events.find(test);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no event: ${what} (got ${JSON.stringify(events).slice(0, 500)})`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    ids: () => events.flatMap((e) => (e.event === 'changes' ? e.data.changes.map((c: any) => c.id) : [])),
    async close() {
      controller.abort();
      await pump;
    },
  };
}

describe('GET /v2.0/quark/events', () => {
  let s: IdentityTestServer;
  let url: string;
  let admin: string;
  let p: string;
  let q: string;
  let qProject: string;

  before(async () => {
    s = await identityServer();
    url = await s.quark.app.listen({ host: '127.0.0.1', port: 0 });
    admin = await s.adminToken();
    const pa = await s.account('ev-p', 'member');
    const qa = await s.account('ev-q', 'member');
    qProject = qa.projectId;
    p = await s.login('ev-p-user', pa.password);
    q = await s.login('ev-q-user', qa.password);
  });
  after(() => s.close());

  const post = async (path: string, body: unknown, token: string) => {
    const r = await s.request('POST', path, { token, body });
    assert.ok(r.status < 300, `${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  it('shows each caller the changes it may read, rendered as its GET renders them, and nothing of other projects', async () => {
    const pStream = await follow(url, p);
    const adminStream = await follow(url, admin);
    try {
      await pStream.until('hello', (e) => e.event === 'hello');
      const { network: qNet } = await post('/v2.0/networks', { network: { name: 'q-net' } }, q);
      const { port: qPort } = await post('/v2.0/ports', { port: { network_id: qNet.id } }, q);
      const { network: pNet } = await post('/v2.0/networks', { network: { name: 'p-net' } }, p);
      const { port: pPort } = await post('/v2.0/ports', { port: { network_id: pNet.id, name: 'vm' } }, p);
      await s.request('PUT', `/v2.0/ports/${pPort.id}`, { token: admin, body: { port: { 'binding:host_id': 'compute' } } });

      const shown = (await s.request('GET', `/v2.0/ports/${pPort.id}`, { token: p })).body.port;
      assert.equal(shown.revision_number, 2);
      const bound = await pStream.until(
        'the port bound',
        (e) => e.event === 'changes' && e.data.changes.some((c: any) => c.id === pPort.id && c.record?.revision_number === 2),
      );
      await adminStream.until(
        'the admin sees Q’s port',
        (e) => e.event === 'changes' && JSON.stringify(e.data).includes(qPort.id),
      );
      const last = bound.data.changes.find((c: any) => c.id === pPort.id);
      assert.deepEqual(last.record, shown, 'the event renders the port as the caller’s GET does');
      assert.equal('binding:host_id' in last.record, false, 'a member does not read the binding');

      // Q's objects change and go: P hears nothing of them, not even their deletion.
      await s.request('PUT', `/v2.0/ports/${qPort.id}`, { token: q, body: { port: { name: 'renamed' } } });
      await s.request('DELETE', `/v2.0/ports/${qPort.id}`, { token: q });
      const { network: marker } = await post('/v2.0/networks', { network: { name: 'p-marker' } }, p);
      await pStream.until('the marker', (e) => JSON.stringify(e.data).includes(marker.id));
      const leaked = pStream.events.filter(
        (e) => JSON.stringify(e.data).includes(qProject) || JSON.stringify(e.data).includes(qNet.id),
      );
      assert.deepEqual(leaked, [], 'events about project Q reached project P');
      assert.ok(pStream.ids().includes(pNet.id));

      // Deleting P's port reaches P as a deletion.
      await s.request('DELETE', `/v2.0/ports/${pPort.id}`, { token: p });
      await pStream.until(
        'the deletion',
        (e) => e.event === 'changes' && e.data.changes.some((c: any) => c.id === pPort.id && c.record === null),
      );
    } finally {
      await pStream.close();
      await adminStream.close();
    }
  });

  it('asks a project to list again when a network it may or may not see is shared', async () => {
    const { network: qNet } = await post('/v2.0/networks', { network: { name: 'q-shared' } }, q);
    const pStream = await follow(url, p);
    try {
      await pStream.until('hello', (e) => e.event === 'hello');
      await s.request('PUT', `/v2.0/networks/${qNet.id}`, { token: admin, body: { network: { shared: true } } });
      const resync = await pStream.until('resync', (e) => e.event === 'resync');
      assert.equal(typeof resync.data.revision, 'number');
    } finally {
      await pStream.close();
    }
  });

  it('answers once with the revision, and refuses a caller without a token', async () => {
    const once = await s.quark.app.inject({ url: '/v2.0/quark/events?once=true', headers: { 'x-auth-token': p } });
    assert.equal(once.statusCode, 200);
    assert.match(once.body, /^id: \d+\nevent: hello\ndata: \{"revision":\d+\}\n\n$/);
    const anonymous = await s.quark.app.inject({ url: '/v2.0/quark/events?once=true' });
    assert.equal(anonymous.statusCode, 401);
  });
});
