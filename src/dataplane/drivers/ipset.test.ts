import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IpsetItem } from '../compile/plan.js';
import { ipsetScript, observedSetsFrom, parseIpsetSave } from './ipset.js';

const SAVED = `create QIPv4190a44a2-ca5b-4f hash:net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x1b2f3c4d
add QIPv4190a44a2-ca5b-4f 10.0.0.2
add QIPv4190a44a2-ca5b-4f 10.0.0.3
create QIPv6190a44a2-ca5b-4f hash:net family inet6 hashsize 1024 maxelem 65536
create operator-set hash:ip family inet hashsize 1024 maxelem 65536
add operator-set 192.0.2.1
`;

const set = (name: string, family: 4 | 6, members: string[]): IpsetItem => ({
  kind: 'ipset',
  netns: null,
  name,
  family,
  members,
  origin: { kind: 'security_group', id: '190a44a2-ca5b-4f83-98a6-7c6c6052dc3a' },
});

describe('parseIpsetSave', () => {
  it('keeps the sets with the owned prefix, with their members', () => {
    const sets = parseIpsetSave(SAVED, ['Q']);
    assert.deepEqual(
      sets.map((s) => [s.name, [...s.members]]),
      [
        ['QIPv4190a44a2-ca5b-4f', ['10.0.0.2', '10.0.0.3']],
        ['QIPv6190a44a2-ca5b-4f', []],
      ],
    );
  });
});

describe('ipsetScript', () => {
  const observed = parseIpsetSave(SAVED, ['Q']);

  it('adds and deletes only the members that differ, and destroys sets no rule wants separately', () => {
    const desired = [set('QIPv4190a44a2-ca5b-4f', 4, ['10.0.0.3/32', '10.0.0.4']), set('QIPv4aaaa', 4, ['10.1.0.0/24'])];
    assert.deepEqual(ipsetScript(desired, observed), {
      create: [
        'add QIPv4190a44a2-ca5b-4f 10.0.0.4',
        'del QIPv4190a44a2-ca5b-4f 10.0.0.2',
        'create QIPv4aaaa hash:net family inet',
        'add QIPv4aaaa 10.1.0.0/24',
      ].join('\n'),
      destroy: 'destroy QIPv6190a44a2-ca5b-4f',
    });
  });

  it('is empty when the host holds the plan; a host address is compared without its /32 or /128', () => {
    const desired = [set('QIPv4190a44a2-ca5b-4f', 4, ['10.0.0.2/32', '10.0.0.3']), set('QIPv6190a44a2-ca5b-4f', 6, [])];
    assert.deepEqual(ipsetScript(desired, observed), { create: '', destroy: '' });
    const v6 = [set('QIPv6x', 6, ['2001:db8::5/128'])];
    assert.deepEqual(
      ipsetScript(v6, observedSetsFrom(v6)),
      { create: '', destroy: '' },
      'observedSetsFrom is what applying leaves',
    );
    assert.deepEqual(ipsetScript(v6, []).create, 'create QIPv6x hash:net family inet6\nadd QIPv6x 2001:db8::5');
  });
});
