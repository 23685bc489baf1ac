import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

describe('networks API', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer({ greIdRanges: ['100:199'] });
  });
  after(() => s.close());

  it('creates a project network with a GRE segment and the GRE MTU', async () => {
    const { network } = await s.post('/v2.0/networks', { network: { name: 'test' } }, ALICE);
    assert.equal(network.project_id, 'alice');
    assert.equal(network.tenant_id, 'alice');
    assert.equal(network.status, 'ACTIVE');
    assert.equal(network.mtu, 1458);
    assert.equal(network.revision_number, 1);
    assert.match(network.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(network.subnets, []);
    assert.equal(network['provider:network_type'], undefined, 'provider attributes are admin-only');
    const seen = await s.get(`/v2.0/networks/${network.id}`, ADMIN);
    assert.equal(seen.network['provider:network_type'], 'gre');
    assert.equal(seen.network['provider:segmentation_id'], 100);
  });

  it('never hands out a segmentation id twice and answers 503 when the range is exhausted', async () => {
    const small = await testServer({ greIdRanges: ['100:102'] });
    const ids = new Set<number>();
    const created: string[] = [];
    for (;;) {
      const r = await small.request('POST', '/v2.0/networks', { network: { name: 'n' } }, ADMIN);
      if (r.status === 503) {
        assert.equal(r.body.NeutronError.type, 'NoNetworkAvailable');
        break;
      }
      assert.equal(r.status, 201);
      assert.ok(!ids.has(r.body.network['provider:segmentation_id']));
      ids.add(r.body.network['provider:segmentation_id']);
      created.push(r.body.network.id);
    }
    assert.equal(ids.size, 3);
    // Releasing one makes exactly that id available again.
    const freed = await small.get(`/v2.0/networks/${created[0]}`);
    await small.request('DELETE', `/v2.0/networks/${created[0]}`);
    const again = await small.post('/v2.0/networks', { network: { name: 'again' } });
    assert.equal(again.network['provider:segmentation_id'], freed.network['provider:segmentation_id']);
    await small.close();
  });

  it('gives the next free id after the last one given, and a freed id once the range wraps round', async () => {
    const small = await testServer({ greIdRanges: ['100:104'] });
    const create = async () => (await small.post('/v2.0/networks', { network: { name: 'n' } })).network;
    const first = [await create(), await create(), await create()];
    assert.deepEqual(
      first.map((n) => n['provider:segmentation_id']),
      [100, 101, 102],
    );
    await small.request('DELETE', `/v2.0/networks/${first[0].id}`);
    const next = [await create(), await create(), await create()];
    assert.deepEqual(
      next.map((n) => n['provider:segmentation_id']),
      [103, 104, 100],
    );
    await small.close();
  });

  it('lets an admin create flat and VLAN provider networks and refuses duplicates', async () => {
    const flat = await s.post('/v2.0/networks', {
      network: { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' },
    });
    assert.equal(flat.network.mtu, 1500);
    const dup = await s.request('POST', '/v2.0/networks', {
      network: { 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' },
    });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.NeutronError.type, 'FlatNetworkInUse');
    const vlan = await s.post('/v2.0/networks', {
      network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1200 },
    });
    assert.equal(vlan.network['provider:segmentation_id'], 1200);
    const taken = await s.request('POST', '/v2.0/networks', {
      network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1200 },
    });
    assert.equal(taken.body.NeutronError.type, 'VlanIdInUse');
    const badPhysnet = await s.request('POST', '/v2.0/networks', {
      network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'nowhere' },
    });
    assert.equal(badPhysnet.status, 400);
    assert.equal(badPhysnet.body.NeutronError.type, 'InvalidInput');
  });

  it('keeps admin-only attributes from members (403) and hides other projects (404)', async () => {
    for (const attr of [{ shared: true }, { 'router:external': true }, { 'provider:network_type': 'vxlan' }]) {
      const r = await s.request('POST', '/v2.0/networks', { network: attr }, ALICE);
      assert.equal(r.status, 403, JSON.stringify(attr));
      assert.equal(r.body.NeutronError.type, 'PolicyNotAuthorized');
    }
    const { network } = await s.post('/v2.0/networks', { network: { name: 'alice-private' } }, ALICE);
    const r = await s.request('GET', `/v2.0/networks/${network.id}`, undefined, BOB);
    assert.equal(r.status, 404);
    assert.equal(r.body.NeutronError.type, 'NetworkNotFound');
    const del = await s.request('DELETE', `/v2.0/networks/${network.id}`, undefined, BOB);
    assert.equal(del.status, 404);
    const list = await s.get('/v2.0/networks', BOB);
    assert.ok(!list.networks.some((n: { id: string }) => n.id === network.id));
  });

  it('shows shared networks to every project', async () => {
    const { network } = await s.post('/v2.0/networks', { network: { name: 'shared', shared: true } });
    const seen = await s.get(`/v2.0/networks/${network.id}`, BOB);
    assert.equal(seen.network.shared, true);
  });

  it('refuses a member naming another project and mismatched project and tenant ids, both 400 as Neutron', async () => {
    const r = await s.request('POST', '/v2.0/networks', { network: { project_id: 'bob' } }, ALICE);
    assert.equal(r.status, 400);
    assert.equal(r.body.NeutronError.type, 'HTTPBadRequest');
    assert.match(r.body.NeutronError.message, /requires admin or advsvc privileges/);
    const m = await s.request('POST', '/v2.0/networks', { network: { project_id: 'a', tenant_id: 'b' } });
    assert.equal(m.status, 400);
  });

  it('updates name and MTU, bumps revision_number and refuses read-only attributes', async () => {
    const { network } = await s.post('/v2.0/networks', { network: { name: 'a' } }, ALICE);
    const upd = await s.request('PUT', `/v2.0/networks/${network.id}`, { network: { name: 'b', mtu: 1400 } }, ALICE);
    assert.equal(upd.status, 200);
    assert.equal(upd.body.network.name, 'b');
    assert.equal(upd.body.network.mtu, 1400);
    assert.equal(upd.body.network.revision_number, 2);
    const big = await s.request('PUT', `/v2.0/networks/${network.id}`, { network: { mtu: 9000 } }, ALICE);
    assert.equal(big.status, 400);
    const ro = await s.request('PUT', `/v2.0/networks/${network.id}`, { network: { status: 'DOWN' } }, ALICE);
    assert.equal(ro.status, 400);
    assert.match(ro.body.NeutronError.message, /read-only attribute status/);
    const stale = await s.request('PUT', `/v2.0/networks/${network.id}`, { network: { name: 'c' } }, ALICE);
    assert.equal(stale.status, 200);
  });

  it('honours If-Match revision_number', async () => {
    const { network } = await s.post('/v2.0/networks', { network: { name: 'a' } });
    const r = await s.quark.app.inject({
      method: 'PUT',
      url: `/v2.0/networks/${network.id}`,
      headers: { 'content-type': 'application/json', 'if-match': 'revision_number=7' },
      payload: JSON.stringify({ network: { name: 'z' } }),
    });
    assert.equal(r.statusCode, 412);
  });

  it('filters, selects fields, sorts and pages', async () => {
    for (const name of ['p-c', 'p-a', 'p-b']) await s.post('/v2.0/networks', { network: { name } }, BOB);
    const one = await s.get('/v2.0/networks?name=p-a', BOB);
    assert.deepEqual(
      one.networks.map((n: { name: string }) => n.name),
      ['p-a'],
    );
    const or = await s.get('/v2.0/networks?name=p-a&name=p-b&fields=name', BOB);
    assert.deepEqual(
      or.networks.map((n: object) => Object.keys(n)),
      [['name'], ['name']],
    );
    const sorted = await s.get('/v2.0/networks?sort_key=name&sort_dir=desc&name=p-a&name=p-b&name=p-c', BOB);
    assert.deepEqual(
      sorted.networks.map((n: { name: string }) => n.name),
      ['p-c', 'p-b', 'p-a'],
    );
    const page1 = await s.get('/v2.0/networks?sort_key=name&limit=2&name=p-a&name=p-b&name=p-c', BOB);
    assert.deepEqual(
      page1.networks.map((n: { name: string }) => n.name),
      ['p-a', 'p-b'],
    );
    const next = page1.networks_links.find((l: { rel: string }) => l.rel === 'next').href as string;
    const page2 = await s.get(next.slice(next.indexOf('/v2.0')), BOB);
    assert.deepEqual(
      page2.networks.map((n: { name: string }) => n.name),
      ['p-c'],
    );
    const bad = await s.request('GET', '/v2.0/networks?colour=red', undefined, BOB);
    assert.equal(bad.status, 400);
    const badSort = await s.request('GET', '/v2.0/networks?sort_key=colour', undefined, BOB);
    assert.equal(badSort.status, 400);
    const bools = await s.get('/v2.0/networks?shared=true', BOB);
    assert.ok(bools.networks.every((n: { shared: boolean }) => n.shared));
  });

  it('pages with next and previous links as Neutron: forward to the empty page after the last, then back', async () => {
    for (const name of ['q-a', 'q-b', 'q-c']) await s.post('/v2.0/networks', { network: { name } }, BOB);
    const filter = 'name=q-a&name=q-b&name=q-c';
    const names = (body: Record<string, any>) => body.networks.map((n: { name: string }) => n.name);
    const link = (body: Record<string, any>, rel: string) => {
      const href = body.networks_links?.find((l: { rel: string }) => l.rel === rel)?.href as string | undefined;
      return href === undefined ? undefined : href.slice(href.indexOf('/v2.0'));
    };
    let page = await s.get(`/v2.0/networks?sort_key=name&sort_dir=asc&limit=1&${filter}`, BOB);
    const forward: string[] = [];
    for (let i = 0; i < 3; i++) {
      forward.push(...names(page));
      assert.ok(link(page, 'previous'), 'a full page always links back');
      page = await s.get(link(page, 'next')!, BOB);
    }
    assert.deepEqual(forward, ['q-a', 'q-b', 'q-c']);
    assert.deepEqual(names(page), [], 'the page after the last is empty');
    assert.equal(link(page, 'next'), undefined);
    const back = link(page, 'previous')!;
    assert.doesNotMatch(back, /marker=/, 'an empty page links back without a marker');
    assert.match(back, /page_reverse=True/);
    const backward: string[] = [];
    for (let i = 0; i < 3; i++) {
      page = await s.get(link(page, 'previous') ?? '', BOB);
      backward.push(...names(page));
    }
    assert.deepEqual(backward, ['q-c', 'q-b', 'q-a']);
    const reverse = await s.get(`/v2.0/networks?sort_key=name&limit=2&page_reverse=true&${filter}`, BOB);
    assert.deepEqual(names(reverse), ['q-b', 'q-c'], 'a reverse page without a marker is the last one');
    const start = await s.get(link(reverse, 'previous')!, BOB);
    assert.deepEqual(names(start), ['q-a']);
    assert.equal(link(start, 'previous'), undefined, 'a short reverse page has no previous');
    assert.ok(link(start, 'next'));
    const unlimited = await s.get(`/v2.0/networks?marker=${forward[0]}&${filter}`, BOB);
    assert.equal(unlimited.networks.length, 3, 'without a limit the marker is ignored');
    assert.equal(unlimited.networks_links, undefined);
  });

  it('takes a .json suffix on a path, as Neutron', async () => {
    const net = (await s.post('/v2.0/networks.json', { network: { name: 'suffixed' } }, BOB)).network;
    assert.equal((await s.get(`/v2.0/networks/${net.id}.json`, BOB)).network.name, 'suffixed');
    assert.ok((await s.get('/v2.0/networks.json?name=suffixed', BOB)).networks.length === 1);
    assert.ok((await s.get('/v2.0/quotas/bob/details.json', BOB)).quota.network);
  });

  it('creates in bulk all or nothing', async () => {
    const before = s.store.view.size('network');
    const ok = await s.post('/v2.0/networks', { networks: [{ name: 'x1' }, { name: 'x2' }] });
    assert.equal(ok.networks.length, 2);
    const bad = await s.request('POST', '/v2.0/networks', { networks: [{ name: 'y1' }, { name: 'y2', shared: 'maybe' }] });
    assert.equal(bad.status, 400);
    assert.equal(s.store.view.size('network'), before + 2);
  });

  it('answers malformed bodies with 400 and unknown paths with 404, never 500', async () => {
    for (const body of ['{', '[]', '"x"', '{"network": 5}', '{"networks": [5]}', '{"nope": {}}', '{}']) {
      const r = await s.request('POST', '/v2.0/networks', body);
      assert.equal(r.status, 400, body);
      assert.equal(typeof r.body.NeutronError.message, 'string');
    }
    const r = await s.request('GET', '/v2.0/widgets');
    assert.equal(r.status, 404);
    assert.equal(r.body.NeutronError.type, 'HTTPNotFound');
  });

  it('tags: add, replace, filter, remove', async () => {
    const { network } = await s.post('/v2.0/networks', { network: { name: 'tagged' } });
    assert.equal((await s.request('PUT', `/v2.0/networks/${network.id}/tags/red`)).status, 201);
    const replaced = await s.request('PUT', `/v2.0/networks/${network.id}/tags`, { tags: ['blue', 'green'] });
    assert.deepEqual(replaced.body.tags, ['blue', 'green']);
    const any = await s.get('/v2.0/networks?tags-any=green,purple');
    assert.deepEqual(
      any.networks.map((n: { id: string }) => n.id),
      [network.id],
    );
    const none = await s.get('/v2.0/networks?tags=blue,red');
    assert.equal(none.networks.length, 0);
    assert.equal((await s.request('GET', `/v2.0/networks/${network.id}/tags/blue`)).status, 204);
    assert.equal((await s.request('DELETE', `/v2.0/networks/${network.id}/tags/blue`)).status, 204);
    assert.equal((await s.request('GET', `/v2.0/networks/${network.id}/tags/blue`)).status, 404);
  });

  it('counts every request in /metrics by method, route and status, and answers /healthz with the store revision', async () => {
    const fresh = await testServer();
    const sample = async (line: string) => {
      const res = await fresh.quark.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /^text\/plain/);
      const found = res.body.split('\n').find((l) => l.startsWith(`${line} `));
      return found === undefined ? undefined : Number(found.slice(line.length + 1));
    };
    const health = async () => {
      const res = await fresh.quark.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(res.statusCode, 200);
      return JSON.parse(res.body);
    };
    assert.deepEqual(await health(), { status: 'ok', revision: fresh.store.revision });
    const { network } = await fresh.post('/v2.0/networks', { network: { name: 'counted' } }, ALICE);
    await fresh.post('/v2.0/networks', { network: { name: 'counted-too' } }, ALICE);
    await fresh.get(`/v2.0/networks/${network.id}`, ALICE);
    assert.equal((await fresh.request('GET', `/v2.0/networks/${network.id}`, undefined, BOB)).status, 404);
    assert.equal((await fresh.request('GET', '/v2.0/widgets/1')).status, 404);
    const requests = 'quark_api_requests_total';
    assert.equal(await sample(`${requests}{method="POST",route="/v2.0/networks",status="201"}`), 2);
    assert.equal(await sample(`${requests}{method="GET",route="/v2.0/networks/:id",status="200"}`), 1);
    assert.equal(await sample(`${requests}{method="GET",route="/v2.0/networks/:id",status="404"}`), 1);
    assert.equal(await sample(`${requests}{method="GET",route="unmatched",status="404"}`), 1, 'by route, never by raw URL');
    const latency = 'quark_api_request_duration_seconds';
    assert.equal(await sample(`${latency}_count{method="POST",route="/v2.0/networks"}`), 2);
    assert.equal(await sample(`${latency}_count{method="GET",route="/v2.0/networks/:id"}`), 2);
    assert.ok(((await sample(`${latency}_sum{method="POST",route="/v2.0/networks"}`)) ?? -1) >= 0);
    const later = await health();
    assert.ok(later.revision >= 2, 'each create is a committed write');
    assert.equal(later.revision, fresh.store.revision);
    assert.equal(await sample('quark_store_revision'), later.revision);
    await fresh.close();
  });

  it('takes the project from X-Tenant-Id when there is no X-Project-Id', async () => {
    const create = (headers: Record<string, string>) =>
      s.quark.app.inject({
        method: 'POST',
        url: '/v2.0/networks',
        headers: { 'content-type': 'application/json', 'x-roles': 'member', ...headers },
        payload: JSON.stringify({ network: { name: 'by-tenant-header' } }),
      });
    const tenant = await create({ 'x-tenant-id': 'carol' });
    assert.equal(tenant.statusCode, 201);
    const { network } = JSON.parse(tenant.body);
    assert.equal(network.project_id, 'carol');
    assert.equal(network.tenant_id, 'carol');
    const seen = await s.get(`/v2.0/networks/${network.id}`, { project: 'carol', roles: 'member' });
    assert.equal(seen.network.id, network.id);
    assert.equal((await s.request('GET', `/v2.0/networks/${network.id}`, undefined, BOB)).status, 404);
    const both = await create({ 'x-tenant-id': 'carol', 'x-project-id': 'dave' });
    assert.equal(JSON.parse(both.body).network.project_id, 'dave', 'X-Project-Id wins over X-Tenant-Id');
  });

  it('refuses an unknown attribute in a network body with a 400 that names it', async () => {
    const created = await s.request('POST', '/v2.0/networks', { network: { name: 'x', bogus: 1 } }, ALICE);
    assert.equal(created.status, 400);
    assert.equal(created.body.NeutronError.type, 'HTTPBadRequest');
    assert.equal(created.body.NeutronError.message, "Unrecognized attribute(s) 'bogus'");
    const { network } = await s.post('/v2.0/networks', { network: { name: 'y' } }, ALICE);
    const updated = await s.request('PUT', `/v2.0/networks/${network.id}`, { network: { bogus: 1, other: 2 } }, ALICE);
    assert.equal(updated.status, 400);
    assert.match(updated.body.NeutronError.message, /^Unrecognized attribute\(s\) '(bogus, other|other, bogus)'$/);
    assert.equal((await s.get(`/v2.0/networks/${network.id}`, ALICE)).network.revision_number, 1);
  });
});
