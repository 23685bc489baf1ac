import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFirewall } from '../dataplane/compile/firewall/compile-firewall.js';
import { memberTest } from '../dataplane/compile/firewall/verdict.js';
import { id, network, port, replicaOf, securityGroup, settings, sgRule } from '../dataplane/testing/fixtures.js';
import type { AddressGroup, NetworkLog } from '../model/resources.js';
import type { TracePacket } from '../model/trace.js';
import { describeRule } from './describe-rule.js';
import { evaluateChain } from './iptables-eval.js';
import { parseIptablesSave } from './iptables-save.js';
import { Labels } from './labels.js';
import { netfilterPacket } from './packet.js';

// What trace reads in the chains of address groups and logged ports: the compiled rules,
// written as iptables-save prints them, evaluated for one packet.
const STD = { created_at: '', updated_at: '', revision_number: 1 };
const net = network({ id: id('aaaa1') });
const admins = securityGroup({ id: id('5e0ad1'), name: 'admins' });
const office: AddressGroup = {
  ...STD,
  id: id('a90ff1'),
  project_id: 'p1',
  name: 'office',
  description: '',
  addresses: ['192.0.2.0/24'],
};
const rule = sgRule({
  id: id('ru1e21'),
  security_group_id: admins.id,
  protocol: 'tcp',
  port_range_min: 22,
  port_range_max: 22,
  remote_address_group_id: office.id,
});
const bastion = port({
  id: id('ba5710'),
  network_id: net.id,
  host: 'compute1',
  mac_address: 'fa:16:3e:00:00:10',
  fixed_ips: [{ subnet_id: 's4', ip_address: '10.0.0.10' }],
  security_groups: [admins.id],
});
const log: NetworkLog = {
  ...STD,
  id: id('10c1'),
  project_id: 'p1',
  name: 'l',
  description: '',
  resource_type: 'security_group',
  resource_id: null,
  target_id: bastion.id,
  event: 'ALL',
  enabled: true,
};
const replica = replicaOf({
  networks: [net],
  ports: [bastion],
  securityGroups: [admins],
  securityGroupRules: [rule],
  addressGroups: [office],
  networkLogs: [log],
});
const part = compileFirewall(replica, { vifs: [], localVlans: new Map(), conntrackZones: new Map() }, settings('compute1'));
const save = (['filter', 'raw'] as const)
  .map((table) => {
    const chains = (part.iptables ?? []).filter((c) => c.family === 4 && c.table === table);
    return [
      `*${table}`,
      ...chains.map((c) => `:${c.chain} - [0:0]`),
      ...chains.flatMap((c) => c.hooks.map((h) => `-A ${h} -j ${c.chain}`)),
      ...chains.flatMap((c) => c.rules.map((r) => `-A ${c.chain} ${r}`)),
      'COMMIT',
    ].join('\n');
  })
  .join('\n');
const tables = parseIptablesSave(save);
const set = (name: string) => (name.startsWith('QAIPv4') ? memberTest(['192.0.2.0/24']) : null);
const toBastion = (src: string): TracePacket => ({
  protocol: 'tcp',
  src,
  dst: '10.0.0.10',
  srcMac: 'fa:16:3e:00:00:99',
  dstMac: 'fa:16:3e:00:00:10',
  sport: 40000,
  dport: 22,
  ttl: 64,
});
const ingress = (p: TracePacket) =>
  netfilterPacket(p, {
    inIf: 'qbrba571000-00',
    outIf: 'qbrba571000-00',
    physIn: 'qvbba571000-00',
    physOut: 'tapba571000-00',
    bridged: true,
  });

describe('trace through address groups and logged ports', () => {
  const labels = new Labels(replica, null);

  it('lets a member of the address group in by the rule, past the NFLOG rule, and names the group', () => {
    const v = evaluateChain(tables, 'filter', 'FORWARD', ingress(toBastion('192.0.2.7')), set);
    assert.equal(v.verdict, 'ACCEPT');
    assert.deepEqual(v.unreadable, []);
    assert.ok(
      v.hits.some((h) => h.target === 'NFLOG'),
      'the ACCEPT event is logged',
    );
    const allowed = v.hits.find((h) => h.rule.text.includes(`rule ${rule.id}`))!;
    const words = describeRule(labels, allowed.rule.text);
    assert.match(words.says, /allows ingress IPv4 tcp\/22 from the addresses of address group office/);
    assert.ok(words.refs.some((r) => r.kind === 'address_group' && r.id === office.id));
  });

  it('drops anyone else in the fallback, after the DROP event is logged', () => {
    const v = evaluateChain(tables, 'filter', 'FORWARD', ingress(toBastion('203.0.113.9')), set);
    assert.equal(v.verdict, 'DROP');
    const logged = v.hits.find((h) => h.target === 'NFLOG')!;
    assert.match(describeRule(labels, logged.rule.text).says, /logs what no rule allows for the network logs of port/);
  });
});
