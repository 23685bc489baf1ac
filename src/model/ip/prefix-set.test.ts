import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Cidr, formatCidr, parseCidr } from './cidr.js';
import { difference, isSubset, overlaps, prefixSet, toCidrs, union } from './prefix-set.js';

const set = (...texts: string[]) =>
  prefixSet(
    parseCidr(texts[0] ?? '0.0.0.0/32')!.version,
    texts.map((t) => parseCidr(t)!),
  );
const show = (cidrs: Cidr[]) => cidrs.map(formatCidr);

describe('prefix sets (netaddr IPSet)', () => {
  it('compacts adjacent and overlapping prefixes into the fewest', () => {
    assert.deepEqual(show(toCidrs(set('10.0.0.0/25', '10.0.0.128/25'))), ['10.0.0.0/24']);
    assert.deepEqual(show(toCidrs(set('10.10.0.0/24', '10.10.0.0/16', '10.11.0.0/16'))), ['10.10.0.0/15']);
    assert.deepEqual(show(toCidrs(set('10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/32'))), [
      '10.0.0.1/32',
      '10.0.0.2/31',
      '10.0.0.4/32',
    ]);
    assert.deepEqual(show(toCidrs(set('2001:db8::/65', '2001:db8:0:0:8000::/65'))), ['2001:db8::/64']);
  });

  it('subtracts, as available prefixes of a pool minus its allocations', () => {
    assert.deepEqual(show(toCidrs(difference(set('10.0.0.0/24'), set('10.0.0.0/26')))), ['10.0.0.64/26', '10.0.0.128/25']);
    assert.deepEqual(show(toCidrs(difference(set('10.0.0.0/24'), set('10.0.0.0/24')))), []);
  });

  it('tells overlap and subsets', () => {
    assert.equal(overlaps(set('20.0.0.0/18'), set('20.10.0.0/24')), false);
    assert.equal(overlaps(set('20.0.0.0/12'), set('20.10.0.0/24')), true);
    assert.equal(isSubset(set('10.0.0.0/24'), set('10.0.0.0/16')), true);
    assert.equal(isSubset(set('10.0.0.0/16'), set('10.0.0.0/24')), false);
    assert.deepEqual(show(toCidrs(union(set('10.0.0.0/24'), set('10.0.1.0/24')))), ['10.0.0.0/23']);
  });
});
