import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { id, network, port } from '../dataplane/testing/fixtures.js';
import { MemoryView, Overlay } from './view.js';

const netA = network({ id: id('a1') });
const netB = network({ id: id('b1') });
const p1 = port({ id: id('c1'), network_id: netA.id, host: 'h', device_id: 'vm1' });
const p2 = port({ id: id('c2'), network_id: netA.id, host: 'h', device_id: 'vm2' });

/** A committed view with two networks and two ports on the first. */
function committed(): MemoryView {
  const view = new MemoryView();
  view.apply(
    [netA, netB].map((n) => ({ kind: 'network' as const, id: n.id, op: 'put' as const, record: n })),
    1,
  );
  view.apply(
    [p1, p2].map((p) => ({ kind: 'port' as const, id: p.id, op: 'put' as const, record: p })),
    2,
  );
  return view;
}

const ids = (records: readonly { id: string }[]) => records.map((r) => r.id).sort();

describe('MemoryView', () => {
  it('serves records by id, all, and by index, and keeps the indexes right across updates and deletes', () => {
    const view = committed();
    assert.equal(view.revision, 2);
    assert.deepEqual(ids(view.by('port', 'network', netA.id)), ids([p1, p2]));
    view.apply([{ kind: 'port', id: p1.id, op: 'put', record: { ...p1, network_id: netB.id } }], 3);
    assert.deepEqual(ids(view.by('port', 'network', netA.id)), [p2.id]);
    assert.deepEqual(ids(view.by('port', 'network', netB.id)), [p1.id]);
    view.apply([{ kind: 'port', id: p2.id, op: 'delete', record: p2 }], 4);
    assert.deepEqual(view.by('port', 'network', netA.id), []);
    assert.equal(view.get('port', p2.id), undefined);
    assert.deepEqual(ids(view.all('port')), [p1.id]);
    assert.equal(view.size('port'), 1);
  });

  it('answers an unknown key with nothing', () => {
    assert.deepEqual(committed().by('port', 'device', 'no-such-device'), []);
  });

  it('keeps a key held by one record, then two, then one again', () => {
    const view = committed();
    assert.deepEqual(ids(view.by('port', 'device', 'vm1')), [p1.id]);
    view.apply([{ kind: 'port', id: p2.id, op: 'put', record: { ...p2, device_id: 'vm1' } }], 3);
    assert.deepEqual(ids(view.by('port', 'device', 'vm1')), ids([p1, p2]));
    assert.equal(view.count('port', 'device', 'vm1'), 2);
    assert.deepEqual([...view.ids('port', 'device', 'vm1')!].sort(), ids([p1, p2]));
    view.apply([{ kind: 'port', id: p1.id, op: 'delete', record: p1 }], 4);
    assert.deepEqual(ids(view.by('port', 'device', 'vm1')), [p2.id]);
    assert.deepEqual([...view.ids('port', 'device', 'vm1')!], [p2.id]);
    view.apply([{ kind: 'port', id: p2.id, op: 'delete', record: p2 }], 5);
    assert.equal(view.ids('port', 'device', 'vm1'), undefined);
  });

  it('keeps records in the order they were first written, with their positions, through many deletes', () => {
    const view = new MemoryView();
    const nets = Array.from({ length: 300 }, (_, i) => network({ id: id(`a${String(i).padStart(5, '0')}`) }));
    view.apply(
      nets.map((n) => ({ kind: 'network' as const, id: n.id, op: 'put' as const, record: n })),
      1,
    );
    const before = view.all('network');
    // An update stays in place; a record deleted and written again goes to the end.
    view.apply([{ kind: 'network', id: nets[5]!.id, op: 'put', record: { ...nets[5]!, name: 'renamed' } }], 2);
    view.apply([{ kind: 'network', id: nets[7]!.id, op: 'delete', record: nets[7]! }], 3);
    view.apply([{ kind: 'network', id: nets[7]!.id, op: 'put', record: nets[7]! }], 4);
    // Enough deletes that the table closes its holes.
    const gone = nets.filter((_, i) => i % 3 === 1 && i !== 7);
    view.apply(
      gone.map((n) => ({ kind: 'network' as const, id: n.id, op: 'delete' as const, record: n })),
      5,
    );
    const expected = nets.filter((n, i) => i !== 7 && !gone.includes(n)).map((n) => n.id);
    expected.push(nets[7]!.id);
    assert.deepEqual(
      view.all('network').map((n) => n.id),
      expected,
    );
    assert.equal(view.get('network', nets[5]!.id)?.name, 'renamed');
    const ordered = view.ordered('network');
    for (const n of view.all('network')) assert.equal(ordered[view.positionOf('network', n.id)!]?.id, n.id);
    for (const n of gone) assert.equal(view.positionOf('network', n.id), undefined);
    // A list handed out earlier is never changed by later writes.
    assert.equal(before.length, 300);
    assert.deepEqual(
      before.map((n) => n.id),
      nets.map((n) => n.id),
    );
    assert.equal(before[5]!.name, nets[5]!.name);
  });
});

describe('Overlay', () => {
  it('reads its own writes over the committed view and leaves the view as it was', () => {
    const view = committed();
    const tx = new Overlay(view);
    const p3 = port({ id: id('c3'), network_id: netB.id, host: 'h', device_id: 'vm3' });
    tx.put('port', p3);
    tx.put('port', { ...p2, name: 'renamed' });
    tx.delete('port', p1.id);
    assert.equal(tx.get('port', p1.id), undefined);
    assert.equal(tx.get('port', p2.id)?.name, 'renamed');
    assert.deepEqual(ids(tx.all('port')), ids([p2, p3]));
    assert.equal(tx.size('port'), 2);
    assert.deepEqual(ids(tx.by('port', 'network', netA.id)), [p2.id]);
    assert.deepEqual(ids(tx.by('port', 'network', netB.id)), [p3.id]);
    assert.equal(tx.count('port', 'network', netA.id), 1);
    assert.equal(tx.count('port', 'network', netB.id), 1);
    assert.equal(view.count('port', 'network', netA.id), 2);
    assert.equal(tx.revision, view.revision);
    assert.deepEqual(ids(view.all('port')), ids([p1, p2]), 'the committed view is untouched');
    assert.equal(view.get('port', p2.id)?.name, p2.name);
  });

  it('drops a record from an index key it left within the transaction', () => {
    const tx = new Overlay(committed());
    tx.put('port', { ...p1, device_id: 'vm9' });
    assert.deepEqual(ids(tx.by('port', 'device', 'vm9')), [p1.id]);
    tx.put('port', { ...p1, device_id: 'vm10' });
    assert.deepEqual(tx.by('port', 'device', 'vm9'), [], 'the overlay index grows; reads check the key again');
    assert.deepEqual(tx.by('port', 'device', 'vm1'), []);
    assert.deepEqual(ids(tx.by('port', 'device', 'vm10')), [p1.id]);
    assert.deepEqual(
      [tx.count('port', 'device', 'vm9'), tx.count('port', 'device', 'vm1'), tx.count('port', 'device', 'vm10')],
      [0, 0, 1],
    );
  });

  it('counts a record created and deleted within the transaction nowhere', () => {
    const view = committed();
    const tx = new Overlay(view);
    const p3 = port({ id: id('c3'), network_id: netA.id, host: 'h' });
    tx.put('port', p3);
    tx.delete('port', p3.id);
    assert.equal(tx.size('port'), view.size('port'));
    assert.deepEqual(ids(tx.by('port', 'network', netA.id)), ids([p1, p2]));
    assert.equal(tx.count('port', 'network', netA.id), 2);
    assert.equal(tx.get('port', p3.id), undefined);
  });

  it('ignores the delete of a record that does not exist', () => {
    const tx = new Overlay(committed());
    tx.delete('port', id('dead'));
    assert.deepEqual(tx.changes, []);
  });

  it('logs every write in order, and nets them to one change per record with its last state', () => {
    const tx = new Overlay(committed());
    tx.put('port', { ...p1, name: 'first' });
    tx.put('network', { ...netB, name: 'b' });
    tx.put('port', { ...p1, name: 'second' });
    tx.delete('port', p2.id);
    assert.deepEqual(
      tx.changes.map((c) => [c.kind, c.id, c.op]),
      [
        ['port', p1.id, 'put'],
        ['network', netB.id, 'put'],
        ['port', p1.id, 'put'],
        ['port', p2.id, 'delete'],
      ],
    );
    assert.equal((tx.changes[3]?.record as { id: string } | null)?.id, p2.id, 'a delete carries the last record');
    const net = new Map(tx.netChanges().map((c) => [`${c.kind} ${c.id}`, c]));
    const name = (key: string) => (net.get(key)?.record as { name: string } | undefined)?.name;
    assert.equal(net.size, 3);
    assert.equal(name(`port ${p1.id}`), 'second');
    assert.equal(net.get(`port ${p2.id}`)?.op, 'delete');
    assert.equal(name(`network ${netB.id}`), 'b');
  });

  it('nets the changes in the order records reached their final state (each at its last write)', () => {
    const tx = new Overlay(committed());
    tx.put('port', { ...p1, name: 'first' });
    tx.put('network', { ...netB, name: 'b' });
    tx.put('port', { ...p1, name: 'second' });
    tx.delete('port', p2.id);
    assert.deepEqual(
      tx.netChanges().map((c) => [c.kind, c.id, c.op]),
      [
        ['network', netB.id, 'put'],
        ['port', p1.id, 'put'],
        ['port', p2.id, 'delete'],
      ],
    );
  });

  it('merges into the committed view only when applied', () => {
    const view = committed();
    const tx = new Overlay(view);
    tx.put('port', { ...p1, network_id: netB.id });
    tx.delete('port', p2.id);
    view.apply(tx.netChanges(), 3);
    assert.equal(view.revision, 3);
    assert.deepEqual(view.by('port', 'network', netA.id), []);
    assert.deepEqual(ids(view.by('port', 'network', netB.id)), [p1.id]);
  });
});
