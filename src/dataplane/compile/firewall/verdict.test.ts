import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FirewallGroupItem, FirewallPortItem, FirewallRule } from '../plan.js';
import { type TrackedConnection, judge, memberTest, revokedConnections } from './verdict.js';

const port: FirewallPortItem = {
  kind: 'firewallPort',
  portId: 'p1',
  networkId: 'n1',
  device: 'tapp1',
  filtered: true,
  zone: 4097,
  mac: 'fa:16:3e:00:00:01',
  fixedIps: ['10.0.0.5'],
  sources: [
    { cidr: '10.0.0.5/32', mac: 'fa:16:3e:00:00:01' },
    { cidr: '10.0.9.0/24', mac: 'fa:16:3e:00:00:01' },
  ],
  groups: ['g1'],
  origin: { kind: 'port', id: 'p1' },
};

const rule = (over: Partial<FirewallRule>): FirewallRule => ({
  ruleId: 'r',
  direction: 'ingress',
  family: 4,
  protocol: null,
  portMin: null,
  portMax: null,
  remotePrefix: null,
  remoteGroup: null,
  ...over,
});

const groupsOf = (...rules: FirewallRule[]) =>
  new Map<string, FirewallGroupItem>([
    ['g1', { kind: 'firewallGroup', groupId: 'g1', rules, origin: { kind: 'security_group', id: 'g1' } }],
  ]);

const conn = (over: Partial<TrackedConnection>): TrackedConnection => ({
  zone: 4097,
  family: 4,
  protocol: 6,
  src: '10.0.0.30',
  dst: '10.0.0.5',
  sport: 40000,
  dport: 22,
  icmpType: null,
  icmpCode: null,
  ...over,
});

const members = memberTest(['10.0.0.20', '10.1.0.0/16']);
const isMember = () => members;

describe('judge (which connections the rules still allow)', () => {
  it('matches protocol, port range, prefix and remote group members', () => {
    const tcp22 = rule({ protocol: 6, portMin: 22, portMax: 22 });
    assert.equal(judge(conn({}), port, groupsOf(tcp22), isMember), 'allowed');
    assert.equal(judge(conn({ dport: 23 }), port, groupsOf(tcp22), isMember), 'revoked');
    const range = rule({ protocol: 6, portMin: 20, portMax: 30, remotePrefix: '10.0.0.0/27' });
    assert.equal(judge(conn({ src: '10.0.0.31' }), port, groupsOf(range), isMember), 'allowed');
    assert.equal(judge(conn({ src: '10.0.0.32' }), port, groupsOf(range), isMember), 'revoked');
    const fromGroup = rule({ remoteGroup: 'g2' });
    assert.equal(judge(conn({ src: '10.1.7.7', protocol: 17 }), port, groupsOf(fromGroup), isMember), 'allowed');
    assert.equal(judge(conn({ src: '10.2.7.7' }), port, groupsOf(fromGroup), isMember), 'revoked');
  });

  it('tells egress from ingress by the port’s addresses, allowed address pairs included', () => {
    const egress = rule({ direction: 'egress', protocol: 6 });
    assert.equal(judge(conn({ src: '10.0.9.8', dst: '198.51.100.1' }), port, groupsOf(egress), isMember), 'allowed');
    assert.equal(judge(conn({}), port, groupsOf(egress), isMember), 'revoked', 'an ingress connection needs an ingress rule');
    assert.equal(judge(conn({ src: '10.0.0.1', dst: '10.0.0.255' }), port, groupsOf(), isMember), 'not-judged');
  });

  it('matches ICMP type and code; IPv4 type 255 is any type, as iptables reads it', () => {
    const echo = rule({ protocol: 1, portMin: 8, portMax: 0 });
    const ping = conn({ protocol: 1, sport: null, dport: null, icmpType: 8, icmpCode: 0 });
    assert.equal(judge(ping, port, groupsOf(echo), isMember), 'allowed');
    assert.equal(judge({ ...ping, icmpType: 13 }, port, groupsOf(echo), isMember), 'revoked');
    assert.equal(judge({ ...ping, icmpType: 13 }, port, groupsOf(rule({ protocol: 1, portMin: 255 })), isMember), 'allowed');
  });

  it('never revokes DHCP or the ICMPv6 the port chains allow before any rule', () => {
    const dhcp = conn({ protocol: 17, src: '10.0.0.2', sport: 67, dport: 68 });
    assert.equal(judge(dhcp, port, groupsOf(), isMember), 'not-judged');
    const v6port = { ...port, sources: [{ cidr: '2001:db8::5/128', mac: port.mac }] };
    const ns = conn({ family: 6, protocol: 58, src: '2001:db8::1', dst: '2001:db8::5', icmpType: 135 });
    assert.equal(judge(ns, v6port, groupsOf(), isMember), 'allowed');
  });
});

describe('revokedConnections', () => {
  const previous = new Map([['p1', port]]);
  it('deletes all of a pair’s connections at once when none is allowed, one by one otherwise', () => {
    const connections = [
      conn({}),
      conn({ sport: 40001, dport: 80 }),
      conn({ src: '10.0.0.20', sport: 5000, dport: 53, protocol: 17 }),
      conn({ src: '10.0.0.20', sport: 5001, dport: 22 }),
      conn({ zone: 5000, src: '10.0.0.99' }),
    ];
    const selectors = revokedConnections({
      connections,
      zones: new Set([4097, 5000]),
      ports: [port],
      previous,
      groups: groupsOf(rule({ protocol: 17, remoteGroup: 'g2' })),
      isMember,
    });
    assert.deepEqual(selectors, [
      { zone: 4097, family: 4, src: '10.0.0.30', dst: '10.0.0.5' },
      { zone: 4097, family: 4, src: '10.0.0.20', dst: '10.0.0.5', protocol: 6, sport: 5001, dport: 22 },
    ]);
  });

  it('revokes connections of an address the port no longer has', () => {
    const now = { ...port, sources: port.sources.slice(0, 1) };
    const selectors = revokedConnections({
      connections: [conn({ src: '10.0.9.8', dst: '198.51.100.1', dport: 443 })],
      zones: new Set([4097]),
      ports: [now],
      previous,
      groups: groupsOf(rule({ direction: 'egress' })),
      isMember,
    });
    assert.equal(selectors.length, 1);
  });
});
