/**
 * The store's contract, run against every backend (SQLite here, PostgreSQL in a host test):
 * writes are all-or-nothing, revisions are one per write and gap-free, the change log replays
 * them, two stores on one database see each other's writes and never interleave theirs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Store } from '../store.js';
import { network as networkRecord } from '../../dataplane/testing/fixtures.js';

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

export interface Backend {
  readonly name: string;
  /** A fresh, empty database URL (or path) and a function that drops it. */
  setup(): Promise<{ url: string; drop: () => Promise<void> }>;
}

export function storeContract(backend: Backend): void {
  describe(`store contract on ${backend.name}`, () => {
    let url: string;
    let drop: () => Promise<void>;
    let a: Store;
    let b: Store;
    before(async () => {
      ({ url, drop } = await backend.setup());
      a = await Store.open({ url });
      b = await Store.open({ url });
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await drop?.();
    });

    it('write() stamps standard attributes and bumps the revision once per write', async () => {
      const before = a.revision;
      const created = await a.write((tx) => tx.put('network', network('00000000-0000-0000-0000-000000000001')));
      assert.equal(created.revision_number, 1);
      assert.match(created.created_at, /Z$/);
      const updated = await a.write((tx) => tx.put('network', { ...created, name: 'renamed' }));
      assert.equal(updated.revision_number, 2);
      assert.equal(updated.created_at, created.created_at);
      assert.equal(a.revision, before + 2);
    });

    it('a failed write leaves the store and the view as they were', async () => {
      const revision = a.revision;
      const count = a.view.size('network');
      await assert.rejects(
        a.write((tx) => {
          tx.put('network', network('00000000-0000-0000-0000-000000000002'));
          throw new Error('rules refused');
        }),
      );
      assert.equal(a.revision, revision);
      assert.equal(a.view.size('network'), count);
      const reopened = await Store.open({ url });
      assert.equal(reopened.view.get('network', '00000000-0000-0000-0000-000000000002'), undefined);
      await reopened.close();
    });

    it('the change log replays every write in order', async () => {
      const from = a.revision;
      await a.write((tx) => tx.put('network', network('00000000-0000-0000-0000-000000000003')));
      await a.write((tx) => tx.delete('network', '00000000-0000-0000-0000-000000000003'));
      const changes = (await a.changesSince(from)) ?? [];
      assert.deepEqual(
        changes.map((c) => [c.revision - from, c.op]),
        [
          [1, 'put'],
          [2, 'delete'],
        ],
      );
    });

    it("two stores on one database see each other's writes and never interleave theirs", async () => {
      const ids = Array.from({ length: 40 }, (_, i) => `10000000-0000-0000-0000-${String(i).padStart(12, '0')}`);
      const start = a.revision;
      // Each write checks that no other store took "its" name: the rules run against a view that
      // is caught up under the write lock, so this holds only if writes serialise across stores.
      const claim = (s: Store, id: string) =>
        s.write((tx) => {
          if (tx.by('network', 'project', 'p').some((x) => x.name === `claimed-${id}`)) throw new Error('duplicate');
          tx.put('network', network(id, `claimed-${id}`));
        });
      await Promise.all(ids.map((id, i) => claim(i % 2 === 0 ? a : b, id)));
      await a.sync();
      await b.sync();
      for (const s of [a, b]) for (const id of ids) assert.ok(s.view.get('network', id), `${id} missing in a view`);
      assert.equal(a.revision, b.revision);
      const log = (await a.changesSince(start)) ?? [];
      const revisions = [...new Set(log.map((c) => c.revision))];
      assert.deepEqual(
        revisions,
        Array.from({ length: ids.length }, (_, i) => start + i + 1),
        'one revision per write, no gaps',
      );
    });

    it('a store opened later has the records in the order the others have them: first written first', async () => {
      const ids = Array.from({ length: 40 }, (_, i) => `00000000-0000-0000-0001-${String(i).padStart(12, '0')}`);
      for (const id of ids) await a.write((tx) => tx.put('network', network(id)));
      // Updates, latest first, a delete and a write again: on PostgreSQL an updated row moves in
      // its table's heap, so a plain scan would give another order.
      for (const id of [...ids].reverse().filter((_, i) => i % 2 === 0)) {
        await b.write((tx) => tx.put('network', { ...tx.get('network', id)!, name: 'updated' }));
      }
      await a.write((tx) => tx.delete('network', ids[3]!));
      await b.write((tx) => tx.put('network', network(ids[3]!, 'again')));
      await a.sync();
      await b.sync();
      const order = (s: Store) => s.view.all('network').map((n) => n.id);
      const reopened = await Store.open({ url });
      assert.deepEqual(order(reopened), order(a));
      assert.deepEqual(order(b), order(a));
      assert.equal(order(a).at(-1), ids[3], 'a record written again after its delete is at the end');
      await reopened.close();
    });

    it('reopening loads every record and the revision', async () => {
      const reopened = await Store.open({ url });
      assert.equal(reopened.revision, a.revision);
      assert.equal(reopened.view.size('network'), a.view.size('network'));
      await reopened.close();
    });
  });
}
