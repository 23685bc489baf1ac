import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeIp, parseIp } from './address.js';
import { broadcastOf, cidrSize, cidrsOverlap, formatCidr, parseCidr } from './cidr.js';

describe('parseIp()', () => {
  it('accepts canonical IPv4 and refuses shortened or zero-padded forms', () => {
    assert.equal(parseIp('10.0.0.1')?.value, 0x0a000001n);
    for (const bad of ['10.1', '10.0.0.256', '010.0.0.1', '10.0.0.1.', '1.2.3.4/24', '', ' 10.0.0.1']) {
      assert.equal(parseIp(bad), null, bad);
    }
  });

  it('accepts any IPv6 form and normalises it', () => {
    assert.equal(normalizeIp('2001:DB8:0:0::1'), '2001:db8::1');
    assert.equal(normalizeIp('::ffff:10.0.0.1'), '::ffff:a00:1');
    assert.equal(parseIp('fe80::1%eth0'), null);
    assert.equal(parseIp('2001:db8:::1'), null);
  });
});

describe('parseCidr()', () => {
  it('normalises host bits away unless strict', () => {
    assert.equal(formatCidr(parseCidr('10.0.0.7/24')!), '10.0.0.0/24');
    assert.equal(parseCidr('10.0.0.7/24', { strict: true }), null);
    assert.equal(formatCidr(parseCidr('2001:db8::1/64')!), '2001:db8::/64');
  });

  it('refuses prefixes longer than the family allows', () => {
    assert.equal(parseCidr('10.0.0.0/33'), null);
    assert.equal(parseCidr('2001:db8::/129'), null);
    assert.equal(parseCidr('10.0.0.0/x'), null);
  });

  it('computes sizes, broadcasts and overlaps', () => {
    assert.equal(cidrSize(parseCidr('10.0.0.0/24')!), 256n);
    assert.equal(broadcastOf(parseCidr('10.0.0.0/24')!), 0x0a0000ffn);
    assert.equal(broadcastOf(parseCidr('2001:db8::/64')!), null);
    assert.ok(cidrsOverlap(parseCidr('10.0.0.0/16')!, parseCidr('10.0.5.0/24')!));
    assert.ok(!cidrsOverlap(parseCidr('10.0.0.0/24')!, parseCidr('10.0.1.0/24')!));
    assert.ok(!cidrsOverlap(parseCidr('10.0.0.0/8')!, parseCidr('::/0')!));
  });
});
