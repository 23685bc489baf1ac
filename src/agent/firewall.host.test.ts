import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { compile } from '../dataplane/compile/compile.js';
import type { HostPlan } from '../dataplane/compile/plan.js';
import { listEntries } from '../dataplane/drivers/conntrack.js';
import { inNetns, run } from '../dataplane/drivers/exec.js';
import { addNetns, deleteNetns } from '../dataplane/drivers/ip.js';
import { observeIptables } from '../dataplane/drivers/iptables.js';
import { id, network, port, replicaOf, securityGroup, settings, sgRule } from '../dataplane/testing/fixtures.js';
import { portChain, tapDevice } from '../model/names.js';
import type { Port, SecurityGroupRule } from '../model/resources.js';
import { uniquePrefix } from '../testing/host.js';
import { HostFirewall } from './firewall.js';

// The agent's firewall against real iptables, ipset and conntrack in a throwaway namespace:
// what it writes reads back unchanged, and conntrack follows the rules.
const prefix = uniquePrefix('qf');
const ns = `${prefix}-fw`;
const log = pino({ level: 'silent' });
const sh = (argv: string[]) => run(inNetns(ns, argv));

const net = network({ id: id('aaaa1') });
const dflt = securityGroup({ id: id('5e0de1') });
const web = securityGroup({ id: id('5e0eb2') });
const clients = securityGroup({ id: id('5e0c1e') });
const rule = (n: string, over: Partial<SecurityGroupRule> & { security_group_id: string }) =>
  sgRule({ id: id(`ru1e${n}`), ...over });
const baseRules = [
  rule('01', { security_group_id: dflt.id, remote_group_id: dflt.id }),
  rule('03', { security_group_id: dflt.id, direction: 'egress' }),
  rule('11', { security_group_id: web.id, protocol: 'tcp', port_range_min: 22, port_range_max: 22 }),
  rule('14', { security_group_id: web.id, protocol: 'udp', port_range_min: 53, port_range_max: 53, remote_group_id: clients.id }),
];
const vm1 = port({
  id: id('c0de1'),
  network_id: net.id,
  host: 'compute1',
  mac_address: 'fa:16:3e:00:00:01',
  fixed_ips: [{ subnet_id: 's', ip_address: '10.0.0.5' }],
  security_groups: [dflt.id],
});
const vm2 = port({
  id: id('c0de2'),
  network_id: net.id,
  host: 'compute1',
  mac_address: 'fa:16:3e:00:00:02',
  fixed_ips: [{ subnet_id: 's', ip_address: '10.0.0.6' }],
  security_groups: [dflt.id, web.id],
});
const client = port({
  id: id('c1e01'),
  network_id: net.id,
  host: 'compute2',
  fixed_ips: [{ subnet_id: 's', ip_address: '10.0.0.20' }],
  security_groups: [clients.id],
});
const friend = port({
  id: id('f1e01'),
  network_id: net.id,
  host: 'compute2',
  fixed_ips: [{ subnet_id: 's', ip_address: '10.0.0.21' }],
  security_groups: [dflt.id],
});

function planOf(ports: Port[], rules: SecurityGroupRule[], zones: ReadonlyMap<string, number> = new Map()): HostPlan {
  const replica = replicaOf({ networks: [net], ports, securityGroups: [dflt, web, clients], securityGroupRules: rules });
  return compile(replica, { vifs: [], localVlans: new Map(), conntrackZones: zones }, settings('compute1'));
}

/** A tracked TCP or UDP connection in a zone, as if it had crossed a qbr. */
async function track(zone: number, proto: 'tcp' | 'udp', src: string, dst: string, sport: number, dport: number) {
  const state = proto === 'tcp' ? ['--state', 'ESTABLISHED'] : [];
  await sh([
    'conntrack',
    '-I',
    '-w',
    String(zone),
    '-p',
    proto,
    '-s',
    src,
    '-d',
    dst,
    '--sport',
    String(sport),
    '--dport',
    String(dport),
    ...state,
    '-t',
    '300',
    '-u',
    'SEEN_REPLY',
  ]);
}

const tracked = async (zone: number) =>
  (await listEntries(ns, { family: 4, zone })).map((e) => `${e.src}:${e.sport}>${e.dst}:${e.dport}`).sort();

describe('HostFirewall against real iptables, ipset and conntrack', () => {
  let fw: HostFirewall;
  const zone = (plan: HostPlan, p: Port) => plan.firewallPorts.find((x) => x.portId === p.id)!.zone!;

  before(async () => {
    await addNetns(ns);
    fw = new HostFirewall(log, ns);
  });
  after(async () => {
    await deleteNetns(ns);
  });

  it('writes the chains and sets, and a full resync reads back exactly what it wrote', async () => {
    const plan = planOf([vm1, vm2, client, friend], baseRules, await fw.zones());
    assert.equal((await fw.apply(plan, false)).changed, true);
    assert.equal((await fw.apply(plan, true)).changed, false, 'iptables-save and ipset save read back what was written');
    assert.equal((await fw.apply(plan, false)).changed, false);
    const saved = await observeIptables(ns, 4, ['quark-fw-']);
    assert.ok(saved.chains.some((c) => c.chain === portChain('s', vm2.id)));
  });

  it('writes every protocol number and ICMP type so that iptables-save reads them back unchanged', async () => {
    const rules: SecurityGroupRule[] = [...baseRules];
    for (let p = 1; p <= 255; p++) {
      if ([58, 43, 44, 60].includes(p)) continue;
      rules.push(rule(`9${p}`, { security_group_id: web.id, protocol: String(p) }));
      rules.push(rule(`8${p}`, { security_group_id: web.id, ethertype: 'IPv6', protocol: String(p === 1 ? 58 : p) }));
    }
    for (const [t, c] of [
      [0, null],
      [8, 0],
      [254, 255],
      [255, null],
      [255, 3],
      [13, null],
    ] as const) {
      rules.push(rule(`7${t}`, { security_group_id: web.id, protocol: 'icmp', port_range_min: t, port_range_max: c }));
      rules.push(
        rule(`6${t}`, {
          security_group_id: web.id,
          ethertype: 'IPv6',
          protocol: 'ipv6-icmp',
          port_range_min: t,
          port_range_max: c,
        }),
      );
    }
    for (const proto of ['tcp', 'udp', 'sctp', 'dccp', 'udplite']) {
      rules.push(
        rule(`5${proto}`, {
          security_group_id: web.id,
          direction: 'egress',
          protocol: proto,
          port_range_min: 1,
          port_range_max: 65535,
        }),
      );
      rules.push(
        rule(`4${proto}`, {
          security_group_id: web.id,
          protocol: proto,
          port_range_min: 7,
          port_range_max: 7,
          remote_ip_prefix: '10.1.2.3/8',
        }),
      );
    }
    rules.push(rule('31', { security_group_id: web.id, ethertype: 'IPv6', remote_ip_prefix: '2001:DB8::7/48' }));
    const plan = planOf([vm1, vm2, client, friend], rules, await fw.zones());
    assert.equal((await fw.apply(plan, true)).changed, true);
    assert.equal((await fw.apply(plan, true)).changed, false);
  });

  it('deletes the connections a removed rule allowed, and keeps those another rule still allows', async () => {
    const plan = planOf([vm1, vm2, client, friend], baseRules, await fw.zones());
    await fw.apply(plan, true);
    const z = zone(plan, vm2);
    await track(z, 'tcp', '10.0.0.30', '10.0.0.6', 40000, 22);
    await track(z, 'tcp', '10.0.0.21', '10.0.0.6', 40001, 22);
    await track(z, 'udp', '10.0.0.20', '10.0.0.6', 5000, 53);
    await track(z, 'tcp', '10.0.0.6', '198.51.100.1', 40002, 443);
    const without22 = planOf(
      [vm1, vm2, client, friend],
      baseRules.filter((r) => r.id !== id('ru1e11')),
      await fw.zones(),
    );
    const result = await fw.apply(without22, false);
    assert.equal(result.revoked, 1);
    assert.deepEqual(await tracked(z), [
      '10.0.0.20:5000>10.0.0.6:53',
      '10.0.0.21:40001>10.0.0.6:22',
      '10.0.0.6:40002>198.51.100.1:443',
    ]);
  });

  it('deletes the connections of a member that left a remote group, changing only the ipset', async () => {
    const rules = baseRules.filter((r) => r.id !== id('ru1e11'));
    const plan = planOf([vm1, vm2, client, friend], rules, await fw.zones());
    await fw.apply(plan, false);
    const z = zone(plan, vm2);
    const chainsBefore = await observeIptables(ns, 4, ['quark-fw-']);
    const left = planOf([vm1, vm2, { ...client, security_groups: [] }, friend], rules, await fw.zones());
    const result = await fw.apply(left, false);
    assert.equal(result.revoked, 1);
    assert.ok(!(await tracked(z)).includes('10.0.0.20:5000>10.0.0.6:53'));
    assert.deepEqual((await observeIptables(ns, 4, ['quark-fw-'])).chains, chainsBefore.chains);
    const { stdout } = await sh(['ipset', 'list', `QIPv4${clients.id}`.slice(0, 29)]);
    assert.ok(!stdout.includes('10.0.0.20'), stdout);
  });

  it('flushes the zone of a port that leaves the host', async () => {
    const plan = planOf([vm1, vm2, client, friend], baseRules, await fw.zones());
    await fw.apply(plan, false);
    const z = zone(plan, vm1);
    await track(z, 'tcp', '10.0.0.5', '10.0.0.21', 40100, 80);
    await fw.apply(planOf([vm2, client, friend], baseRules, await fw.zones()), false);
    assert.deepEqual(await tracked(z), []);
    await fw.apply(plan, false);
  });

  it('gives a restarted agent the zones the raw table holds', async () => {
    const plan = planOf([vm1, vm2, client, friend], baseRules, await fw.zones());
    await fw.apply(plan, true);
    const restarted = new HostFirewall(log, ns);
    const zones = await restarted.zones();
    assert.equal(zones.get(tapDevice(vm2.id)), zone(plan, vm2));
    assert.equal(zones.get(tapDevice(vm1.id)), zone(plan, vm1));
    assert.equal((await restarted.apply(planOf([vm1, vm2, client, friend], baseRules, zones), true)).changed, false);
  });

  it('skips unchanged passes, and a full resync restores a chain flushed by hand', async () => {
    const plan = planOf([vm1, vm2, client, friend], baseRules, await fw.zones());
    await fw.apply(plan, true);
    await sh(['iptables', '-F', portChain('s', vm1.id)]);
    assert.equal((await fw.apply(plan, false)).changed, false, 'a pass without changes reads nothing');
    assert.equal((await fw.apply(plan, true)).changed, true);
    const saved = await observeIptables(ns, 4, ['quark-fw-']);
    assert.equal(saved.chains.find((c) => c.chain === portChain('s', vm1.id))?.rules.length, 2);
  });

  it('removes every chain, hook and set once no port needs them', async () => {
    await fw.apply(planOf([client, friend], baseRules, await fw.zones()), false);
    const { stdout } = await sh(['iptables-save']);
    assert.ok(!stdout.includes('quark-fw-'), stdout);
    assert.equal((await sh(['ipset', 'list', '-n'])).stdout.trim(), '');
  });
});
