import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { QuarkClient } from '../../client/client.js';
import type { Explanation, HostExplanation, HostItem } from '../../model/explain.js';
import type { AgentQuery, FeedMessage } from '../../model/feed.js';
import { ALICE, type TestServer, testServer } from '../testing/harness.js';

/** A fake agent: holds a feed stream open and answers queries with `reply` (undefined: stays silent). */
async function fakeAgent(url: string, host: string, reply: (q: AgentQuery) => { answer?: unknown; error?: string } | undefined) {
  const client = new QuarkClient({ url, credentials: { project: 'admin', roles: ['admin'] } });
  const controller = new AbortController();
  const res = await client.stream(`/v2.0/quark/feed?host=${host}&roles=l2`, controller.signal);
  const queries: AgentQuery[] = [];
  void (async () => {
    let buffer = '';
    try {
      for await (const chunk of res.body!) {
        buffer += Buffer.from(chunk as Uint8Array).toString();
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const m = JSON.parse(buffer.slice(0, nl)) as FeedMessage;
          buffer = buffer.slice(nl + 1);
          if (m.type !== 'query') continue;
          queries.push(m.query);
          const r = reply(m.query);
          if (r) await client.post(`/v2.0/quark/queries/${m.id}/answer`, { host, ...r });
        }
      }
    } catch {
      // aborted at the end of the test
    }
  })();
  return { queries, stop: () => controller.abort() };
}

describe('explain and trace relay (server ↔ agents over the feed)', () => {
  let s: TestServer;
  let url: string;
  let portId: string;
  before(async () => {
    s = await testServer({ queryTimeout: 0.3 });
    await s.quark.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(s.quark.app.server.address() as AddressInfo).port}`;
    const net = (await s.post('/v2.0/networks', { network: { name: 'n1' } })).network;
    portId = (await s.post('/v2.0/ports', { port: { network_id: net.id, name: 'vm9' } })).port.id;
  });
  after(() => s.close());

  it('relays explain to the host’s agent and names what it found, cookie prefixes included', async () => {
    const prefix = portId.replaceAll('-', '').slice(0, 10);
    const item: HostItem = {
      section: 'flow',
      where: 'br-tun',
      text: 'table=20 …',
      says: 'unicast to vm9',
      owners: [{ kind: 'port', id: prefix }],
      status: 'missing',
    };
    const agent = await fakeAgent(url, 'h1', (q) =>
      q.kind === 'explain'
        ? { answer: { host: 'h1', roles: ['l2'], items: [item] } satisfies HostExplanation as unknown }
        : undefined,
    );
    try {
      const byName = (await s.get('/v2.0/quark/explain/ports/vm9')).explanation as Explanation;
      assert.deepEqual(byName.hosts[0]?.items[0]?.owners, [{ kind: 'port', id: portId }]);
      assert.match(byName.names[`port:${portId}`] ?? '', /^port vm9 \(/);
      assert.equal(byName.drift, 1);
      const q = agent.queries[0];
      assert.ok(q?.kind === 'explain' && q.refs?.includes(`port:${portId}`), JSON.stringify(q));
      const host = (await s.get('/v2.0/quark/explain/hosts/h1')).explanation as Explanation;
      assert.equal(host.subject.label, 'host h1');
      const last = agent.queries.at(-1);
      assert.equal(last?.kind === 'explain' ? last.refs : 'not explain', null);
    } finally {
      agent.stop();
    }
  });

  it('answers 404 AgentNotFound for a host no agent reported from, 503 AgentUnavailable for one that does not answer', async () => {
    const unknown = await s.request('GET', '/v2.0/quark/explain/hosts/h2');
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    assert.equal(unknown.body.NeutronError.type, 'AgentNotFound');
    assert.match(unknown.body.NeutronError.message, /^No agent has reported from a host named h2/);
    const agent = await fakeAgent(url, 'h3', () => undefined);
    try {
      const silent = await s.request('GET', '/v2.0/quark/explain/hosts/h3');
      assert.equal(silent.status, 503);
      assert.match(silent.body.NeutronError.message, /did not answer within 0\.3 s/);
    } finally {
      agent.stop();
    }
  });

  it('passes an agent’s failure on as 502 AgentQueryFailed with its message', async () => {
    const agent = await fakeAgent(url, 'h4', () => ({ error: 'ovs-appctl failed: no such bridge' }));
    try {
      const r = await s.request('GET', '/v2.0/quark/explain/hosts/h4');
      assert.equal(r.status, 502);
      assert.match(r.body.NeutronError.message, /The agent on host h4 failed: ovs-appctl failed: no such bridge/);
    } finally {
      agent.stop();
    }
  });

  it('is for admins only, and ignores answers to questions nobody asked', async () => {
    assert.equal((await s.request('GET', '/v2.0/quark/explain/hosts/h1', undefined, ALICE)).status, 403);
    assert.equal((await s.request('GET', '/v2.0/quark/trace?from=a&to=b', undefined, ALICE)).status, 403);
    const r = await s.request('POST', '/v2.0/quark/queries/nope/answer', { host: 'h1', answer: {} });
    assert.deepEqual([r.status, r.body], [200, { delivered: false }]);
  });

  it('refuses unknown kinds and objects with Neutron’s errors', async () => {
    assert.equal((await s.request('GET', '/v2.0/quark/explain/volumes/x')).status, 404);
    const missing = await s.request('GET', '/v2.0/quark/explain/routers/nope');
    assert.equal(missing.body.NeutronError.type, 'RouterNotFound');
    const bad = await s.request('GET', '/v2.0/quark/trace?from=vm9&to=10.0.0.1&protocol=sctp');
    assert.equal(bad.status, 400);
  });
});
