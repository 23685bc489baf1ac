import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { l3Chain, qgDevice, qrDevice, routerNamespace, tapDevice } from '../../../model/names.js';
import type { Router } from '../../../model/resources.js';
import { floatingIp, id, network, ovsAgent, port, replicaOf, router, settings, subnet, vif } from '../../testing/fixtures.js';
import { golden } from '../../testing/golden.js';
import { compile } from '../compile.js';
import type { HostFacts, ReplicaView } from '../inputs.js';
import type { HostPlan } from '../plan.js';
import { renderPlan } from '../render.js';
import { routeDestination } from './qrouter.js';

// The article's second project: a router with two subnets (east-west), a gateway on the flat
// external network, an extra route and a floating IP; and another project's router on a
// network with the same cidr, with SNAT disabled.
const ext = network({
  id: id('eeee1'),
  project_id: 'admin',
  'provider:network_type': 'flat',
  'provider:physical_network': 'physnet1',
  'provider:segmentation_id': null,
  'router:external': true,
  mtu: 1500,
});
const extSubnet = subnet({
  id: id('5eee1'),
  network_id: ext.id,
  cidr: '203.0.113.0/24',
  gateway_ip: '203.0.113.1',
  enable_dhcp: false,
});
const netA = network({ id: id('aaaa1'), 'provider:segmentation_id': 100 });
const subA = subnet({ id: id('5aaa1'), network_id: netA.id, cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' });
const netC = network({ id: id('cccc3'), 'provider:segmentation_id': 102 });
const subC = subnet({ id: id('5ccc3'), network_id: netC.id, cidr: '10.1.0.0/24', gateway_ip: '10.1.0.1' });
const netB = network({ id: id('bbbb2'), project_id: 'p2', 'provider:segmentation_id': 101 });
const subB = subnet({ id: id('5bbb2'), network_id: netB.id, project_id: 'p2', cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' });

const r1Id = id('a0071');
const r2Id = id('a0072');
const routerPort = (name: string, net: string, sub: string, ip: string, routerId: string, owner: string, mac: string) =>
  port({
    id: id(name),
    network_id: net,
    host: 'network',
    device_owner: owner,
    device_id: routerId,
    mac_address: mac,
    fixed_ips: [{ subnet_id: sub, ip_address: ip }],
    project_id: owner === 'network:router_gateway' ? '' : 'p1',
  });
const qrA = routerPort('9a1a1', netA.id, subA.id, '10.0.0.1', r1Id, 'network:router_interface', 'fa:16:3e:00:01:01');
const qrC = routerPort('9a1c3', netC.id, subC.id, '10.1.0.1', r1Id, 'network:router_interface', 'fa:16:3e:00:01:03');
const gw1 = routerPort('9a7e1', ext.id, extSubnet.id, '203.0.113.10', r1Id, 'network:router_gateway', 'fa:16:3e:00:01:10');
const qrB = routerPort('9a1b2', netB.id, subB.id, '10.0.0.1', r2Id, 'network:router_interface', 'fa:16:3e:00:02:01');
const gw2 = routerPort('9a7e2', ext.id, extSubnet.id, '203.0.113.11', r2Id, 'network:router_gateway', 'fa:16:3e:00:02:10');
const vm1 = port({
  id: id('c0de1'),
  network_id: netA.id,
  host: 'compute1',
  fixed_ips: [{ subnet_id: subA.id, ip_address: '10.0.0.4' }],
});

const gatewayInfo = (enable_snat: boolean, ip: string) => ({
  network_id: ext.id,
  enable_snat,
  external_fixed_ips: [{ subnet_id: extSubnet.id, ip_address: ip }],
});
const r1 = router({
  id: r1Id,
  external_gateway_info: gatewayInfo(true, '203.0.113.10'),
  gw_port_id: gw1.id,
  routes: [
    { destination: '192.168.5.0/24', nexthop: '10.1.0.20' },
    { destination: '198.51.100.7/32', nexthop: '203.0.113.99' },
  ],
});
const r2 = router({ id: r2Id, project_id: 'p2', external_gateway_info: gatewayInfo(false, '203.0.113.11'), gw_port_id: gw2.id });
const fip = floatingIp({
  id: id('f1a01'),
  floating_network_id: ext.id,
  floating_ip_address: '203.0.113.20',
  port_id: vm1.id,
  fixed_ip_address: '10.0.0.4',
  router_id: r1.id,
});

function replicaWith(over: { routers?: Router[]; floatingips?: (typeof fip)[] } = {}): ReplicaView {
  return replicaOf({
    networks: [ext, netA, netB, netC],
    subnets: [extSubnet, subA, subB, subC],
    ports: [qrA, qrC, gw1, qrB, gw2, vm1],
    routers: over.routers ?? [r1, r2],
    floatingips: over.floatingips ?? [fip],
    agents: [ovsAgent('compute1', '198.18.1.1'), ovsAgent('network', '198.18.1.2')],
  });
}

const networkNode = settings('network', {
  roles: ['l2', 'l3'],
  tunnelIp: '198.18.1.2',
  bridgeMappings: { physnet1: 'br-ex' },
});
const facts: HostFacts = {
  vifs: [qrA, qrC, gw1, qrB, gw2].map((p) => vif(p.id, tapDevice(p.id))),
  localVlans: new Map(),
};

const chainRules = (plan: HostPlan, netns: string, chain: string) =>
  plan.iptables.find((c) => c.netns === netns && c.chain === l3Chain(chain as 'snat'))?.rules ?? [];

describe('compile() for L3', () => {
  it('network node with two routers, SNAT, a floating IP and an extra route (golden)', () => {
    const plan = compile(replicaWith(), facts, networkNode);
    golden('network-l3', renderPlan(plan));
  });

  it('gives each router a qrouter namespace with forwarding, qr- per interface and qg- with the floating IPs', () => {
    const plan = compile(replicaWith(), facts, networkNode);
    const ns = routerNamespace(r1.id);
    assert.deepEqual(
      plan.namespaces.map((n) => n.name),
      [routerNamespace(r1.id), routerNamespace(r2.id)],
    );
    assert.ok(plan.sysctls.some((s) => s.netns === ns && s.key === 'net.ipv4.ip_forward' && s.value === '1'));
    const devices = plan.servicePorts.filter((p) => p.netns === ns);
    assert.deepEqual(
      devices.map((d) => [d.device, d.bridgePort, d.addresses, d.mtu]),
      [
        [qrDevice(qrA.id), tapDevice(qrA.id), ['10.0.0.1/24'], 1458],
        [qrDevice(qrC.id), tapDevice(qrC.id), ['10.1.0.1/24'], 1458],
        [qgDevice(gw1.id), tapDevice(gw1.id), ['203.0.113.10/24', '203.0.113.20/32'], 1500],
      ],
    );
    assert.ok(devices.every((d) => d.announce));
  });

  it('routes by default via the external gateway and names the device of every extra route', () => {
    const plan = compile(replicaWith(), facts, networkNode);
    const routes = plan.routes.filter((r) => r.netns === routerNamespace(r1.id)).map((r) => [r.destination, r.via, r.device]);
    assert.deepEqual(routes, [
      ['default', '203.0.113.1', qgDevice(gw1.id)],
      ['192.168.5.0/24', '10.1.0.20', qrDevice(qrC.id)],
      ['198.51.100.7', '203.0.113.99', qgDevice(gw1.id)],
    ]);
  });

  it('writes destinations as ip route prints them', () => {
    assert.equal(routeDestination('0.0.0.0/0'), 'default');
    assert.equal(routeDestination('10.9.0.7/32'), '10.9.0.7');
    assert.equal(routeDestination('10.9.0.7/24'), '10.9.0.0/24');
    assert.equal(routeDestination('2001:db8::/64'), '2001:db8::/64');
    assert.equal(routeDestination('nonsense'), null);
  });

  it('NATs floating IPs both ways, SNATs to the gateway, and never NATs east-west', () => {
    const plan = compile(replicaWith(), facts, networkNode);
    const ns = routerNamespace(r1.id);
    const qg = qgDevice(gw1.id);
    assert.deepEqual(chainRules(plan, ns, 'PREROUTING'), ['-d 203.0.113.20/32 -j DNAT --to-destination 10.0.0.4']);
    assert.deepEqual(chainRules(plan, ns, 'OUTPUT'), ['-d 203.0.113.20/32 -j DNAT --to-destination 10.0.0.4']);
    assert.deepEqual(chainRules(plan, ns, 'float-snat'), ['-s 10.0.0.4/32 -j SNAT --to-source 203.0.113.20']);
    assert.deepEqual(chainRules(plan, ns, 'POSTROUTING'), [
      `! -o ${qg} -m conntrack ! --ctstate DNAT -j ACCEPT`,
      '-j quark-l3-snat',
    ]);
    assert.deepEqual(chainRules(plan, ns, 'snat'), [
      '-j quark-l3-float-snat',
      `-o ${qg} -j SNAT --to-source 203.0.113.10`,
      '-m mark ! --mark 0x2/0xffff -m conntrack --ctstate DNAT -j SNAT --to-source 203.0.113.10',
    ]);
    assert.deepEqual(chainRules(plan, ns, 'mark'), [`-i ${qg} -j MARK --set-xmark 0x2/0xffff`]);
    assert.deepEqual(
      plan.floatingIps.map((f) => [f.netns, f.floatingIpAddress, f.fixedIpAddress]),
      [[ns, '203.0.113.20', '10.0.0.4']],
    );
  });

  it('with enable_snat false keeps only floating IP and hairpin NAT', () => {
    const plan = compile(replicaWith(), facts, networkNode);
    const snat = chainRules(plan, routerNamespace(r2.id), 'snat');
    assert.ok(!snat.some((r) => r.startsWith('-o ')), snat.join('\n'));
    assert.ok(snat.some((r) => r.includes('--ctstate DNAT')));
  });

  it('a router without a gateway keeps its interfaces and the empty chain layout, no route', () => {
    const bare = { ...r1, external_gateway_info: null, gw_port_id: null, routes: [] };
    const plan = compile(replicaWith({ routers: [bare], floatingips: [] }), facts, networkNode);
    const ns = routerNamespace(r1.id);
    assert.deepEqual(
      plan.servicePorts.map((p) => p.device),
      [qrDevice(qrA.id), qrDevice(qrC.id)],
    );
    assert.deepEqual(plan.routes, []);
    assert.deepEqual(chainRules(plan, ns, 'POSTROUTING'), ['-j quark-l3-snat']);
    assert.deepEqual(chainRules(plan, ns, 'snat'), ['-j quark-l3-float-snat']);
    assert.equal(plan.iptables.filter((c) => c.netns === ns).length, 6);
  });

  it('moves a floating IP by changing only its mapping', () => {
    const moved = { ...fip, port_id: id('c0de9'), fixed_ip_address: '10.0.0.9' };
    const before = compile(replicaWith(), facts, networkNode);
    const after = compile(replicaWith({ floatingips: [moved] }), facts, networkNode);
    const ns = routerNamespace(r1.id);
    assert.deepEqual(chainRules(after, ns, 'PREROUTING'), ['-d 203.0.113.20/32 -j DNAT --to-destination 10.0.0.9']);
    assert.deepEqual(
      after.servicePorts.map((p) => p.addresses),
      before.servicePorts.map((p) => p.addresses),
    );
  });

  it('leaves out routers that are administratively down, and all routers without the l3 role', () => {
    const down = compile(replicaWith({ routers: [{ ...r1, admin_state_up: false }, r2] }), facts, networkNode);
    assert.deepEqual(
      down.namespaces.map((n) => n.name),
      [routerNamespace(r2.id)],
    );
    assert.ok(!down.floatingIps.length);
    const l2only = compile(replicaWith(), facts, { ...networkNode, roles: ['l2'] });
    assert.deepEqual(l2only.namespaces, []);
    assert.deepEqual(l2only.iptables, []);
  });

  it('is deterministic: the same inputs in another order give the same plan', () => {
    const a = renderPlan(compile(replicaWith(), facts, networkNode));
    const b = renderPlan(compile(replicaWith({ routers: [r2, r1] }), facts, networkNode));
    assert.equal(a, b);
  });
});
