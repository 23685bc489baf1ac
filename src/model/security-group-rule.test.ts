import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuarkError } from './errors.js';
import {
  type RuleRequest,
  canonicalProtocol,
  initialRules,
  normalizeIpPrefix,
  normalizeProtocol,
  ruleKey,
} from './security-group-rule.js';

const any: RuleRequest = {
  direction: 'ingress',
  ethertype: 'IPv4',
  protocol: null,
  port_range_min: null,
  port_range_max: null,
  remote_ip_prefix: null,
  remote_group_id: null,
};

describe('security group rules', () => {
  it('normalizeProtocol takes names in any case, numbers 0-255 and any', () => {
    assert.equal(normalizeProtocol('TCP'), 'tcp');
    assert.equal(normalizeProtocol(6), '6');
    assert.equal(normalizeProtocol('132'), '132');
    assert.equal(normalizeProtocol('any'), null);
    assert.equal(normalizeProtocol(0), null);
    assert.equal(normalizeProtocol(null), null);
    for (const bad of ['tcpp', 256, -1, 1.5, {}]) {
      assert.throws(
        () => normalizeProtocol(bad),
        (e: unknown) => e instanceof QuarkError && e.code === 'SecurityGroupRuleInvalidProtocol',
      );
    }
  });

  it('canonicalProtocol spells ICMP for IPv6 as ipv6-icmp', () => {
    assert.equal(canonicalProtocol('IPv6', 'icmp'), 'ipv6-icmp');
    assert.equal(canonicalProtocol('IPv6', 'icmpv6'), 'ipv6-icmp');
    assert.equal(canonicalProtocol('IPv6', '1'), '58');
    assert.equal(canonicalProtocol('IPv4', 'icmp'), 'icmp');
  });

  it('normalizeIpPrefix keeps host bits and adds the full length to a bare address', () => {
    assert.equal(normalizeIpPrefix('10.0.0.5/24'), '10.0.0.5/24');
    assert.equal(normalizeIpPrefix('10.0.0.5'), '10.0.0.5/32');
    assert.equal(normalizeIpPrefix('2001:DB8::1'), '2001:db8::1/128');
    assert.equal(normalizeIpPrefix('10.0.0.0/33'), null);
    assert.equal(normalizeIpPrefix('ten'), null);
  });

  it('ruleKey treats protocol names and numbers, and prefixes covering everything, as the same', () => {
    const a = ruleKey({ ...any, protocol: 'tcp', port_range_min: 22, port_range_max: 22, security_group_id: 'g' });
    const b = ruleKey({
      ...any,
      protocol: '6',
      port_range_min: 22,
      port_range_max: 22,
      remote_ip_prefix: '0.0.0.0/0',
      security_group_id: 'g',
    });
    assert.equal(a, b);
    assert.notEqual(a, ruleKey({ ...any, protocol: 'tcp', port_range_min: 22, port_range_max: 22, security_group_id: 'h' }));
    assert.equal(
      ruleKey({ ...any, ethertype: 'IPv6', protocol: 'icmp', security_group_id: 'g' }),
      ruleKey({ ...any, ethertype: 'IPv6', protocol: '58', security_group_id: 'g' }),
    );
  });

  it('initialRules gives a default group four rules and any other group the two egress rules', () => {
    assert.equal(initialRules('g', true).length, 4);
    assert.ok(
      initialRules('g', true)
        .filter((r) => r.direction === 'ingress')
        .every((r) => r.remote_group_id === 'g'),
    );
    assert.deepEqual(
      initialRules('g', false).map((r) => `${r.direction} ${r.ethertype}`),
      ['egress IPv4', 'egress IPv6'],
    );
  });
});
