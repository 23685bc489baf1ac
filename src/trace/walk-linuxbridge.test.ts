import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile } from '../dataplane/compile/compile.js';
import type { FdbEntry } from '../dataplane/drivers/bridge-fdb.js';
import type { BridgeLink } from '../dataplane/drivers/linux-bridge.js';
import { id, linuxBridgeAgent, network, port, replicaOf, settings } from '../dataplane/testing/fixtures.js';
import { linuxBridge, tapDevice, vxlanDevice } from '../model/names.js';
import type { TracePacket } from '../model/trace.js';
import type { HostView } from './host-view.js';
import { parseIptablesSave } from './iptables-save.js';
import { Labels } from './labels.js';
import { walkHost } from './walk.js';

// Two Linux bridge hosts on one VXLAN network; vm1 and vm2 on lb1, vm3 on lb2; no port security.
const net = network({ id: id('aaaa1'), 'provider:network_type': 'vxlan', 'provider:segmentation_id': 1001, mtu: 1450 });
const bridged = (n: string, host: string, mac: string) =>
  port({ id: id(n), network_id: net.id, host, mac_address: mac, port_security_enabled: false, 'binding:vif_type': 'bridge' });
const vm1 = bridged('c0de1', 'lb1', 'fa:16:3e:00:00:01');
const vm2 = bridged('c0de2', 'lb1', 'fa:16:3e:00:00:02');
const vm3 = bridged('c0de3', 'lb2', 'fa:16:3e:00:00:03');
const replica = replicaOf({
  networks: [net],
  ports: [vm1, vm2, vm3],
  agents: [linuxBridgeAgent('lb1', '198.18.1.11'), linuxBridgeAgent('lb2', '198.18.1.12')],
});
const s = settings('lb1', { mechanism: 'linuxbridge', tunnelIp: '198.18.1.11', tunnelTypes: ['vxlan'], datapathType: 'system' });
const plan = compile(replica, { vifs: [], localVlans: new Map(), taps: [tapDevice(vm1.id), tapDevice(vm2.id)] }, s);
const brq = linuxBridge(net.id);
const vx = vxlanDevice(1001);

const link = (name: string, kind: string, master: string | null): BridgeLink => ({
  name,
  kind,
  master,
  up: true,
  mtu: 1450,
  ...(kind === 'vxlan' ? { vxlan: { id: 1001, local: '198.18.1.11', port: 4789, udpCsum: false } } : {}),
});
const LINKS = [
  link(brq, 'bridge', null),
  link(vx, 'vxlan', brq),
  link(tapDevice(vm1.id), 'veth', brq),
  link(tapDevice(vm2.id), 'veth', brq),
];
const entry = (mac: string, device: string, over: Partial<FdbEntry> = {}): FdbEntry => ({
  mac,
  device,
  dst: null,
  permanent: false,
  master: brq,
  ...over,
});
/** l2population's entries as the agent installs them. */
const L2POP = [
  entry('00:00:00:00:00:00', vx, { dst: '198.18.1.12', permanent: true, master: null }),
  entry(vm3.mac_address, vx, { dst: '198.18.1.12', permanent: true, master: null }),
];

function view(fdb: readonly FdbEntry[], links = LINKS): HostView {
  const none = async () => {
    throw new Error('not read on a Linux bridge host');
  };
  return {
    host: 'lb1',
    settings: s,
    plan,
    labels: new Labels(replica, plan),
    ovsPorts: async () => [],
    ofprotoTrace: none,
    datapathPorts: none,
    flows: async () => [],
    // No rule filters these ports (port security off): FORWARD accepts.
    iptables: async () => parseIptablesSave('*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n'),
    ipsets: async () => new Map(),
    routeGet: none,
    neighbours: async () => [],
    bridgeLinks: async () => links,
    bridgeFdb: async () => fdb,
  };
}

const icmp = (dstMac: string, dst: string): TracePacket => ({
  protocol: 'icmp',
  src: '10.0.0.5',
  dst,
  srcMac: vm1.mac_address,
  dstMac,
  sport: null,
  dport: null,
  ttl: 64,
});

describe('walkHost on a Linux bridge host', () => {
  it("to a port of another host: the bridge floods to the VXLAN device, whose l2population entry names that host's VTEP", async () => {
    const p = icmp(vm3.mac_address, '10.0.0.7');
    const t = await walkHost(view(L2POP), { at: 'port', portId: vm1.id }, p);
    assert.deepEqual(t.exits, [{ kind: 'tunnel', remoteIp: '198.18.1.12', key: 1001, type: 'vxlan', packet: p }]);
    assert.deepEqual(
      t.hops.map((h) => h.where),
      [`iptables filter FORWARD on ${brq}`, brq],
    );
    const fdb = t.hops[1]!.evidence.filter((e) => e.kind === 'fdb');
    assert.deepEqual(
      fdb.map((e) => e.kind === 'fdb' && e.entries),
      [[], [`${vm3.mac_address} dev ${vx} dst 198.18.1.12 self permanent`]],
    );
    assert.match(t.hops[1]!.says, /behind VTEP 198\.18\.1\.12 \(host lb2\): encapsulated with VNI 1001/);
  });

  it('to a port of the same host learnt on its tap: straight there, delivered', async () => {
    const p = icmp(vm2.mac_address, '10.0.0.6');
    const t = await walkHost(view([...L2POP, entry(vm2.mac_address, tapDevice(vm2.id))]), { at: 'port', portId: vm1.id }, p);
    assert.deepEqual(t.exits, [{ kind: 'delivered', portId: vm2.id, packet: p }]);
    assert.match(t.hops[1]!.says, new RegExp(`is behind ${tapDevice(vm2.id)} \\(learnt\\)`));
  });

  it("names the drift when the host lacks a planned l2population entry, and floods to the network's VTEPs", async () => {
    const p = icmp(vm3.mac_address, '10.0.0.7');
    const t = await walkHost(view([L2POP[0]!]), { at: 'port', portId: vm1.id }, p);
    assert.deepEqual(t.exits, [{ kind: 'tunnel', remoteIp: '198.18.1.12', key: 1001, type: 'vxlan', packet: p }]);
    assert.match(t.hops[1]!.says, /the agent's plan has it, so the host has drifted/);
  });

  it('a tap in no bridge is not wired; a VNI the host has no device for leads nowhere', async () => {
    const out = LINKS.map((l) => (l.name === tapDevice(vm1.id) ? { ...l, master: null } : l));
    const t = await walkHost(view(L2POP, out), { at: 'port', portId: vm1.id }, icmp(vm3.mac_address, '10.0.0.7'));
    assert.equal(t.exits[0]?.kind === 'dropped' && t.exits[0].cause.code, 'not-wired');
    const from = await walkHost(
      view(L2POP),
      { at: 'tunnel', fromIp: '198.18.1.12', key: 7, type: 'vxlan' },
      icmp(vm1.mac_address, '10.0.0.5'),
    );
    assert.match(from.exits[0]?.kind === 'dropped' ? from.exits[0].cause.says : '', /no VXLAN device vxlan-7/);
  });
});
