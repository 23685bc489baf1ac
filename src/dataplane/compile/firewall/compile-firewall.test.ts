import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { tapDevice } from '../../../model/names.js';
import type { Port, SecurityGroupRule } from '../../../model/resources.js';
import { id, network, port, replicaOf, securityGroup, settings, sgRule } from '../../testing/fixtures.js';
import type { ReplicaView } from '../inputs.js';
import type { PlanPart } from '../plan.js';
import { renderIpsets, renderIptables } from '../render-iptables.js';
import { compileFirewall } from './compile-firewall.js';
import { linkLocal } from './iptables-hybrid/port-chains.js';

const GOLDEN = new URL('../../../../src/dataplane/compile/__golden__/', import.meta.url);

function golden(name: string, text: string): void {
  const file = new URL(`${name}.txt`, GOLDEN);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `golden ${name} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

const render = (part: PlanPart) =>
  `${[...renderIpsets(part.ipsets ?? []), ...renderIptables(part.iptables ?? [], null, '')].join('\n')}\n`;

const net = network({ id: id('aaaa1') });
const dflt = securityGroup({ id: id('5e0de1'), name: 'default' });
const web = securityGroup({ id: id('5e0eb2'), name: 'web' });
const clients = securityGroup({ id: id('5e0c1e'), name: 'clients' });
const r = (n: string, over: Partial<SecurityGroupRule> & { security_group_id: string }) =>
  sgRule({ id: id(`ru1e${n}`), ...over });

/** Neutron's four default rules, and a web group with one rule of each kind the driver renders. */
const rules: SecurityGroupRule[] = [
  r('01', { security_group_id: dflt.id, remote_group_id: dflt.id }),
  r('02', { security_group_id: dflt.id, ethertype: 'IPv6', remote_group_id: dflt.id }),
  r('03', { security_group_id: dflt.id, direction: 'egress' }),
  r('04', { security_group_id: dflt.id, direction: 'egress', ethertype: 'IPv6' }),
  r('11', { security_group_id: web.id, protocol: 'tcp', port_range_min: 22, port_range_max: 22 }),
  r('12', {
    security_group_id: web.id,
    protocol: '6',
    port_range_min: 8000,
    port_range_max: 8080,
    remote_ip_prefix: '192.168.1.7/24',
  }),
  r('13', { security_group_id: web.id, protocol: 'icmp', port_range_min: 8, port_range_max: 0 }),
  r('14', { security_group_id: web.id, protocol: 'udp', port_range_min: 53, port_range_max: 53, remote_group_id: clients.id }),
  r('15', { security_group_id: web.id, protocol: '47' }),
  r('16', { security_group_id: web.id, ethertype: 'IPv6', protocol: 'ipv6-icmp', port_range_min: 128, port_range_max: null }),
  r('17', { security_group_id: web.id, direction: 'egress', protocol: 'udplite', port_range_min: 5, port_range_max: 6 }),
  r('18', {
    security_group_id: web.id,
    ethertype: 'IPv6',
    protocol: 'sctp',
    port_range_min: 9,
    port_range_max: 9,
    remote_ip_prefix: '2001:DB8:0:0::1/64',
  }),
];

const vm1 = port({
  id: id('c0de1'),
  network_id: net.id,
  host: 'compute1',
  mac_address: 'fa:16:3e:00:00:01',
  fixed_ips: [
    { subnet_id: 's4', ip_address: '10.0.0.5' },
    { subnet_id: 's6', ip_address: '2001:db8::5' },
  ],
  security_groups: [dflt.id],
});
const vm2 = port({
  id: id('c0de2'),
  network_id: net.id,
  host: 'compute1',
  mac_address: 'fa:16:3e:00:00:02',
  fixed_ips: [{ subnet_id: 's4', ip_address: '10.0.0.6' }],
  allowed_address_pairs: [
    { ip_address: '10.0.0.99', mac_address: 'fa:16:3e:00:00:99' },
    { ip_address: '10.0.1.0/24', mac_address: 'fa:16:3e:00:00:02' },
  ],
  security_groups: [web.id, dflt.id],
});
const open = port({ id: id('c0de3'), network_id: net.id, host: 'compute1', port_security_enabled: false, security_groups: [] });
const bare = port({ id: id('c0de4'), network_id: net.id, host: 'compute1', mac_address: 'fa:16:3e:00:00:04' });
const dhcp = port({ id: id('d0ca1'), network_id: net.id, host: 'compute1', device_owner: 'network:dhcp' });
const elsewhere = (n: number, groups: string[], ip: string): Port =>
  port({
    id: id(`e15e${n}`),
    network_id: net.id,
    host: 'compute2',
    fixed_ips: [{ subnet_id: 's4', ip_address: ip }],
    security_groups: groups,
  });

function replicaWith(extra: Port[] = [], moreRules: SecurityGroupRule[] = []): ReplicaView {
  return replicaOf({
    networks: [net],
    ports: [vm1, vm2, open, bare, dhcp, elsewhere(1, [clients.id], '10.0.0.20'), elsewhere(2, [dflt.id], '10.0.0.21'), ...extra],
    securityGroups: [dflt, web, clients],
    securityGroupRules: [...rules, ...moreRules],
  });
}

const compute1 = settings('compute1');
const compileHere = (replica: ReplicaView, zones = new Map<string, number>()) =>
  compileFirewall(replica, { vifs: [], localVlans: new Map(), conntrackZones: zones }, compute1);

/** Rules that exist for one port: those that name its devices or chains. */
function rulesOfPort(part: PlanPart, portId: string): string[] {
  const marks = [tapDevice(portId), portId.slice(0, 10)];
  return (part.iptables ?? []).flatMap((c) =>
    marks.some((m) => c.chain.endsWith(m)) ? c.rules : c.rules.filter((rule) => marks.some((m) => rule.includes(m))),
  );
}

describe('compileFirewall (iptables_hybrid)', () => {
  it('writes Neutron-shaped chains for representative ports (golden)', () => {
    golden('firewall-compute', render(compileHere(replicaWith())));
  });

  it('leaves out the agent’s own ports (DHCP, routers) and ports bound elsewhere', () => {
    const part = compileHere(replicaWith());
    const devices = (part.firewallPorts ?? []).map((p) => p.portId);
    assert.deepEqual(devices, [vm1.id, vm2.id, open.id, bare.id].sort());
  });

  it('lets a port without port security through in both directions, without chains or zone', () => {
    const part = compileHere(replicaWith());
    const forward = part.iptables?.find((c) => c.family === 4 && c.chain === 'quark-fw-FORWARD');
    const tap = tapDevice(open.id);
    assert.ok(
      forward?.rules.includes(
        `-m physdev --physdev-out ${tap} --physdev-is-bridged -m comment --comment "Accept all packets when port security is disabled." -j ACCEPT`,
      ),
    );
    assert.ok(
      forward?.rules.includes(
        `-m physdev --physdev-in ${tap} --physdev-is-bridged -m comment --comment "Accept all packets when port security is disabled." -j ACCEPT`,
      ),
    );
    assert.ok(!part.iptables?.some((c) => c.chain.endsWith(open.id.slice(0, 10))));
    assert.equal(part.firewallPorts?.find((p) => p.portId === open.id)?.zone, null);
  });

  it('does not grow the rules of a port with the size of its remote groups or the number of rules', () => {
    const small = compileHere(replicaWith());
    const many = Array.from({ length: 300 }, (_, n) => elsewhere(1000 + n, [dflt.id, clients.id], `10.1.${n >> 8}.${n & 255}`));
    const moreRules = Array.from({ length: 40 }, (_, n) =>
      r(`9${n}`, { security_group_id: dflt.id, protocol: 'tcp', port_range_min: 1000 + n, port_range_max: 1000 + n }),
    );
    const big = compileHere(replicaWith(many, moreRules));
    for (const p of [vm1, vm2, bare]) assert.equal(rulesOfPort(big, p.id).length, rulesOfPort(small, p.id).length);
    const members = big.ipsets?.find((s) => s.name.startsWith('QIPv4') && s.origin.id === dflt.id)?.members ?? [];
    assert.equal(members.length, 305, 'vm1, vm2 with two pairs, one port elsewhere, 300 more');
  });

  it('changes only the ipset when a remote group gains or loses a member', () => {
    const before = compileHere(replicaWith());
    const after = compileHere(replicaWith([elsewhere(9, [clients.id], '10.0.0.77')]));
    assert.deepEqual(after.iptables, before.iptables);
    const set = (p: PlanPart) => p.ipsets?.find((s) => s.origin.id === clients.id && s.family === 4)?.members;
    assert.deepEqual(set(before), ['10.0.0.20']);
    assert.deepEqual(set(after), ['10.0.0.20', '10.0.0.77']);
  });

  it('keeps an empty ipset for a remote group without members, so the first member changes only the set', () => {
    const lonely = replicaOf({
      networks: [net],
      ports: [vm2],
      securityGroups: [web, clients],
      securityGroupRules: rules.filter((x) => x.security_group_id === web.id),
    });
    const part = compileHere(lonely);
    assert.deepEqual(
      part.ipsets?.map((s) => [s.name, s.members.length]),
      [[`QIPv4${clients.id}`.slice(0, 29), 0]],
    );
  });

  it('reads every spelling of a rule the same way: protocol names and numbers, prefixes with host bits', () => {
    const a = compileHere(
      replicaWith([], [r('a1', { security_group_id: dflt.id, protocol: 'tcp', remote_ip_prefix: '10.9.9.9/16' })]),
    );
    const b = compileHere(
      replicaWith([], [r('a1', { security_group_id: dflt.id, protocol: '6', remote_ip_prefix: '10.9.0.0/16' })]),
    );
    assert.deepEqual(a.iptables, b.iptables);
    assert.ok(a.iptables?.some((c) => c.rules.some((x) => x.startsWith('-s 10.9.0.0/16 -p tcp -m comment'))));
  });

  it('splits an allowed address pair of 0.0.0.0/0 into two halves in ipsets (hash:net has no /0)', () => {
    const router = {
      ...vm1,
      id: id('c0de7'),
      allowed_address_pairs: [{ ip_address: '0.0.0.0/0', mac_address: vm1.mac_address }],
    };
    const part = compileHere(replicaWith([router]));
    const set = part.ipsets?.find((s) => s.origin.id === dflt.id && s.family === 4);
    assert.ok(set?.members.includes('0.0.0.0/1') && set.members.includes('128.0.0.0/1'), set?.members.join(' '));
  });

  it('keeps the zones the host has, and gives new ports the lowest free zone not held by a departed port', () => {
    const observed = new Map([
      [tapDevice(vm2.id), 4200],
      ['tapdeparted-00', 4097],
    ]);
    const part = compileHere(replicaWith(), observed);
    const zone = (p: Port) => part.firewallPorts?.find((x) => x.portId === p.id)?.zone;
    assert.equal(zone(vm2), 4200);
    assert.deepEqual([zone(vm1), zone(bare)].sort(), [4098, 4099]);
  });

  it('compiles nothing with the noop driver', () => {
    const part = compileFirewall(replicaWith(), { vifs: [], localVlans: new Map() }, { ...compute1, firewallDriver: 'noop' });
    assert.deepEqual(part, {});
  });
});

describe('linkLocal', () => {
  it('derives the EUI-64 link-local address in canonical form', () => {
    assert.equal(linkLocal('fa:16:3e:00:00:01'), 'fe80::f816:3eff:fe00:1');
    assert.equal(linkLocal('02:00:00:00:00:01'), 'fe80::ff:fe00:1');
  });
});
