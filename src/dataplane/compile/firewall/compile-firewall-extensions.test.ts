import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { addressGroupSet, loggedRulesChain } from '../../../model/names.js';
import type { AddressGroup, NetworkLog, SecurityGroupRule } from '../../../model/resources.js';
import { id, network, port, replicaOf, securityGroup, settings, sgRule } from '../../testing/fixtures.js';
import type { ReplicaView } from '../inputs.js';
import type { PlanPart } from '../plan.js';
import { renderIpsets, renderIptables } from '../render-iptables.js';
import { compileFirewall } from './compile-firewall.js';
import { portLog } from './model.js';

// Address groups, stateless groups and network logs in the iptables_hybrid driver
// (docs/security-groups.md, docs/security-group-logging.md).
const GOLDEN = new URL('../../../../src/dataplane/compile/__golden__/', import.meta.url);

function golden(name: string, text: string): void {
  const file = new URL(`${name}.txt`, GOLDEN);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `golden ${name} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

const render = (part: PlanPart) =>
  `${[...renderIpsets(part.ipsets ?? []), ...renderIptables(part.iptables ?? [], null, '')].join('\n')}\n`;

const STD = { created_at: '', updated_at: '', revision_number: 1 };
const net = network({ id: id('aaaa1') });
const admins = securityGroup({ id: id('5e0ad1'), name: 'admins' });
const udpOnly = securityGroup({ id: id('5e0515'), name: 'stateless', stateful: false });
const office: AddressGroup = {
  ...STD,
  id: id('a90ff1'),
  project_id: 'p1',
  name: 'office',
  description: '',
  addresses: ['192.0.2.0/24', '198.51.100.7/32', '2001:db8:77::/64'],
};
const r = (n: string, over: Partial<SecurityGroupRule> & { security_group_id: string }) =>
  sgRule({ id: id(`ru1e${n}`), ...over });
const rules: SecurityGroupRule[] = [
  r('21', {
    security_group_id: admins.id,
    protocol: 'tcp',
    port_range_min: 22,
    port_range_max: 22,
    remote_address_group_id: office.id,
  }),
  r('22', {
    security_group_id: admins.id,
    ethertype: 'IPv6',
    protocol: 'tcp',
    port_range_min: 22,
    port_range_max: 22,
    remote_address_group_id: office.id,
  }),
  r('23', { security_group_id: admins.id, direction: 'egress' }),
  r('31', { security_group_id: udpOnly.id, protocol: 'udp', port_range_min: 53, port_range_max: 53 }),
  r('32', { security_group_id: udpOnly.id, direction: 'egress', protocol: 'udp' }),
];
const bastion = port({
  id: id('ba5710'),
  network_id: net.id,
  host: 'compute1',
  mac_address: 'fa:16:3e:00:00:10',
  fixed_ips: [{ subnet_id: 's4', ip_address: '10.0.0.10' }],
  security_groups: [admins.id],
});
const resolver = port({
  id: id('d05e7e'),
  network_id: net.id,
  host: 'compute1',
  mac_address: 'fa:16:3e:00:00:11',
  fixed_ips: [{ subnet_id: 's4', ip_address: '10.0.0.11' }],
  security_groups: [udpOnly.id],
});
const log = (n: string, over: Partial<NetworkLog>): NetworkLog => ({
  ...STD,
  id: id(`10c${n}`),
  project_id: 'p1',
  name: `log${n}`,
  description: '',
  resource_type: 'security_group',
  resource_id: null,
  target_id: null,
  event: 'ALL',
  enabled: true,
  ...over,
});

function replica(logs: NetworkLog[] = [], groups: AddressGroup[] = [office]): ReplicaView {
  return replicaOf({
    networks: [net],
    ports: [bastion, resolver],
    securityGroups: [admins, udpOnly],
    securityGroupRules: rules,
    addressGroups: groups,
    networkLogs: logs,
  });
}

const compileHere = (rv: ReplicaView) =>
  compileFirewall(rv, { vifs: [], localVlans: new Map(), conntrackZones: new Map() }, settings('compute1'));

describe('compileFirewall: address groups, stateless groups, logging', () => {
  it('writes them as ipsets, untracked chains and NFLOG rules (golden)', () => {
    const logs = [log('1', { target_id: bastion.id, event: 'DROP' }), log('2', { resource_id: udpOnly.id })];
    golden('firewall-sg-extensions', render(compileHere(replica(logs))));
  });

  it('changes only the ipset when an address group’s addresses change', () => {
    const before = compileHere(replica());
    const after = compileHere(replica([], [{ ...office, addresses: [...office.addresses, '203.0.113.0/25'] }]));
    assert.deepEqual(after.iptables, before.iptables);
    const set = (p: PlanPart) => p.ipsets?.find((s) => s.name === addressGroupSet('IPv4', office.id))?.members;
    assert.deepEqual(set(before), ['192.0.2.0/24', '198.51.100.7']);
    assert.deepEqual(set(after), ['192.0.2.0/24', '198.51.100.7', '203.0.113.0/25']);
  });

  it('keeps a stateless port out of conntrack: no zone, notrack in raw, no state rules', () => {
    const part = compileHere(replica());
    const p = part.firewallPorts?.find((x) => x.portId === resolver.id);
    assert.equal(p?.zone, null);
    assert.equal(p?.stateful, false);
    const raw = part.iptables?.find((c) => c.family === 4 && c.table === 'raw');
    assert.ok(raw?.rules.some((x) => x.includes('--physdev-in tapd05e7e00-00') && x.endsWith('-j CT --notrack')));
    const chains = (part.iptables ?? []).filter((c) => c.chain.includes('d05e7e00') || c.chain.includes('5e051500'));
    assert.ok(chains.length > 0);
    assert.ok(
      chains.every((c) => c.rules.every((x) => !x.includes('--state'))),
      'no conntrack state match for a stateless port',
    );
  });

  it('covers a port by target, by group or by project, enabled logs only', () => {
    const bastionLog = (logs: NetworkLog[]) => portLog(logs, bastion);
    assert.equal(bastionLog([log('3', { target_id: resolver.id })]), null);
    assert.equal(bastionLog([log('4', { enabled: false })]), null);
    assert.equal(bastionLog([log('5', { project_id: 'p2' })]), null);
    assert.deepEqual(bastionLog([log('6', { event: 'ACCEPT' }), log('7', { resource_id: admins.id, event: 'DROP' })]), {
      accept: true,
      drop: true,
      logIds: [id('10c6'), id('10c7')].sort(),
    });
    const part = compileHere(replica([log('8', { target_id: bastion.id, event: 'ACCEPT' })]));
    const ingress = part.iptables?.find((c) => c.family === 4 && c.chain === loggedRulesChain('i', bastion.id));
    assert.ok(ingress?.rules.some((x) => x.includes('-j NFLOG') && x.includes('--state NEW')));
    assert.ok(!ingress?.rules.some((x) => x.includes('"D i - ')), 'ACCEPT only: no drop record');
  });
});
