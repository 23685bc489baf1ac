import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Network } from '../model/resources.js';
import { testNetwork } from './testing/records.js';
import { MemoryView, Overlay } from './view.js';

const network = (id: string, name = id) => testNetwork(id, name);

describe('Overlay', () => {
  const committed = () => {
    const view = new MemoryView();
    view.apply([{ kind: 'network', id: 'a', op: 'put', record: network('a') }], 1);
    return view;
  };

  it('reads its own writes over the committed view and leaves that view alone', () => {
    const base = committed();
    const tx = new Overlay(base);
    tx.put('network', network('b'));
    tx.delete('network', 'a');
    assert.equal(tx.get('network', 'a'), undefined);
    assert.equal(tx.get('network', 'b')?.id, 'b');
    assert.equal(tx.size('network'), 1);
    assert.deepEqual(
      tx.by('network', 'project', 'p').map((n) => n.id),
      ['b'],
    );
    assert.equal(base.get('network', 'a')?.id, 'a', 'the committed view is untouched');
    assert.equal(base.size('network'), 1);
  });

  it('indexes follow a record updated within the transaction', () => {
    const tx = new Overlay(committed());
    tx.put('network', { ...network('b'), project_id: 'p' });
    tx.put('network', { ...network('b'), project_id: 'q' });
    assert.deepEqual(
      tx.by('network', 'project', 'p').map((n) => n.id),
      ['a'],
    );
    assert.deepEqual(
      tx.by('network', 'project', 'q').map((n) => n.id),
      ['b'],
    );
  });

  it('netChanges has one change per record, its last, at the place of its last write', () => {
    const tx = new Overlay(committed());
    tx.put('network', network('b', 'b1'));
    tx.put('network', network('c'));
    tx.put('network', network('b', 'b2'));
    tx.delete('network', 'a');
    tx.put('network', network('d'));
    tx.delete('network', 'd');
    const net = tx.netChanges();
    assert.deepEqual(
      net.map((c) => [c.id, c.op, (c.record as Network | null)?.name]),
      [
        ['c', 'put', 'c'],
        ['b', 'put', 'b2'],
        ['a', 'delete', 'a'],
        ['d', 'delete', 'd'],
      ],
    );
  });
});
