import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { haDevice, qgDevice, qrDevice, routerNamespace, tapDevice } from '../../../model/names.js';
import type { Port, Router } from '../../../model/resources.js';
import { floatingIp, id, network, ovsAgent, port, replicaOf, router, settings, subnet, vif } from '../../testing/fixtures.js';
import { golden } from '../../testing/golden.js';
import { compile } from '../compile.js';
import type { HostFacts, ReplicaView, VrrpState } from '../inputs.js';
import { renderPlan } from '../render.js';
import { linkLocalOf, primaryVip } from './keepalived.js';
import { parseCidr } from '../../../model/ip/cidr.js';

// One HA router of project p1 on two network nodes (network1 active, network2 standby): an
// interface on a GRE network with an instance on compute1, a gateway on the flat external
// network, an extra route and a floating IP; the project's HA network with one HA port per node.
const ext = network({
  id: id('eeee1'),
  project_id: 'admin',
  'provider:network_type': 'flat',
  'provider:physical_network': 'physnet1',
  'provider:segmentation_id': null,
  'router:external': true,
  mtu: 1500,
});
const extSubnet = subnet({ id: id('5eee1'), network_id: ext.id, cidr: '203.0.113.0/24', gateway_ip: '203.0.113.1' });
const netA = network({ id: id('aaaa1'), 'provider:segmentation_id': 100 });
const subA = subnet({ id: id('5aaa1'), network_id: netA.id, cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' });
const haNet = network({ id: id('ha0e1'), project_id: '', ha_project_id: 'p1', 'provider:segmentation_id': 200 });
const haSub = subnet({ id: id('5ha01'), network_id: haNet.id, project_id: '', cidr: '169.254.192.0/18', gateway_ip: null });

const rId = id('a0071');
const qr = port({
  id: id('9a1a1'),
  network_id: netA.id,
  host: 'network1',
  device_owner: 'network:ha_router_replicated_interface',
  device_id: rId,
  mac_address: 'fa:16:3e:00:01:01',
  fixed_ips: [{ subnet_id: subA.id, ip_address: '10.0.0.1' }],
});
const gw = port({
  id: id('9a7e1'),
  network_id: ext.id,
  host: 'network1',
  project_id: '',
  device_owner: 'network:router_gateway',
  device_id: rId,
  mac_address: 'fa:16:3e:00:01:10',
  fixed_ips: [{ subnet_id: extSubnet.id, ip_address: '203.0.113.10' }],
});
const haPort = (host: string, n: number) =>
  port({
    id: id(`4a0${n}`),
    network_id: haNet.id,
    host,
    project_id: '',
    device_owner: 'network:router_ha_interface',
    device_id: rId,
    mac_address: `fa:16:3e:00:0a:0${n}`,
    fixed_ips: [{ subnet_id: haSub.id, ip_address: `169.254.192.${n}` }],
    port_security_enabled: false,
  });
const ha1 = haPort('network1', 1);
const ha2 = haPort('network2', 2);
const vm1 = port({
  id: id('c0de1'),
  network_id: netA.id,
  host: 'compute1',
  fixed_ips: [{ subnet_id: subA.id, ip_address: '10.0.0.4' }],
});

const r = router({
  id: rId,
  ha: true,
  ha_vr_id: 1,
  external_gateway_info: {
    network_id: ext.id,
    enable_snat: true,
    external_fixed_ips: [{ subnet_id: extSubnet.id, ip_address: '203.0.113.10' }],
  },
  gw_port_id: gw.id,
  routes: [{ destination: '192.168.5.0/24', nexthop: '10.0.0.20' }],
});
const fip = floatingIp({
  id: id('f1a01'),
  floating_network_id: ext.id,
  floating_ip_address: '203.0.113.20',
  port_id: vm1.id,
  fixed_ip_address: '10.0.0.4',
  router_id: rId,
});

function replicaWith(over: { routers?: Router[]; ports?: Port[] } = {}): ReplicaView {
  return replicaOf({
    networks: [ext, netA, haNet],
    subnets: [extSubnet, subA, haSub],
    ports: over.ports ?? [qr, gw, ha1, ha2, vm1],
    routers: over.routers ?? [r],
    floatingips: [fip],
    agents: [ovsAgent('compute1', '198.18.1.1'), ovsAgent('network1', '198.18.1.2'), ovsAgent('network2', '198.18.1.3')],
  });
}

const node = (host: string, ip: string) =>
  settings(host, { roles: ['l2', 'l3'], tunnelIp: ip, bridgeMappings: { physnet1: 'br-ex' }, ha: { advertInterval: 0.5 } });
const network2 = node('network2', '198.18.1.3');
const factsOn = (state: VrrpState | null, ports: Port[] = [qr, gw, ha2]): HostFacts => ({
  vifs: ports.map((p) => vif(p.id, tapDevice(p.id))),
  localVlans: new Map(),
  haStates: new Map(state ? [[rId, state]] : []),
});

describe('compile() for an HA router', () => {
  it('plans the standby node: devices without addresses, VIPs for keepalived, its ha- device (golden)', () => {
    const plan = compile(replicaWith(), factsOn('BACKUP'), network2);
    golden('network-l3-ha', renderPlan(plan));
  });

  it("leaves the router's addresses and routes to keepalived", () => {
    const plan = compile(replicaWith(), factsOn('BACKUP'), network2);
    const ns = routerNamespace(rId);
    const dev = (name: string) => plan.servicePorts.find((p) => p.netns === ns && p.device === name)!;
    assert.deepEqual(dev(qrDevice(qr.id)).addresses, []);
    assert.deepEqual(dev(qrDevice(qr.id)).vips, ['10.0.0.1/24', linkLocalOf(qr.mac_address)]);
    assert.deepEqual(dev(qgDevice(gw.id)).vips, ['203.0.113.10/24', '203.0.113.20/32', linkLocalOf(gw.mac_address)]);
    assert.equal(dev(qgDevice(gw.id)).linkLocal, false);
    assert.deepEqual(dev(haDevice(ha2.id)).addresses, ['169.254.192.2/18']);
    assert.deepEqual(dev(haDevice(ha2.id)).vips, ['169.254.0.1/24']);
    assert.ok(!plan.servicePorts.some((p) => p.announce && p.netns === ns), 'keepalived announces, not the agent');
    assert.deepEqual(
      plan.routes.filter((x) => x.netns === ns),
      [],
    );
    const conf = plan.daemons.find((d) => d.service === 'keepalived')!.files['keepalived.conf']!;
    assert.match(conf, /virtual_router_id 1\n/);
    assert.match(conf, /interface ha-4a020000-00\n/);
    assert.match(conf, /0\.0\.0\.0\/0 via 203\.0\.113\.1 dev qg-/);
    assert.match(conf, /192\.168\.5\.0\/24 via 10\.0\.0\.20 dev qr-/);
    assert.match(conf, /advert_int 0\.5\n/);
  });

  it('keeps the configuration whatever the state; forwards IPv6 and advertises only where active', () => {
    const standby = compile(replicaWith(), factsOn('BACKUP'), network2);
    const active = compile(replicaWith(), factsOn('MASTER'), network2);
    const conf = (p: typeof standby) => p.daemons.find((d) => d.service === 'keepalived')!.files;
    assert.deepEqual(conf(standby), conf(active));
    const fwd = (p: typeof standby) => p.sysctls.find((s) => s.key === 'net.ipv6.conf.all.forwarding')!.value;
    assert.equal(fwd(standby), '0');
    assert.equal(fwd(active), '1');
  });

  it('wires the router ports on every hosting node, reporting only those bound here', () => {
    const plan = compile(replicaWith(), factsOn('BACKUP'), network2);
    const tag = (p: Port) => plan.vifBindings.find((b) => b.portId === p.id)!.tag;
    assert.notEqual(tag(qr), 4095, 'the standby has the active node’s interface wired');
    assert.notEqual(tag(gw), 4095);
    assert.equal(plan.portStates.has(qr.id), false, 'bound to network1: network1 reports it');
    assert.equal(plan.portStates.get(ha2.id), 'ACTIVE');
  });

  it('floods the router’s networks to every node that hosts it, and learns its MAC instead of a unicast flow', () => {
    const compute = compile(
      replicaWith(),
      { vifs: [vif(vm1.id, 'qvoc0de1000-00')], localVlans: new Map() },
      settings('compute1', { tunnelIp: '198.18.1.1' }),
    );
    const tunnels = compute.ovsPorts.filter((p) => p.bridge === 'br-tun' && p.type === 'gre').map((p) => p.options.remote_ip);
    assert.deepEqual(tunnels.sort(), ['198.18.1.2', '198.18.1.3']);
    const flood = compute.flows.find((f) => f.table === 22 && f.match.startsWith('dl_vlan='))!;
    assert.match(flood.actions, /output:gre-c6120102,output:gre-c6120103/);
    assert.ok(!compute.flows.some((f) => f.match.includes(qr.mac_address)), 'no unicast flow to the router’s MAC');
    // The standby floods to the instance's host and to the active node.
    const standby = compile(replicaWith(), factsOn('BACKUP'), network2);
    const onNetA = standby.flows.find((f) => f.table === 22 && f.origin.id === netA.id)!;
    assert.match(onNetA.actions, /gre-c6120101/);
    assert.match(onNetA.actions, /gre-c6120102/);
  });

  it('waits for its HA port: no namespace, no wiring, until this node has one', () => {
    const plan = compile(replicaWith({ ports: [qr, gw, ha1, vm1] }), factsOn(null, [qr, gw]), network2);
    assert.equal(plan.namespaces.length, 0);
    assert.ok(plan.vifBindings.every((b) => b.tag === 4095));
    const noVrId = compile(replicaWith({ routers: [{ ...r, ha_vr_id: 0 }] }), factsOn(null), network2);
    assert.equal(noVrId.namespaces.length, 0);
  });

  it('puts the primary VIP in the first /24 of 169.254.0.0/16 that avoids the HA network, as Neutron', () => {
    assert.equal(primaryVip(7, [parseCidr('169.254.192.0/18')!]), '169.254.0.7/24');
    assert.equal(primaryVip(7, [parseCidr('169.254.0.0/20')!]), '169.254.16.7/24');
  });
});
