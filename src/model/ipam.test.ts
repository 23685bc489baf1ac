import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QuarkError } from './errors.js';
import { formatIp } from './ip/address.js';
import { parseCidr } from './ip/cidr.js';
import { defaultGateway, defaultPools, eui64Address, nextFreeAddress, validForSubnet, validatePools } from './ipam.js';

const cidr = (t: string) => parseCidr(t)!;

describe('defaultGateway() and defaultPools()', () => {
  it('IPv4 /24: gateway .1, pool .2 to .254', () => {
    assert.equal(defaultGateway(cidr('10.0.0.0/24')), '10.0.0.1');
    assert.deepEqual(defaultPools(cidr('10.0.0.0/24'), '10.0.0.1'), [{ start: '10.0.0.2', end: '10.0.0.254' }]);
  });

  it('IPv6: gateway the subnet-router anycast address, pool ::1 to the last address, as Neutron 21 answers', () => {
    assert.equal(defaultGateway(cidr('2001:db8:77::/64')), '2001:db8:77::');
    assert.deepEqual(defaultPools(cidr('2001:db8:77::/64'), '2001:db8:77::'), [
      { start: '2001:db8:77::1', end: '2001:db8:77:0:ffff:ffff:ffff:ffff' },
    ]);
    assert.deepEqual(defaultPools(cidr('2001:db8:7b::/120'), defaultGateway(cidr('2001:db8:7b::/120'))), [
      { start: '2001:db8:7b::1', end: '2001:db8:7b::ff' },
    ]);
  });

  it('IPv6 with a gateway given as ::1 leaves it out of the pool', () => {
    assert.deepEqual(defaultPools(cidr('2001:db8::/64'), '2001:db8::1'), [
      { start: '2001:db8::2', end: '2001:db8::ffff:ffff:ffff:ffff' },
    ]);
  });

  it('splits the pool around a gateway in the middle and keeps it whole without one', () => {
    assert.deepEqual(defaultPools(cidr('10.0.0.0/24'), '10.0.0.100'), [
      { start: '10.0.0.1', end: '10.0.0.99' },
      { start: '10.0.0.101', end: '10.0.0.254' },
    ]);
    assert.deepEqual(defaultPools(cidr('10.0.0.0/24'), null), [{ start: '10.0.0.1', end: '10.0.0.254' }]);
  });

  it('uses every address of /31 and /32', () => {
    assert.deepEqual(defaultPools(cidr('10.0.0.0/31'), null), [{ start: '10.0.0.0', end: '10.0.0.1' }]);
  });
});

describe('validatePools()', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as QuarkError).code;
    }
    return null;
  };

  it('refuses pools outside the host range, reversed or of the other family', () => {
    assert.equal(
      code(() => validatePools('10.0.0.0/24', [{ start: '10.0.0.0', end: '10.0.0.5' }])),
      'OutOfBoundsAllocationPool',
    );
    assert.equal(
      code(() => validatePools('10.0.0.0/24', [{ start: '10.0.0.10', end: '10.0.0.255' }])),
      'OutOfBoundsAllocationPool',
    );
    assert.equal(
      code(() => validatePools('10.0.0.0/24', [{ start: '10.0.0.9', end: '10.0.0.5' }])),
      'InvalidAllocationPool',
    );
    assert.equal(
      code(() => validatePools('10.0.0.0/24', [{ start: '::1', end: '::2' }])),
      'InvalidAllocationPool',
    );
  });

  it('refuses overlapping pools and sorts good ones', () => {
    assert.equal(
      code(() =>
        validatePools('10.0.0.0/24', [
          { start: '10.0.0.10', end: '10.0.0.20' },
          { start: '10.0.0.20', end: '10.0.0.30' },
        ]),
      ),
      'OverlappingAllocationPools',
    );
    assert.deepEqual(
      validatePools('10.0.0.0/24', [
        { start: '10.0.0.50', end: '10.0.0.60' },
        { start: '10.0.0.2', end: '10.0.0.3' },
      ]),
      [
        { start: '10.0.0.2', end: '10.0.0.3' },
        { start: '10.0.0.50', end: '10.0.0.60' },
      ],
    );
  });
});

describe('nextFreeAddress()', () => {
  const pools = [{ start: '10.0.0.2', end: '10.0.0.4' }];
  it('starts at the hint and wraps around', () => {
    const taken = new Set(['10.0.0.3']);
    const pick = (hint: bigint | null) => {
      const ip = nextFreeAddress(pools, (a) => taken.has(formatIp(a)), hint);
      return ip && formatIp(ip);
    };
    assert.equal(pick(null), '10.0.0.2');
    assert.equal(pick(0x0a000003n), '10.0.0.4');
    assert.equal(pick(0x0a000005n), '10.0.0.2');
    taken.add('10.0.0.2').add('10.0.0.4');
    assert.equal(pick(null), null);
  });
});

describe('validForSubnet()', () => {
  it('refuses the IPv4 network and broadcast addresses', () => {
    const c = cidr('10.0.0.0/24');
    const ip = (t: string) => ({
      version: 4 as const,
      value: BigInt(
        `0x${t
          .split('.')
          .map((o) => Number(o).toString(16).padStart(2, '0'))
          .join('')}`,
      ),
    });
    assert.ok(!validForSubnet(c, ip('10.0.0.0'), 'compute:nova'));
    assert.ok(!validForSubnet(c, ip('10.0.0.255'), 'compute:nova'));
    assert.ok(validForSubnet(c, ip('10.0.0.1'), 'compute:nova'));
    assert.ok(!validForSubnet(c, ip('10.0.1.1'), 'compute:nova'));
  });
});

describe('eui64Address()', () => {
  it('derives the SLAAC address from the MAC', () => {
    assert.equal(eui64Address(cidr('2001:db8::/64'), 'fa:16:3e:12:34:56'), '2001:db8::f816:3eff:fe12:3456');
  });
});
