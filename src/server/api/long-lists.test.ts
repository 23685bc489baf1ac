import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { projectNetwork } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

/**
 * Lists longer than one streamed chunk (list-body.ts), paged from markers (list-scan.ts) and
 * filtered through store indexes: the same items, in the same order, as the whole list.
 */
describe('long lists', () => {
  let s: TestServer;
  let nets: { network: string; subnet: string }[];
  before(async () => {
    s = await testServer({ quotaPort: -1 });
    nets = [await projectNetwork(s, ALICE, '10.1.0.0/16', 'a'), await projectNetwork(s, BOB, '10.2.0.0/16', 'b')];
    for (let round = 0; round < 3; round++) {
      for (const [i, n] of nets.entries()) {
        const ports = Array.from({ length: 400 }, (_, k) => ({
          network_id: n.network,
          device_id: `vm-${round}-${i}-${k % 50}`,
          name: `p-${round}-${i}-${k}`,
        }));
        await s.post('/v2.0/ports', { ports }, i === 0 ? ALICE : BOB);
      }
    }
    // Deleted records leave holes in the view's order; an updated one stays in place.
    const some = (await s.get('/v2.0/ports?limit=40')).ports as { id: string }[];
    for (const p of some.slice(0, 30)) await s.del(`/v2.0/ports/${p.id}`);
    await s.put(`/v2.0/ports/${some[35]!.id}`, { port: { name: 'renamed' } });
  });
  after(() => s.close());

  const ids = (ports: { id: string }[]) => ports.map((p) => p.id);

  it('sends the whole list (streamed) as the pages a client walks with markers, forward and back', async () => {
    const whole = (await s.get('/v2.0/ports')).ports as { id: string; name: string }[];
    assert.equal(whole.length, 2400 - 30);
    assert.ok(whole.some((p) => p.name === 'renamed'));
    const walked: { id: string }[] = [];
    let marker = '';
    for (;;) {
      const page = await s.get(`/v2.0/ports?limit=100${marker}`);
      walked.push(...page.ports);
      const next = (page.ports_links ?? []).find((l: { rel: string }) => l.rel === 'next');
      if (!next) break;
      marker = `&marker=${page.ports.at(-1).id}`;
    }
    assert.deepEqual(ids(walked), ids(whole));
    const back: { id: string }[] = [];
    marker = '';
    for (;;) {
      const page = await s.get(`/v2.0/ports?limit=100&page_reverse=true${marker}`);
      back.unshift(...page.ports);
      const previous = (page.ports_links ?? []).find((l: { rel: string }) => l.rel === 'previous');
      if (!previous) break;
      marker = `&marker=${page.ports[0].id}`;
    }
    assert.deepEqual(ids(back), ids(whole));
  });

  it("shows a project only its own ports, whole and paged, and filters by indexed attributes in the list's order", async () => {
    const whole = (await s.get('/v2.0/ports')).ports as { id: string; network_id: string; device_id: string }[];
    const alice = (await s.get('/v2.0/ports', ALICE)).ports as { id: string }[];
    assert.deepEqual(ids(alice), ids(whole.filter((p) => p.network_id === nets[0]!.network)));
    const page = (await s.get(`/v2.0/ports?limit=50&marker=${alice[10]!.id}`, BOB)).ports as { id: string }[];
    // A marker the caller cannot see pages from the start, as a marker that is not in the list.
    assert.deepEqual(ids(page), ids(whole.filter((p) => p.network_id === nets[1]!.network)).slice(0, 50));
    const onB = (await s.get(`/v2.0/ports?network_id=${nets[1]!.network}&device_id=vm-1-1-7&device_id=vm-2-1-9`)).ports;
    assert.deepEqual(ids(onB), ids(whole.filter((p) => p.device_id === 'vm-1-1-7' || p.device_id === 'vm-2-1-9')));
    const pagedFilter = (await s.get(`/v2.0/ports?network_id=${nets[0]!.network}&limit=5&marker=${alice[3]!.id}`, ADMIN)).ports;
    assert.deepEqual(ids(pagedFilter), ids(alice).slice(4, 9));
  });
});
