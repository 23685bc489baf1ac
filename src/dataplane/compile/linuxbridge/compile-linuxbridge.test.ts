import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dhcpPortDeviceId, linuxBridge, qvoDevice, tapDevice, vxlanDevice } from '../../../model/names.js';
import type { Port } from '../../../model/resources.js';
import {
  id,
  linuxBridgeAgent,
  network,
  ovsAgent,
  port,
  replicaOf,
  router,
  securityGroup,
  settings,
  sgRule,
  subnet,
  vif,
} from '../../testing/fixtures.js';
import { golden } from '../../testing/golden.js';
import { compile } from '../compile.js';
import type { HostSettings } from '../inputs.js';
import { renderPlan } from '../render.js';

// A VXLAN network spanning two Linux bridge computes and an Open vSwitch network node, a VLAN
// and a flat provider network on compute1's eth2, and ports in every state a tap can be in.
const netA = network({ id: id('aaaa1'), 'provider:network_type': 'vxlan', 'provider:segmentation_id': 1001, mtu: 1450 });
const vlanNet = network({
  id: id('b1a02'),
  'provider:network_type': 'vlan',
  'provider:physical_network': 'physnet1',
  'provider:segmentation_id': 100,
  mtu: 1500,
});
const flatNet = network({
  id: id('f1a73'),
  'provider:network_type': 'flat',
  'provider:physical_network': 'physnet1',
  'provider:segmentation_id': null,
  mtu: 1500,
});
const bridged = (over: Partial<Port> & { id: string; network_id: string; host: string }) =>
  port({ 'binding:vif_type': 'bridge', ...over });
const sg = securityGroup({ id: id('5e0de1'), name: 'default' });
const rules = [
  sgRule({ id: id('ru1e1'), security_group_id: sg.id, remote_group_id: sg.id }),
  sgRule({ id: id('ru1e2'), security_group_id: sg.id, direction: 'egress' }),
];
const vm1 = bridged({
  id: id('c0de1'),
  network_id: netA.id,
  host: 'compute1',
  mac_address: 'fa:16:3e:00:00:01',
  fixed_ips: [{ subnet_id: id('5b1'), ip_address: '10.0.0.5' }],
  security_groups: [sg.id],
});
const vm2 = bridged({
  id: id('c0de2'),
  network_id: netA.id,
  host: 'compute1',
  mac_address: 'fa:16:3e:00:00:02',
  admin_state_up: false,
});
const vm3 = bridged({
  id: id('c0de3'),
  network_id: netA.id,
  host: 'compute2',
  mac_address: 'fa:16:3e:00:00:03',
  fixed_ips: [{ subnet_id: id('5b1'), ip_address: '10.0.0.6' }],
});
const vm4 = bridged({ id: id('c0de4'), network_id: vlanNet.id, host: 'compute1', mac_address: 'fa:16:3e:00:00:04' });
const vm5 = bridged({
  id: id('c0de5'),
  network_id: flatNet.id,
  host: 'compute1',
  mac_address: 'fa:16:3e:00:00:05',
  port_security_enabled: false,
});
const dhcpA = port({
  id: id('d0ca1'),
  network_id: netA.id,
  host: 'network',
  device_owner: 'network:dhcp',
  mac_address: 'fa:16:3e:00:00:0a',
  fixed_ips: [{ subnet_id: id('5b1'), ip_address: '10.0.0.2' }],
});
const agents = [
  linuxBridgeAgent('compute1', '198.18.1.11', { physnet1: 'eth2' }),
  linuxBridgeAgent('compute2', '198.18.1.12'),
  ovsAgent('network', '198.18.1.2', ['vxlan']),
];
const replica = replicaOf({
  networks: [netA, vlanNet, flatNet],
  subnets: [subnet({ id: id('5b1'), network_id: netA.id })],
  ports: [vm1, vm2, vm3, vm4, vm5, dhcpA],
  agents,
  securityGroups: [sg],
  securityGroupRules: rules,
});
const lb = (host: string, over: Partial<HostSettings> = {}) =>
  settings(host, {
    mechanism: 'linuxbridge',
    tunnelTypes: ['vxlan'],
    interfaceMappings: { physnet1: 'eth2' },
    datapathType: 'system',
    ...over,
  });

describe('compile() on a Linux bridge host', () => {
  it('compute: a bridge per network with its VXLAN, VLAN or flat uplink, taps, l2population, the iptables firewall (golden)', () => {
    const taps = [vm1, vm2, vm4, vm5].map((p) => tapDevice(p.id)).concat(['tapdeadbeef-00']);
    const plan = compile(replica, { vifs: [], localVlans: new Map(), taps }, lb('compute1', { tunnelIp: '198.18.1.11' }));
    golden('linuxbridge-compute', renderPlan(plan));
    assert.deepEqual(
      plan.linuxBridges.map((b) => b.name),
      [netA, vlanNet, flatNet].map((n) => linuxBridge(n.id)),
    );
    assert.deepEqual(
      plan.bridgeUplinks.map((u) => u.name),
      [vxlanDevice(1001), 'eth2.100', 'eth2'],
    );
    assert.equal(plan.portStates.get(vm1.id), 'ACTIVE');
    assert.equal(plan.portStates.get(vm2.id), 'DOWN', 'admin down: its tap is out of the bridge');
    assert.equal(plan.bridgePorts.find((p) => p.device === 'tapdeadbeef-00')?.bridge, null, 'an unknown tap is in no bridge');
    // Flooding to both other hosts (one Linux bridge, one Open vSwitch), unicast to their ports.
    assert.deepEqual(plan.fdbEntries.map((f) => `${f.mac} ${f.dst}`).sort(), [
      '00:00:00:00:00:00 198.18.1.12',
      '00:00:00:00:00:00 198.18.1.2',
      'fa:16:3e:00:00:03 198.18.1.12',
      'fa:16:3e:00:00:0a 198.18.1.2',
    ]);
    assert.equal(plan.flows.length, 0, 'no Open vSwitch');
    // One conntrack zone for the network's ports (a bridged frame is tracked once).
    const zones = new Set(plan.firewallPorts.filter((p) => p.networkId === netA.id).map((p) => p.zone));
    assert.equal(zones.size, 1);
  });

  it("keeps a network's zone across restarts: the host tells it by the zone rule of any of its taps", () => {
    const facts = { vifs: [], localVlans: new Map(), taps: [], conntrackZones: new Map([[tapDevice(vm2.id), 5000]]) };
    const plan = compile(replica, facts, lb('compute1', { tunnelIp: '198.18.1.11' }));
    assert.deepEqual(
      plan.firewallPorts.filter((p) => p.networkId === netA.id).map((p) => p.zone),
      [5000, 5000],
    );
    const again = compile(replica, { ...facts, conntrackZones: new Map([[tapDevice(vm1.id), 5000]]) }, lb('compute1'));
    assert.equal(again.firewallPorts.find((p) => p.portId === vm2.id)?.zone, 5000);
  });

  it('a tap not there yet: the port stays DOWN, its place in the bridge is planned', () => {
    const plan = compile(replica, { vifs: [], localVlans: new Map(), taps: [] }, lb('compute1', { tunnelIp: '198.18.1.11' }));
    assert.equal(plan.portStates.get(vm1.id), 'DOWN');
    assert.equal(plan.bridgePorts.find((p) => p.portId === vm1.id)?.bridge, linuxBridge(netA.id));
  });

  it('network node on Linux bridge: DHCP and router devices join the network bridges (golden)', () => {
    const ext = network({
      id: id('eeee1'),
      'provider:network_type': 'flat',
      'provider:physical_network': 'physnet1',
      'provider:segmentation_id': null,
      'router:external': true,
      mtu: 1500,
    });
    const r1 = router({
      id: id('r0071'),
      external_gateway_info: { network_id: ext.id, enable_snat: true, external_fixed_ips: [] },
    });
    const dhcp = {
      ...dhcpA,
      'binding:host_id': 'netlb',
      'binding:vif_type': 'bridge' as const,
      device_id: dhcpPortDeviceId('netlb', netA.id),
    };
    const gw = bridged({
      id: id('9a7e1'),
      network_id: ext.id,
      host: 'netlb',
      device_owner: 'network:router_gateway',
      device_id: r1.id,
      fixed_ips: [{ subnet_id: id('5b2'), ip_address: '203.0.113.10' }],
    });
    const r = replicaOf({
      networks: [netA, ext],
      subnets: [
        subnet({ id: id('5b1'), network_id: netA.id }),
        subnet({ id: id('5b2'), network_id: ext.id, cidr: '203.0.113.0/24', gateway_ip: '203.0.113.1' }),
      ],
      ports: [dhcp, gw, vm1],
      agents: [linuxBridgeAgent('netlb', '198.18.1.2', { physnet1: 'eth2' }), agents[0]!],
      routers: [{ ...r1, gw_port_id: gw.id }],
      dhcpNetworks: [netA.id],
    });
    const s = lb('netlb', { tunnelIp: '198.18.1.2', roles: ['l2', 'dhcp', 'l3'] });
    const plan = compile(r, { vifs: [], localVlans: new Map(), taps: [tapDevice(dhcp.id), tapDevice(gw.id)] }, s);
    golden('linuxbridge-network', renderPlan(plan));
    assert.equal(plan.servicePorts.find((p) => p.portId === dhcp.id)?.bridge, linuxBridge(netA.id));
    assert.equal(plan.servicePorts.find((p) => p.portId === gw.id)?.bridge, linuxBridge(ext.id));
    assert.equal(plan.portStates.get(gw.id), 'ACTIVE');
  });

  it('an Open vSwitch host tunnels VXLAN to Linux bridge hosts and floods to them (mixed cloud)', () => {
    const dhcp = { ...dhcpA, 'binding:vif_type': 'ovs' as const };
    const r = replicaOf({ networks: [netA], ports: [vm1, vm3, dhcp], agents });
    const s = settings('network', { tunnelIp: '198.18.1.2', tunnelTypes: ['vxlan'] });
    const plan = compile(r, { vifs: [vif(dhcp.id, qvoDevice(dhcp.id))], localVlans: new Map() }, s);
    assert.deepEqual(
      plan.ovsPorts.filter((p) => p.type === 'vxlan').map((p) => p.options.remote_ip),
      ['198.18.1.11', '198.18.1.12'],
    );
    assert.ok(
      plan.flows.some((f) => f.match.includes(`dl_dst=${vm3.mac_address}`)),
      'unicast to a Linux bridge host port',
    );
  });
});
