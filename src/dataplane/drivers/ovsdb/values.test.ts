import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuarkError } from '../../../model/errors.js';
import * as v from './values.js';

describe('ovsdb values', () => {
  it('atomsOf() reads a set whether it arrived as ["set", …] or as one bare atom', () => {
    assert.deepEqual(v.atomsOf(['set', ['OpenFlow13', 'OpenFlow14']]), ['OpenFlow13', 'OpenFlow14']);
    assert.deepEqual(v.atomsOf('OpenFlow13'), ['OpenFlow13']);
    assert.deepEqual(v.atomsOf(undefined), []);
    assert.deepEqual(v.uuidsOf(['uuid', 'a']), ['a']);
    assert.deepEqual(v.uuidsOf(['set', [v.uuid('a'), v.uuid('b')]]), ['a', 'b']);
  });

  it('optional columns are empty sets when unset', () => {
    assert.equal(v.optionalIntegerOf(['set', []]), undefined);
    assert.equal(v.optionalIntegerOf(7), 7);
    assert.deepEqual(v.optional(undefined), ['set', []]);
    assert.equal(v.optional(7), 7);
    assert.throws(() => v.optionalOf(['set', [1, 2]]), QuarkError);
  });

  it('map() and stringMapOf() convert between records, Maps and ["map", …]', () => {
    const wire = v.map({ 'iface-id': 'p1', 'attached-mac': 'fa:16:3e:00:00:01' });
    assert.deepEqual(wire, [
      'map',
      [
        ['iface-id', 'p1'],
        ['attached-mac', 'fa:16:3e:00:00:01'],
      ],
    ]);
    assert.deepEqual(v.stringMapOf(wire), { 'iface-id': 'p1', 'attached-mac': 'fa:16:3e:00:00:01' });
    assert.deepEqual(v.map(new Map([['k', 1]])), ['map', [['k', 1]]]);
    assert.deepEqual(v.mapOf(['map', [['k', 1]]]), new Map([['k', 1]]));
    assert.deepEqual(v.stringMapOf(undefined), {});
  });

  it('stringMapOf() keeps a key named __proto__ as an ordinary key', () => {
    const record = v.stringMapOf(['map', [['__proto__', 'x']]]);
    assert.equal(Object.getPrototypeOf(record), Object.prototype);
    assert.deepEqual(Object.keys(record), ['__proto__']);
  });

  it('absent columns read as their default, as monitors omit them', () => {
    assert.equal(v.stringOf(undefined), '');
    assert.equal(v.integerOf(undefined), 0);
    assert.throws(() => v.stringOf(3), QuarkError);
    assert.throws(() => v.integerOf(1.5), QuarkError);
    assert.throws(() => v.uuidOf('not-a-uuid'), QuarkError);
  });
});
