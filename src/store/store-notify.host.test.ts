/**
 * Several stores on one real PostgreSQL hear each other: a commit on one reaches the view and
 * the commit listeners of the others without any read or sync, in revision order with none
 * skipped, even while writers on every store race; a store whose listening connection is
 * killed stops counting itself readable until it listens and has caught up again; messages
 * between servers arrive, big ones through their table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { network as networkRecord } from '../dataplane/testing/fixtures.js';
import { type Commit, Store } from './store.js';
import { type PrivatePostgres, startPostgres } from './testing/private-postgres.js';

let segment = 0;
const network = (id: string, name = 'n') =>
  networkRecord({
    id,
    name,
    project_id: 'p',
    'provider:segmentation_id': ++segment,
    created_at: '',
    updated_at: '',
    revision_number: 0,
  });

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('stores sharing one PostgreSQL hear each other', () => {
  let pg: PrivatePostgres;
  let stores: Store[] = [];
  before(async () => {
    pg = await startPostgres();
    pg.createDatabase('quark_notify');
    // Short retries: the test kills connections and waits for them to come back.
    for (let i = 0; i < 3; i++) stores.push(await Store.open({ url: pg.url('quark_notify'), retryMs: 200 }));
  });
  after(async () => {
    for (const s of stores) await s.close();
    stores = [];
    await pg?.stop();
  });

  it('a commit on one store is in the others’ views without a read', async () => {
    const [a, b, c] = stores as [Store, Store, Store];
    assert.ok(a.readable && b.readable && c.readable);
    const id = '10000000-0000-0000-0000-000000000001';
    await a.write((tx) => tx.put('network', network(id, 'heard')));
    await until(
      'b and c have the network',
      () => b.view.get('network', id) !== undefined && c.view.get('network', id) !== undefined,
    );
    assert.equal(b.revision, a.revision);
    assert.equal(c.revision, a.revision);
  });

  it('every store publishes every revision once, in order, while all of them write at once', async () => {
    const seen = stores.map(() => [] as number[]);
    const offs = stores.map((s, i) => s.onCommit((commit: Commit) => seen[i]!.push(commit.revision)));
    const start = stores[0]!.revision;
    const perStore = 40;
    await Promise.all(
      stores.map((s, i) =>
        Promise.all(
          Array.from({ length: perStore }, (_, k) =>
            s.write((tx) => tx.put('network', network(`2${i}000000-0000-0000-0000-${String(k).padStart(12, '0')}`))),
          ),
        ),
      ),
    );
    const end = start + stores.length * perStore;
    await until('every store at the last revision', () => stores.every((s) => s.revision === end));
    for (const off of offs) off();
    const expected = Array.from({ length: end - start }, (_, k) => start + 1 + k);
    for (const [i, revisions] of seen.entries()) assert.deepEqual(revisions, expected, `store ${i}: every revision, in order`);
    for (const s of stores) assert.equal(s.view.size('network'), 1 + stores.length * perStore);
  });

  it('a store whose listening connection dies is not readable until it listens and caught up again', async () => {
    const [a, b] = stores as [Store, Store];
    const healths: string[] = [];
    const off = b.onHealth((h) => healths.push(h.state));
    // Kill every listening connection but a's: b and c go deaf.
    pg.query(
      'quark_notify',
      "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'quark-server-listen' and pid <> (select min(pid) from pg_stat_activity where application_name = 'quark-server-listen')",
    );
    await until('a store went deaf', () => stores.some((s) => !s.readable));
    const deaf = stores.find((s) => !s.readable)!;
    assert.equal(deaf.health.state, 'down');
    assert.match((deaf.health as { cause: string }).cause, /cannot hear other servers' commits/);
    // Writes go on meanwhile, on the deaf store too (they catch up under the lock).
    const id = '30000000-0000-0000-0000-000000000001';
    await a.write((tx) => tx.put('network', network(id, 'while deaf')));
    await deaf.write((tx) => tx.put('network', network('30000000-0000-0000-0000-000000000002', 'by the deaf')));
    await until('every store readable again', () => stores.every((s) => s.readable));
    await until('the deaf store has the write it missed', () => deaf.view.get('network', id) !== undefined);
    off();
    if (deaf === b) assert.deepEqual(healths, ['down', 'up']);
  });

  it('sends messages to one or to every other store, small ones inline and big ones through their table', async () => {
    const [a, b, c] = stores as [Store, Store, Store];
    const got = stores.map(() => [] as unknown[]);
    const offs = stores.map((s, i) => s.onPeerMessage((m) => got[i]!.push(m.body)));
    await a.sendToPeers({ hello: 'all' });
    const big = { blob: 'x'.repeat(20_000) };
    await a.sendToPeers(big, c.serverId);
    await until('b and c got theirs', () => got[1]!.length === 1 && got[2]!.length === 2);
    assert.deepEqual(got[0], [], 'a sender does not hear itself');
    assert.deepEqual(got[1], [{ hello: 'all' }]);
    assert.deepEqual(got[2], [{ hello: 'all' }, big]);
    for (const off of offs) off();
    assert.equal(
      pg.query('quark_notify', 'select count(*) from peer_messages').trim(),
      '0',
      'a message to one store is deleted once read',
    );
    assert.ok(b.shared);
  });
});
