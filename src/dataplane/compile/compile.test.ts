import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qvoDevice, tapDevice } from '../../model/names.js';
import { id, network, ovsAgent, port, replicaOf, settings, vif } from '../testing/fixtures.js';
import { golden } from '../testing/golden.js';
import { compile } from './compile.js';
import type { HostFacts } from './inputs.js';
import { decodeCookie } from './cookies.js';
import { renderPlan } from './render.js';

// The article's layout: compute1 hosts vm1 (network A) and vm2 (network B, same cidr, other
// project); the network node hosts the DHCP ports of both networks.
const netA = network({ id: id('aaaa1'), 'provider:segmentation_id': 100 });
const netB = network({ id: id('bbbb2'), project_id: 'p2', 'provider:segmentation_id': 101 });
const vm1 = port({ id: id('c0de1'), network_id: netA.id, host: 'compute1', mac_address: 'fa:16:3e:00:00:01' });
const vm2 = port({ id: id('c0de2'), network_id: netB.id, host: 'compute1', mac_address: 'fa:16:3e:00:00:02' });
const dhcpA = port({
  id: id('d0ca1'),
  network_id: netA.id,
  host: 'network',
  device_owner: 'network:dhcp',
  mac_address: 'fa:16:3e:00:00:0a',
});
const dhcpB = port({
  id: id('d0cb2'),
  network_id: netB.id,
  host: 'network',
  device_owner: 'network:dhcp',
  mac_address: 'fa:16:3e:00:00:0b',
});
const replica = replicaOf({
  networks: [netA, netB],
  ports: [vm1, vm2, dhcpA, dhcpB],
  agents: [ovsAgent('compute1', '198.18.1.1'), ovsAgent('network', '198.18.1.2')],
});

describe('compile() for L2', () => {
  it('compute node: local VLANs, tunnels to the network node, br-tun pipeline (golden)', () => {
    const facts: HostFacts = { vifs: [vif(vm1.id, qvoDevice(vm1.id)), vif(vm2.id, qvoDevice(vm2.id))], localVlans: new Map() };
    const plan = compile(replica, facts, settings('compute1', { tunnelIp: '198.18.1.1' }));
    golden('compute-gre', renderPlan(plan));
    assert.equal(plan.portStates.get(vm1.id), 'ACTIVE');
    assert.deepEqual([...plan.localVlans.values()].sort(), [1, 2]);
  });

  it('network node with a flat external network on br-ex and the underlay bridge (golden)', () => {
    const ext = network({
      id: id('eeee1'),
      'provider:network_type': 'flat',
      'provider:physical_network': 'physnet1',
      'provider:segmentation_id': null,
      'router:external': true,
      mtu: 1500,
    });
    const gw = port({ id: id('9a7e1'), network_id: ext.id, host: 'network', device_owner: 'network:router_gateway' });
    const r = replicaOf({
      networks: [netA, ext],
      ports: [dhcpA, gw, vm1],
      agents: [ovsAgent('compute1', '198.18.1.1'), ovsAgent('network', '198.18.1.2')],
    });
    const facts: HostFacts = {
      vifs: [vif(dhcpA.id, tapDevice(dhcpA.id)), vif(gw.id, `qg-${gw.id.slice(0, 11)}`)],
      localVlans: new Map(),
    };
    const plan = compile(
      r,
      facts,
      settings('network', {
        tunnelIp: '198.18.1.2',
        bridgeMappings: { physnet1: 'br-ex' },
        underlay: { bridge: 'br-phy', interface: 'eth1' },
      }),
    );
    golden('network-flat-gre', renderPlan(plan));
    assert.equal(plan.ovsPorts.find((p) => p.name === 'eth1')?.type, 'system', 'AF_PACKET where OVS offers no AF_XDP');
    const s = settings('network', { tunnelIp: '198.18.1.2', underlay: { bridge: 'br-phy', interface: 'eth1' }, afxdp: 'auto' });
    const offered = { ...facts, ovsIfaceTypes: ['afxdp', 'afxdp-nonpmd', 'system'] };
    const eth1 = compile(r, offered, s).ovsPorts.find((p) => p.name === 'eth1');
    assert.deepEqual([eth1?.type, eth1?.options], ['afxdp-nonpmd', { 'xdp-mode': 'generic' }], 'AF_XDP where asked and offered');
    assert.equal(compile(r, offered, { ...s, afxdp: 'off' }).ovsPorts.find((p) => p.name === 'eth1')?.type, 'system');
    assert.equal(compile(r, offered, { ...s, afxdp: undefined }).ovsPorts.find((p) => p.name === 'eth1')?.type, 'system');
  });

  it('compute node with a VLAN provider network on br-ex: segment and local VLAN swapped at the patch ports (golden)', () => {
    const provider = network({
      id: id('7a7a1'),
      'provider:network_type': 'vlan',
      'provider:physical_network': 'physnet1',
      'provider:segmentation_id': 1042,
      mtu: 1500,
    });
    const vm = port({ id: id('c0de7'), network_id: provider.id, host: 'compute1', mac_address: 'fa:16:3e:00:00:07' });
    const r = replicaOf({ networks: [provider], ports: [vm], agents: [ovsAgent('compute1', '198.18.1.1')] });
    const facts: HostFacts = { vifs: [vif(vm.id, qvoDevice(vm.id))], localVlans: new Map() };
    const plan = compile(r, facts, settings('compute1', { tunnelIp: '198.18.1.1', bridgeMappings: { physnet1: 'br-ex' } }));
    golden('compute-vlan-provider', renderPlan(plan));
    const local = [...plan.localVlans.values()][0]!;
    const lines = renderPlan(plan).split('\n');
    assert.ok(
      lines.some((l) => l.includes(`dl_vlan=${local}`) && l.includes('mod_vlan_vid:1042')),
      'br-ex rewrites the local VLAN to the segment on the way out',
    );
    assert.ok(
      lines.some((l) => l.includes('dl_vlan=1042') && l.includes(`mod_vlan_vid:${local}`)),
      'br-int rewrites the segment to the local VLAN on the way in',
    );
    assert.equal(plan.portStates.get(vm.id), 'ACTIVE');
  });

  it('keeps local VLANs across restarts and frees them when the network leaves', () => {
    const facts: HostFacts = {
      vifs: [vif(vm2.id, qvoDevice(vm2.id))],
      localVlans: new Map([
        [netB.id, 7],
        [netA.id, 3],
      ]),
    };
    const plan = compile(replica, facts, settings('compute1', { tunnelIp: '198.18.1.1' }));
    assert.equal(plan.localVlans.get(netB.id), 7);
    assert.equal(plan.localVlans.get(netA.id), 3);
    const without = replicaOf({ networks: [netA, netB], ports: [vm2, dhcpB], agents: [...replica.agents.values()] });
    const later = compile(without, facts, settings('compute1', { tunnelIp: '198.18.1.1' }));
    assert.equal(later.localVlans.has(netA.id), false);
    assert.ok(!later.flows.some((f) => f.origin.id === netA.id), 'no flow remains for a network that left');
  });

  it('puts unknown, unbound and admin-down VIFs on the dead VLAN and reports them DOWN', () => {
    const down = { ...vm1, admin_state_up: false };
    const r = replicaOf({ networks: [netA, netB], ports: [down, vm2, dhcpA, dhcpB], agents: [...replica.agents.values()] });
    const facts: HostFacts = {
      vifs: [vif(down.id, qvoDevice(down.id)), vif(id('ffff9'), 'qvoffff90000-00')],
      localVlans: new Map(),
    };
    const plan = compile(r, facts, settings('compute1', { tunnelIp: '198.18.1.1' }));
    assert.deepEqual(
      plan.vifBindings.map((b) => b.tag),
      [4095, 4095],
    );
    assert.equal(plan.portStates.get(down.id), 'DOWN');
    assert.equal(plan.portStates.get(vm2.id), 'DOWN', 'bound here but not plugged yet');
  });

  it('builds no tunnel to a host that shares no network, and a VXLAN tunnel for a VXLAN network', () => {
    const netC = network({ id: id('cccc3'), 'provider:network_type': 'vxlan', 'provider:segmentation_id': 5000, mtu: 1450 });
    const vm3 = port({ id: id('c0de3'), network_id: netC.id, host: 'compute1' });
    const far = port({ id: id('c0de4'), network_id: netC.id, host: 'compute2' });
    const lonely = port({ id: id('c0de5'), network_id: netB.id, host: 'compute3' });
    const r = replicaOf({
      networks: [netC, netB],
      ports: [vm3, far, lonely],
      agents: [
        ovsAgent('compute1', '198.18.1.1', ['vxlan']),
        ovsAgent('compute2', '198.18.1.3', ['vxlan']),
        ovsAgent('compute3', '198.18.1.4'),
      ],
    });
    const plan = compile(
      r,
      { vifs: [vif(vm3.id, qvoDevice(vm3.id))], localVlans: new Map() },
      settings('compute1', { tunnelIp: '198.18.1.1', tunnelTypes: ['vxlan'] }),
    );
    assert.deepEqual(
      plan.ovsPorts.filter((p) => p.type === 'vxlan').map((p) => p.name),
      ['vxlan-c6120103'],
    );
    assert.ok(plan.flows.some((f) => f.match === 'tun_id=0x1388'));
  });

  it('stamps every flow with a Quark cookie that decodes to its origin', () => {
    const facts: HostFacts = { vifs: [vif(vm1.id, qvoDevice(vm1.id))], localVlans: new Map() };
    const plan = compile(replica, facts, settings('compute1', { tunnelIp: '198.18.1.1' }));
    for (const f of plan.flows) {
      const d = decodeCookie(f.cookie);
      assert.ok(d, `flow without a Quark cookie: ${f.match}`);
      assert.equal(d.kind, f.origin.kind);
      if (f.origin.kind !== 'host') assert.ok(f.origin.id.replaceAll('-', '').startsWith(d.idPrefix));
    }
  });
});
