import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile } from '../dataplane/compile/compile.js';
import { renderIptablesSave } from '../dataplane/compile/render-iptables.js';
import {
  floatingIp,
  id,
  network,
  ovsAgent,
  port,
  replicaOf,
  router,
  settings,
  subnet,
  vif,
} from '../dataplane/testing/fixtures.js';
import { qgDevice, qrDevice, routerNamespace, tapDevice } from '../model/names.js';
import type { ConntrackHelper, PortForwarding } from '../model/resources.js';
import type { TracePacket } from '../model/trace.js';
import { describeRule } from './describe-rule.js';
import type { HostView } from './host-view.js';
import { parseIptablesSave } from './iptables-save.js';
import { Labels } from './labels.js';
import { dnatTarget, enterNamespace } from './walk-router.js';

// A router whose floating IP 203.0.113.30 forwards tcp/2222 to vm2:22 and tcp/8000-8010 to vm2:80-90.
const ext = network({
  id: id('eeee1'),
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
const net = network({ id: id('aaaa1'), 'provider:segmentation_id': 100 });
const sub = subnet({ id: id('5aaa1'), network_id: net.id, cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' });
const rId = id('a0071');
const rport = (name: string, n: string, s: string, ip: string, owner: string) =>
  port({
    id: id(name),
    network_id: n,
    host: 'network',
    device_owner: owner,
    device_id: rId,
    fixed_ips: [{ subnet_id: s, ip_address: ip }],
  });
const qr = rport('9a1a1', net.id, sub.id, '10.0.0.1', 'network:router_interface');
const gw = rport('9a7e1', ext.id, extSubnet.id, '203.0.113.10', 'network:router_gateway');
const vm2 = port({
  id: id('c0de2'),
  name: 'vm2',
  network_id: net.id,
  host: 'compute1',
  fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.0.5' }],
});
const r = router({
  id: rId,
  name: 'r',
  external_gateway_info: {
    network_id: ext.id,
    enable_snat: true,
    external_fixed_ips: [{ subnet_id: extSubnet.id, ip_address: '203.0.113.10' }],
  },
  gw_port_id: gw.id,
});
const fip = floatingIp({
  id: id('f1a02'),
  floating_network_id: ext.id,
  floating_ip_address: '203.0.113.30',
  port_id: null,
  fixed_ip_address: null,
  router_id: r.id,
});
const pf = (name: string, ext: string, int: string): PortForwarding => ({
  id: id(name),
  floatingip_id: fip.id,
  project_id: 'p1',
  protocol: 'tcp',
  internal_port_id: vm2.id,
  internal_ip_address: '10.0.0.5',
  external_port: null,
  internal_port: null,
  external_port_range: ext,
  internal_port_range: int,
  description: '',
});
const ssh = pf('bf001', '2222:2222', '22:22');
const web = pf('bf002', '8000:8010', '80:90');
const ftp: ConntrackHelper = { id: id('c7001'), router_id: r.id, project_id: 'p1', protocol: 'tcp', port: 21, helper: 'ftp' };
const replica = replicaOf({
  networks: [ext, net],
  subnets: [extSubnet, sub],
  ports: [qr, gw, vm2],
  routers: [r],
  floatingips: [fip],
  portForwardings: [ssh, web],
  conntrackHelpers: [ftp],
  agents: [ovsAgent('network', '198.18.1.2')],
});
const plan = compile(
  replica,
  { vifs: [qr, gw].map((p) => vif(p.id, tapDevice(p.id))), localVlans: new Map() },
  settings('network', { roles: ['l2', 'l3'], tunnelIp: '198.18.1.2', bridgeMappings: { physnet1: 'br-ex' } }),
);
const ns = routerNamespace(r.id);

/** The router as the plan has it, or with `drop` rules missing (drift). */
function view(drop: (rule: string) => boolean = () => false): HostView {
  const save = (family: 4 | 6) =>
    renderIptablesSave(
      plan.iptables
        .filter((c) => c.netns === ns && c.family === family)
        .map((c) => ({ ...c, rules: c.rules.filter((x) => !drop(x)) })),
    )
      .join('\n')
      .concat('\n');
  return {
    host: 'network',
    settings: settings('network'),
    plan,
    labels: new Labels(replica, plan),
    ovsPorts: async () => [],
    // An Open vSwitch host: no Linux bridges to read.
    bridgeLinks: async () => [],
    bridgeFdb: async () => [],
    ofprotoTrace: async () => '',
    datapathPorts: async () => new Map(),
    flows: async () => [],
    iptables: async (_netns, family = 4) => parseIptablesSave(save(family)),
    ipsets: async () => new Map(),
    routeGet: async (_netns, dst) =>
      dst.startsWith('10.0.0.')
        ? { type: 'unicast', dev: qrDevice(qr.id), gateway: null, error: null }
        : dst.startsWith('203.0.113.')
          ? { type: 'local', dev: 'lo', gateway: null, error: null }
          : { type: 'unicast', dev: qgDevice(gw.id), gateway: '203.0.113.1', error: null },
    neighbours: async () => [],
  };
}
const into = () => plan.servicePorts.find((p) => p.device === qgDevice(gw.id))!;
const fromOutside = (dport: number): TracePacket => ({
  protocol: 'tcp',
  src: '198.51.100.1',
  dst: '203.0.113.30',
  srcMac: null,
  dstMac: gw.mac_address,
  sport: 40000,
  dport,
  ttl: 64,
});

describe('trace through port forwardings', () => {
  it('reads DNAT targets with a port and with a shifted range', () => {
    assert.deepEqual(dnatTarget('10.0.0.4', 22), { ip: '10.0.0.4', port: 22 });
    assert.deepEqual(dnatTarget('10.0.0.4:22', 2222), { ip: '10.0.0.4', port: 22 });
    assert.deepEqual(dnatTarget('10.0.0.4:80-90/8000', 8003), { ip: '10.0.0.4', port: 83 });
    assert.deepEqual(dnatTarget('10.0.0.4:1000', 305), { ip: '10.0.0.4', port: 1000 });
  });

  it('names the port forwarding that DNATs the packet, with the port it goes to', async () => {
    const r1 = await enterNamespace(view(), into(), fromOutside(2222));
    assert.equal(r1.kind, 'forward');
    if (r1.kind !== 'forward') return;
    assert.equal(r1.packet.dst, '10.0.0.5');
    assert.equal(r1.packet.dport, 22);
    assert.match(
      r1.hop.says,
      /DNAT 203\.0\.113\.30:2222 → 10\.0\.0\.5:22 by port forwarding tcp 203\.0\.113\.30:2222 → 10\.0\.0\.5:22/,
    );
    assert.ok(r1.hop.refs.some((x) => x.kind === 'port_forwarding' && x.id === ssh.id));
    const r2 = await enterNamespace(view(), into(), fromOutside(8004));
    assert.equal(r2.kind === 'forward' && r2.packet.dport, 84);
  });

  it('says when no forwarding takes the port, and when the host lost the rule of one that does', async () => {
    const none = await enterNamespace(view(), into(), fromOutside(80));
    assert.equal(none.kind, 'dropped');
    if (none.kind !== 'dropped') return;
    assert.equal(none.cause.code, 'not-forwarded');
    assert.match(
      none.cause.says,
      /answers tcp\/80 to floating IP 203\.0\.113\.30 .* itself: its port forwardings take tcp\/2222, tcp\/8000-8010, none this port/,
    );
    const drifted = await enterNamespace(
      view((rule) => rule.includes('--dport 2222')),
      into(),
      fromOutside(2222),
    );
    assert.equal(drifted.kind === 'dropped' && drifted.cause.code, 'missing-nat');
    assert.ok(drifted.kind === 'dropped' && drifted.cause.refs.some((x) => x.kind === 'port_forwarding'));
  });

  it('puts port forwarding, conntrack helper and metering rules in words', () => {
    const labels = new Labels(replica, plan);
    const dnat = describeRule(
      labels,
      '-d 203.0.113.30/32 -p tcp -m tcp --dport 8000:8010 -j DNAT --to-destination 10.0.0.5:80-90/8000',
    );
    assert.match(dnat.says, /^port forwarding tcp 203\.0\.113\.30:8000-8010 → 10\.0\.0\.5:80-90 \(DNAT/);
    assert.ok(dnat.refs.some((x) => x.kind === 'port_forwarding' && x.id === web.id));
    assert.match(describeRule(labels, '-p tcp -m tcp --dport 21 -j CT --helper ftp').says, /handed to the kernel's ftp helper/);
  });
});
