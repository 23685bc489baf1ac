/**
 * Pages through several servers on one real PostgreSQL, as a round-robin load balancer sends
 * them: each page from the next server, one of them started after the records were written and
 * updated. Every server must list the records in the same order (the order they were first
 * written), or the walk skips and repeats records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type PrivatePostgres, startPostgres } from '../store/testing/private-postgres.js';
import { type ServerProcess, startServerProcess } from './testing/server-process.js';

const HEADERS = { 'content-type': 'application/json', 'x-project-id': 'p', 'x-roles': 'admin' };

async function call(url: string, method: string, path: string, body?: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: HEADERS,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

describe('pages through three servers on one PostgreSQL, one started late', () => {
  let pg: PrivatePostgres | null = null;
  const servers: ServerProcess[] = [];
  const start = async () => {
    const s = await startServerProcess({ env: { QUARK_DB: pg!.url('quark_pages') }, args: ['--auth', 'noauth'] });
    servers.push(s);
    return s.url;
  };

  before(async () => {
    pg = await startPostgres();
    pg.createDatabase('quark_pages');
  });

  after(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    await pg?.stop();
  });

  it('gives every record once, in one order, whichever server answers each page', async () => {
    const a = await start();
    const b = await start();
    const net = (await call(a, 'POST', '/v2.0/networks', { network: { name: 'pages' } })).network;
    await call(b, 'POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24' } });
    const ports: { id: string }[] = (
      await call(a, 'POST', '/v2.0/ports', {
        ports: Array.from({ length: 30 }, (_, k) => ({ network_id: net.id, name: `p${k}` })),
      })
    ).ports;
    // Updated latest first through the other server (each update moves the row in PostgreSQL's
    // heap), two deleted and two more created.
    for (const p of [...ports].reverse().filter((_, k) => k % 3 === 0)) {
      await call(b, 'PUT', `/v2.0/ports/${p.id}`, { port: { description: 'updated' } });
    }
    for (const p of ports.slice(4, 6)) await call(a, 'DELETE', `/v2.0/ports/${p.id}`);
    await call(b, 'POST', '/v2.0/ports', { ports: [{ network_id: net.id }, { network_id: net.id }] });
    const c = await start();
    const urls = [a, b, c];

    const whole = async (url: string) =>
      ((await call(url, 'GET', '/v2.0/ports?fields=id')).ports as { id: string }[]).map((p) => p.id);
    const expected = await whole(a);
    assert.equal(expected.length, 30 - 2 + 2);
    for (const url of urls) assert.deepEqual(await whole(url), expected, `${url} lists in the same order`);

    const walked: string[] = [];
    let marker: string | null = null;
    for (let page = 0; page < 20; page++) {
      const url = urls[page % 3]!;
      const body = await call(url, 'GET', `/v2.0/ports?fields=id&limit=4${marker ? `&marker=${marker}` : ''}`);
      walked.push(...(body.ports as { id: string }[]).map((p) => p.id));
      const next = (body.ports_links as { rel: string; href: string }[] | undefined)?.find((l) => l.rel === 'next');
      if (!next) break;
      marker = new URL(next.href).searchParams.get('marker');
    }
    assert.deepEqual(walked, expected, 'the walk gives every port once, in the order of the whole list');
  });
});
