import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qvoDevice, trunkBridge, trunkPatch } from '../../../model/names.js';
import type { Trunk } from '../../../model/trunk.js';
import { id, network, ovsAgent, port, replicaOf, settings, vif } from '../../testing/fixtures.js';
import { golden } from '../../testing/golden.js';
import { compile } from '../compile.js';
import type { HostFacts } from '../inputs.js';
import { renderPlan } from '../render.js';

// compute1 hosts vm1, plugged into the trunk bridge of trunk t1 whose parent is on network A,
// with one subport on network B (VLAN 101); vm2 on network B is on compute1 too.
const netA = network({ id: id('aaaa1'), 'provider:segmentation_id': 100 });
const netB = network({ id: id('bbbb2'), 'provider:segmentation_id': 200 });
const parent = port({ id: id('9a4e1'), network_id: netA.id, host: 'compute1', mac_address: 'fa:16:3e:00:00:01' });
const sub = port({
  id: id('5ab01'),
  network_id: netB.id,
  host: 'compute1',
  device_owner: 'trunk:subport',
  mac_address: 'fa:16:3e:00:00:02',
  fixed_ips: [{ subnet_id: id('5bbb2'), ip_address: '10.0.1.5' }],
});
const vm2 = port({ id: id('c0de2'), network_id: netB.id, host: 'compute1', mac_address: 'fa:16:3e:00:00:03' });
const trunk: Trunk = {
  id: id('7b0c1'),
  project_id: 'p1',
  name: 't1',
  description: '',
  admin_state_up: true,
  port_id: parent.id,
  status: 'DOWN',
  sub_ports: [{ port_id: sub.id, segmentation_type: 'vlan', segmentation_id: 101 }],
  tags: [],
  created_at: '',
  updated_at: '',
  revision_number: 0,
};
const replica = (trunks: Trunk[]) =>
  replicaOf({ networks: [netA, netB], ports: [parent, sub, vm2], trunks, agents: [ovsAgent('compute1', '198.18.1.1')] });

describe('compile() for trunks', () => {
  it('a trunk bridge per trunk, the parent and each subport patched to br-int in their local VLANs (golden)', () => {
    const tpi = trunkPatch('tpi-', parent.id);
    const spi = trunkPatch('spi-', sub.id);
    const facts: HostFacts = {
      vifs: [
        { bridge: trunkBridge(trunk.id), portName: qvoDevice(parent.id), ifaceId: parent.id, ofport: 9 },
        vif(parent.id, tpi),
        vif(sub.id, spi),
        vif(vm2.id, qvoDevice(vm2.id)),
      ],
      localVlans: new Map(),
    };
    const plan = compile(replica([trunk]), facts, settings('compute1', { tunnelIp: '198.18.1.1' }));
    golden('compute-trunk', renderPlan(plan));
    const tbr = trunkBridge(trunk.id);
    assert.ok(plan.bridges.some((b) => b.name === tbr));
    const byName = new Map(plan.ovsPorts.map((p) => [p.name, p]));
    const vlanA = plan.localVlans.get(netA.id);
    const vlanB = plan.localVlans.get(netB.id);
    assert.deepEqual([byName.get(tpi)?.tag, byName.get(trunkPatch('tpt-', parent.id))?.tag], [vlanA, null]);
    assert.deepEqual([byName.get(spi)?.tag, byName.get(trunkPatch('spt-', sub.id))?.tag], [vlanB, 101]);
    assert.equal(plan.portStates.get(parent.id), 'ACTIVE');
    assert.equal(plan.portStates.get(sub.id), 'ACTIVE');
    // From spi-, only the subport's MAC, and ARP for its own address (Neutron's spoofing tables).
    const spoof = plan.flows.filter((f) => f.match.includes(`in_port=${spi}`)).map((f) => `${f.table} ${f.match} ${f.actions}`);
    assert.deepEqual(spoof.sort(), [
      `0 arp,in_port=${spi} resubmit(,24)`,
      `0 in_port=${spi} resubmit(,25)`,
      `24 arp,in_port=${spi},arp_spa=10.0.1.5 resubmit(,25)`,
      `25 in_port=${spi},dl_src=fa:16:3e:00:00:02 resubmit(,60)`,
    ]);
    // The subport has no device of its own: no firewall chain names it.
    assert.ok(!plan.iptables.some((c) => c.rules.some((r) => r.includes(sub.id.slice(0, 10)))));
  });

  it('a removed subport loses its patch pair; a trunk whose parent is elsewhere is not wired here', () => {
    const without = { ...trunk, sub_ports: [] };
    const plan = compile(
      replica([without]),
      { vifs: [], localVlans: new Map() },
      settings('compute1', { tunnelIp: '198.18.1.1' }),
    );
    assert.ok(!plan.ovsPorts.some((p) => p.name.startsWith('sp')));
    assert.ok(plan.ovsPorts.some((p) => p.name === trunkPatch('tpt-', parent.id)));
    const moved = { ...parent, 'binding:host_id': 'compute2' };
    const r = replicaOf({
      networks: [netA, netB],
      ports: [moved, sub, vm2],
      trunks: [trunk],
      agents: [ovsAgent('compute1', '198.18.1.1')],
    });
    const elsewhere = compile(r, { vifs: [], localVlans: new Map() }, settings('compute1', { tunnelIp: '198.18.1.1' }));
    assert.ok(!elsewhere.bridges.some((b) => b.name.startsWith('tbr-')));
  });
});
