import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { id, network, port } from '../../dataplane/testing/fixtures.js';
import type { Network } from '../../model/resources.js';
import { MemoryView } from '../../store/view.js';
import { type ListQuery, type SortKey, paginate, sortRecords, sortedPage } from './list-query.js';
import { indexedRecords, pageInOrder } from './list-scan.js';

const query = (over: Partial<ListQuery>): ListQuery => ({
  fields: null,
  filters: [],
  tags: {},
  sort: [],
  limit: null,
  marker: null,
  pageReverse: false,
  ...over,
});

/** 200 networks written in order, then every fifth deleted and a few written again (they move to the end). */
function view(): MemoryView {
  const v = new MemoryView();
  const nets = Array.from({ length: 200 }, (_, i) =>
    network({ id: id(`a${String(i).padStart(5, '0')}`), name: i % 3 === 0 ? 'skip' : `net-${i}` }),
  );
  v.apply(
    nets.map((n) => ({ kind: 'network' as const, id: n.id, op: 'put' as const, record: n })),
    1,
  );
  const gone = nets.filter((_, i) => i % 5 === 0);
  v.apply(
    gone.map((n) => ({ kind: 'network' as const, id: n.id, op: 'delete' as const, record: n })),
    2,
  );
  v.apply(
    gone.slice(0, 4).map((n) => ({ kind: 'network' as const, id: n.id, op: 'put' as const, record: n })),
    3,
  );
  return v;
}

describe('pageInOrder', () => {
  it('cuts the same pages, with the same links, as paginate over the whole filtered list', () => {
    const v = view();
    const accept = (n: Network) => n.name !== 'skip';
    const everything = v.all('network');
    const markers = [null, 'no-such-id', ...everything.map((n) => n.id)];
    for (const limit of [1, 7, 100, 500]) {
      for (const pageReverse of [false, true]) {
        for (const marker of markers) {
          const q = query({ limit, marker, pageReverse });
          const expected = paginate(everything.filter(accept), q, (n) => n.id);
          const got = pageInOrder(v, 'network', { ...q, limit }, accept);
          const label = `limit ${limit} reverse ${pageReverse} marker ${marker}`;
          assert.deepEqual(
            got.items.map((n) => n.id),
            expected.items.map((n) => n.id),
            label,
          );
          assert.deepEqual(got.next, expected.next, label);
          assert.deepEqual(got.previous, expected.previous, label);
        }
      }
    }
  });
});

describe('indexedRecords', () => {
  it("gives the records under a filter's values in the view's order, and nothing for filters without an index", () => {
    const v = new MemoryView();
    const nets = [id('a'), id('b')];
    const ports = Array.from({ length: 12 }, (_, i) =>
      port({ id: id(`c${String(i).padStart(5, '0')}`), network_id: nets[i % 2]!, host: 'h', device_id: i < 6 ? `vm${i}` : '' }),
    );
    // Written out of id order: the view's order is the order of writing.
    const written = [...ports].reverse();
    v.apply(
      written.map((p) => ({ kind: 'port' as const, id: p.id, op: 'put' as const, record: p })),
      1,
    );
    const filter = (name: string, values: string[]) => query({ filters: [{ name, kind: 'string', values }] });
    assert.deepEqual(
      indexedRecords(v, 'port', filter('network_id', [nets[0]!]))?.map((p) => p.id),
      written.filter((p) => p.network_id === nets[0]).map((p) => p.id),
    );
    assert.deepEqual(
      indexedRecords(v, 'port', filter('device_id', ['vm1', 'vm4']))?.map((p) => p.id),
      written.filter((p) => p.device_id === 'vm1' || p.device_id === 'vm4').map((p) => p.id),
    );
    // An empty value is not under any key of the index: the whole list is looked at.
    assert.equal(indexedRecords(v, 'port', filter('device_id', [''])), null);
    assert.equal(indexedRecords(v, 'port', filter('name', ['x'])), null);
  });
});

describe('sortedPage', () => {
  it('cuts the same pages, with the same links, as paginate over the whole sorted list, ties and all', () => {
    // Names repeat (ties the id key breaks) and `mtu` repeats with no id key when the sort names
    // only it and the items have no id (ties the items' order breaks).
    const items = Array.from({ length: 60 }, (_, i) => ({
      id: id(`b${String((i * 37) % 60).padStart(5, '0')}`),
      name: `n${i % 7}`,
      mtu: i % 4 === 0 ? null : 1400 + (i % 3),
    }));
    const noIds = items.map(({ name, mtu }, i) => ({ key: `k${i}`, name, mtu }));
    const sorts: SortKey[][] = [
      [],
      [{ key: 'name', dir: 'asc' }],
      [{ key: 'name', dir: 'desc' }],
      [
        { key: 'mtu', dir: 'desc' },
        { key: 'name', dir: 'asc' },
      ],
    ];
    const attributeOf = (i: object, key: string) => (i as Record<string, unknown>)[key];
    const check = <T extends { id?: string }>(list: T[], idOf: (i: T) => string, sort: SortKey[]) => {
      const markers = [null, 'no-such-id', ...list.map(idOf)];
      for (const limit of [null, 1, 7, 100]) {
        for (const pageReverse of [false, true]) {
          for (const marker of markers) {
            const q = query({ sort, limit, marker, pageReverse });
            const expected = paginate(sortRecords([...list], sort, attributeOf), q, idOf);
            const got = sortedPage(list, q, attributeOf, idOf);
            const label = `sort ${JSON.stringify(sort)} limit ${limit} reverse ${pageReverse} marker ${marker}`;
            assert.deepEqual(got.items.map(idOf), expected.items.map(idOf), label);
            assert.deepEqual(got.next, expected.next, label);
            assert.deepEqual(got.previous, expected.previous, label);
          }
        }
      }
    };
    for (const sort of sorts) {
      check(items, (i) => i.id, sort);
      check(noIds as { id?: string; key: string }[], (i) => i.key, sort);
    }
  });
});
