import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qgDevice, qrDevice, routerNamespace, tapDevice } from '../../../model/names.js';
import type { Subnet } from '../../../model/resources.js';
import { id, network, ovsAgent, port, replicaOf, router, settings, subnet, vif } from '../../testing/fixtures.js';
import { golden } from '../../testing/golden.js';
import { compile } from '../compile.js';
import type { HostFacts, ReplicaView } from '../inputs.js';
import { renderPlan } from '../render.js';

// A dual-stack router: network A with an IPv4 subnet and a SLAAC subnet (DNS servers), network B
// with a DHCPv6-stateful and a DHCPv6-stateless subnet on one router port (Neutron's IPv6
// multi-prefix port), network C with a plain IPv6 subnet (no modes), and a gateway on an
// external network with an IPv4 and an IPv6 subnet.
const ext = network({
  id: id('eeee1'),
  project_id: 'admin',
  'provider:network_type': 'flat',
  'provider:physical_network': 'physnet1',
  'provider:segmentation_id': null,
  'router:external': true,
  mtu: 1500,
});
const ext4 = subnet({
  id: id('5eee4'),
  network_id: ext.id,
  cidr: '203.0.113.0/24',
  gateway_ip: '203.0.113.1',
  enable_dhcp: false,
});
const ext6 = subnet({
  id: id('5eee6'),
  network_id: ext.id,
  ip_version: 6,
  cidr: '2001:db8:ffff::/64',
  gateway_ip: '2001:db8:ffff::1',
  enable_dhcp: false,
});
const v6 = (over: Partial<Subnet> & { id: string; network_id: string; cidr: string }) =>
  subnet({ ip_version: 6, gateway_ip: over.cidr.replace('/64', ''), ...over });
const netA = network({ id: id('aaaa1'), 'provider:segmentation_id': 100 });
const a4 = subnet({ id: id('5aaa4'), network_id: netA.id, cidr: '10.1.0.0/24', gateway_ip: '10.1.0.1' });
const a6 = v6({
  id: id('5aaa6'),
  network_id: netA.id,
  cidr: '2001:db8:1::/64',
  ipv6_ra_mode: 'slaac',
  ipv6_address_mode: 'slaac',
  dns_nameservers: ['2001:db8::53', '2001:db8::54', '2001:db8::55', '2001:db8::56'],
});
const netB = network({ id: id('bbbb2'), 'provider:segmentation_id': 101 });
const bStateful = v6({
  id: id('5bbb1'),
  network_id: netB.id,
  cidr: '2001:db8:2::/64',
  ipv6_ra_mode: 'dhcpv6-stateful',
  ipv6_address_mode: 'dhcpv6-stateful',
});
const bStateless = v6({
  id: id('5bbb2'),
  network_id: netB.id,
  cidr: '2001:db8:3::/64',
  ipv6_ra_mode: 'dhcpv6-stateless',
  ipv6_address_mode: 'dhcpv6-stateless',
});
const netC = network({ id: id('cccc3'), 'provider:segmentation_id': 102, mtu: 1200 });
const c6 = v6({ id: id('5ccc6'), network_id: netC.id, cidr: '2001:db8:4::/64' });
const rId = id('a0071');
const rport = (name: string, net: string, owner: string, ips: [string, string][], mac: string) =>
  port({
    id: id(name),
    network_id: net,
    host: 'network',
    device_owner: owner,
    device_id: rId,
    mac_address: mac,
    fixed_ips: ips.map(([subnet_id, ip_address]) => ({ subnet_id, ip_address })),
  });
const qrA4 = rport('9a1a4', netA.id, 'network:router_interface', [[a4.id, '10.1.0.1']], 'fa:16:3e:00:01:04');
const qrA6 = rport('9a1a6', netA.id, 'network:router_interface', [[a6.id, '2001:db8:1::']], 'fa:16:3e:00:01:06');
const qrB = rport(
  '9a1b2',
  netB.id,
  'network:router_interface',
  [
    [bStateful.id, '2001:db8:2::'],
    [bStateless.id, '2001:db8:3::'],
  ],
  'fa:16:3e:00:02:06',
);
const qrC = rport('9a1c3', netC.id, 'network:router_interface', [[c6.id, '2001:db8:4::']], 'fa:16:3e:00:03:06');
const gw = rport(
  '9a7e1',
  ext.id,
  'network:router_gateway',
  [
    [ext6.id, '2001:db8:ffff::10'],
    [ext4.id, '203.0.113.10'],
  ],
  'fa:16:3e:00:0e:10',
);
const r = router({
  id: rId,
  external_gateway_info: {
    network_id: ext.id,
    enable_snat: true,
    external_fixed_ips: gw.fixed_ips.map((f) => ({ ...f })),
  },
  gw_port_id: gw.id,
});
const ports = [qrA4, qrA6, qrB, qrC, gw];

function replica(over: { ports?: typeof ports } = {}): ReplicaView {
  return replicaOf({
    networks: [ext, netA, netB, netC],
    subnets: [ext4, ext6, a4, a6, bStateful, bStateless, c6],
    ports: over.ports ?? ports,
    routers: [r],
    agents: [ovsAgent('network', '198.18.1.2')],
  });
}
const networkNode = settings('network', { roles: ['l2', 'l3'], tunnelIp: '198.18.1.2', bridgeMappings: { physnet1: 'br-ex' } });
const facts: HostFacts = { vifs: ports.map((p) => vif(p.id, tapDevice(p.id))), localVlans: new Map() };

describe('compile() for a dual-stack router', () => {
  it('gives qr- and qg- their IPv6 addresses, routes IPv6 by default via the external IPv6 gateway, and runs radvd (golden)', () => {
    golden('network-l3-ipv6', renderPlan(compile(replica(), facts, networkNode)));
  });

  it('advertises each IPv6 interface by its RA mode, as Neutron renders radvd.conf', () => {
    const plan = compile(replica(), facts, networkNode);
    const [radvd, ...others] = plan.daemons;
    assert.equal(others.length, 0);
    assert.equal(radvd!.netns, routerNamespace(r.id));
    assert.equal(radvd!.onChange, 'reload');
    const conf = radvd!.files['radvd.conf']!;
    const section = (dev: string) => conf.split(/^interface /m).find((s) => s.startsWith(dev)) ?? '';
    assert.ok(!conf.includes(qrDevice(qrA4.id)), 'an IPv4-only interface gets no section');
    const a = section(qrDevice(qrA6.id));
    assert.match(a, /prefix 2001:db8:1::\/64\n {3}\{\n {8}AdvOnLink on;\n {8}AdvAutonomous on;/);
    assert.match(a, /RDNSS 2001:db8::53 2001:db8::54 2001:db8::55 \{\};/);
    assert.ok(!/AdvManagedFlag|AdvOtherConfigFlag/.test(a));
    const b = section(qrDevice(qrB.id));
    assert.match(b, /AdvOtherConfigFlag on;[\s\S]*AdvManagedFlag on;/);
    assert.match(b, /prefix 2001:db8:3::\/64\n {3}\{\n {8}AdvOnLink on;\n {8}AdvAutonomous on;/);
    assert.match(b, /prefix 2001:db8:2::\/64\n {3}\{\n {8}AdvOnLink on;\n {8}AdvAutonomous off;/);
    const c = section(qrDevice(qrC.id));
    assert.ok(!c.includes('prefix') && !c.includes('AdvLinkMTU'), 'no RA mode: the router only; MTU below 1280 not advertised');
    assert.match(a, /AdvLinkMTU 1458;/);
  });

  it('routes IPv6 without NAT: a default route per family, NAT rules for IPv4 only', () => {
    const plan = compile(replica(), facts, networkNode);
    const ns = routerNamespace(r.id);
    assert.deepEqual(
      plan.routes.filter((x) => x.netns === ns).map((x) => [x.destination, x.via, x.device]),
      [
        ['default', '2001:db8:ffff::1', qgDevice(gw.id)],
        ['default', '203.0.113.1', qgDevice(gw.id)],
      ],
    );
    assert.ok(plan.iptables.filter((c) => c.netns === ns).every((c) => c.family === 4));
    assert.ok(plan.sysctls.some((s) => s.netns === ns && s.key === 'net.ipv6.conf.all.forwarding' && s.value === '1'));
  });

  it('has no radvd for a router without IPv6 interfaces', () => {
    const plan = compile(replica({ ports: [qrA4, gw] }), facts, networkNode);
    assert.deepEqual(plan.daemons, []);
  });
});
