import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  conntrackHelperChain,
  l3Chain,
  meteringChain,
  portForwardingChain,
  qgDevice,
  routerNamespace,
  tapDevice,
} from '../../../model/names.js';
import type { ConntrackHelper, MeteringLabel, MeteringLabelRule, PortForwarding } from '../../../model/resources.js';
import { floatingIp, id, network, ovsAgent, port, replicaOf, router, settings, subnet, vif } from '../../testing/fixtures.js';
import { golden } from '../../testing/golden.js';
import { compile } from '../compile.js';
import type { HostFacts } from '../inputs.js';
import type { HostPlan } from '../plan.js';
import { renderPlan } from '../render.js';

// One router of project p1 with a gateway on the flat external network and one subnet: a
// floating IP of vm1, a floating IP whose ports are forwarded to vm2 and vm3, conntrack helpers
// for FTP and TFTP, and metering labels of p1 and shared ones (p2's does not count here).
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
const net = network({ id: id('aaaa1'), 'provider:segmentation_id': 100 });
const sub = subnet({ id: id('5aaa1'), network_id: net.id, cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' });
const rId = id('a0071');
const rport = (name: string, net: string, sub: string, ip: string, owner: string, mac: string) =>
  port({
    id: id(name),
    network_id: net,
    host: 'network',
    device_owner: owner,
    device_id: rId,
    mac_address: mac,
    fixed_ips: [{ subnet_id: sub, ip_address: ip }],
  });
const qr = rport('9a1a1', net.id, sub.id, '10.0.0.1', 'network:router_interface', 'fa:16:3e:00:01:01');
const gw = rport('9a7e1', ext.id, extSubnet.id, '203.0.113.10', 'network:router_gateway', 'fa:16:3e:00:01:10');
const vm = (name: string, ip: string) =>
  port({ id: id(name), network_id: net.id, host: 'compute1', fixed_ips: [{ subnet_id: sub.id, ip_address: ip }] });
const vm1 = vm('c0de1', '10.0.0.4');
const vm2 = vm('c0de2', '10.0.0.5');
const vm3 = vm('c0de3', '10.0.0.6');
const r = router({
  id: rId,
  project_id: 'p1',
  external_gateway_info: {
    network_id: ext.id,
    enable_snat: true,
    external_fixed_ips: [{ subnet_id: extSubnet.id, ip_address: '203.0.113.10' }],
  },
  gw_port_id: gw.id,
});
const plainFip = floatingIp({
  id: id('f1a01'),
  floating_network_id: ext.id,
  floating_ip_address: '203.0.113.20',
  port_id: vm1.id,
  fixed_ip_address: '10.0.0.4',
  router_id: r.id,
});
const pfFip = floatingIp({
  id: id('f1a02'),
  floating_network_id: ext.id,
  floating_ip_address: '203.0.113.30',
  port_id: null,
  fixed_ip_address: null,
  router_id: r.id,
});
const pf = (name: string, over: Partial<PortForwarding>): PortForwarding => ({
  id: id(name),
  floatingip_id: pfFip.id,
  project_id: 'p1',
  protocol: 'tcp',
  internal_port_id: vm2.id,
  internal_ip_address: '10.0.0.5',
  external_port: null,
  internal_port: null,
  external_port_range: '2222:2222',
  internal_port_range: '22:22',
  description: '',
  ...over,
});
const ssh2 = pf('bf001', {});
const ssh3 = pf('bf002', { internal_port_id: vm3.id, internal_ip_address: '10.0.0.6', external_port_range: '2223:2223' });
const web = pf('bf003', {
  internal_port_id: vm3.id,
  internal_ip_address: '10.0.0.6',
  external_port_range: '8000:8010',
  internal_port_range: '80:90',
});
const dns = pf('bf004', { protocol: 'udp', external_port_range: '5300:5310', internal_port_range: '53:53' });
const ping = pf('bf005', { protocol: 'icmp', external_port_range: '1:1', internal_port_range: '1:1' });
const helper = (name: string, protocol: ConntrackHelper['protocol'], port: number, h: string): ConntrackHelper => ({
  id: id(name),
  router_id: r.id,
  project_id: 'p1',
  protocol,
  port,
  helper: h,
});
const ftp = helper('c7001', 'tcp', 21, 'ftp');
const tftp = helper('c7002', 'udp', 69, 'tftp');
const label = (name: string, project: string, shared = false): MeteringLabel => ({
  id: id(name),
  project_id: project,
  name,
  description: '',
  shared,
});
const own = label('1ab01', 'p1');
const shared = label('1ab02', 'admin', true);
const foreign = label('1ab03', 'p2');
const rule = (name: string, l: MeteringLabel, over: Partial<MeteringLabelRule>): MeteringLabelRule => ({
  id: id(name),
  metering_label_id: l.id,
  project_id: l.project_id,
  direction: 'egress',
  excluded: false,
  remote_ip_prefix: null,
  source_ip_prefix: null,
  destination_ip_prefix: null,
  ...over,
});
const rules = [
  rule('2ab01', own, { remote_ip_prefix: '10.0.0.0/24' }),
  rule('2ab02', own, { direction: 'ingress', remote_ip_prefix: '10.0.0.0/24' }),
  rule('2ab03', own, { source_ip_prefix: '10.0.0.5/32', destination_ip_prefix: '198.51.100.7/24', excluded: true }),
  rule('2ab04', own, { direction: 'ingress', destination_ip_prefix: '2001:db8:1::/64' }),
  rule('2ab05', own, { source_ip_prefix: '10.0.0.0/24', destination_ip_prefix: '2001:db8::/32' }),
  rule('2ab06', shared, { destination_ip_prefix: '0.0.0.0/0' }),
  rule('2ab07', foreign, { destination_ip_prefix: '0.0.0.0/0' }),
];

const replica = (over: { noGateway?: boolean } = {}) =>
  replicaOf({
    networks: [ext, net],
    subnets: [extSubnet, sub],
    ports: [qr, gw, vm1, vm2, vm3],
    routers: [over.noGateway ? { ...r, external_gateway_info: null, gw_port_id: null } : r],
    floatingips: [plainFip, pfFip],
    portForwardings: [ssh2, ssh3, web, dns, ping],
    conntrackHelpers: [ftp, tftp],
    meteringLabels: [own, shared, foreign],
    meteringLabelRules: rules,
    agents: [ovsAgent('network', '198.18.1.2')],
  });
const networkNode = settings('network', { roles: ['l2', 'l3'], tunnelIp: '198.18.1.2', bridgeMappings: { physnet1: 'br-ex' } });
const facts: HostFacts = { vifs: [qr, gw].map((p) => vif(p.id, tapDevice(p.id))), localVlans: new Map() };
const ns = routerNamespace(r.id);
const chain = (plan: HostPlan, name: string, family: 4 | 6 = 4) =>
  plan.iptables.find((c) => c.netns === ns && c.chain === name && c.family === family);

describe('compile() for the router extensions', () => {
  it('forwards ports, hands FTP and TFTP to their helpers and meters the gateway (golden)', () => {
    golden('network-l3-extensions', renderPlan(compile(replica(), facts, networkNode)));
  });

  it('DNATs each forwarding in its own chain, after the floating IPs, and answers the floating IP on qg-', () => {
    const plan = compile(replica(), facts, networkNode);
    assert.deepEqual(chain(plan, l3Chain('PREROUTING'))?.rules, [
      '-d 203.0.113.20/32 -j DNAT --to-destination 10.0.0.4',
      `-j ${l3Chain('fip-pf')}`,
    ]);
    assert.deepEqual(
      chain(plan, l3Chain('fip-pf'))?.rules,
      [ssh2, ssh3, web, dns].map((x) => `-j ${portForwardingChain(x.id)}`),
    );
    assert.deepEqual(chain(plan, portForwardingChain(web.id))?.rules, [
      '-d 203.0.113.30/32 -p tcp -m tcp --dport 8000:8010 -j DNAT --to-destination 10.0.0.6:80-90/8000',
    ]);
    assert.deepEqual(chain(plan, portForwardingChain(dns.id))?.rules, [
      '-d 203.0.113.30/32 -p udp -m udp --dport 5300:5310 -j DNAT --to-destination 10.0.0.5:53',
    ]);
    assert.equal(chain(plan, portForwardingChain(ping.id)), undefined, 'icmp has no ports to forward');
    assert.equal(portForwardingChain(web.id).length, 28);
    const qg = plan.servicePorts.find((p) => p.device === qgDevice(gw.id))!;
    assert.deepEqual(qg.addresses, ['203.0.113.10/24', '203.0.113.20/32', '203.0.113.30/32']);
    assert.deepEqual(
      plan.portForwardings?.map((x) => [x.protocol, x.externalPorts, x.internalIpAddress, x.internalPorts]),
      [
        ['tcp', '2222', '10.0.0.5', '22'],
        ['tcp', '2223', '10.0.0.6', '22'],
        ['tcp', '8000:8010', '10.0.0.6', '80:90'],
        ['udp', '5300:5310', '10.0.0.5', '53'],
      ],
    );
  });

  it('writes the helpers in the raw table of both families', () => {
    const plan = compile(replica(), facts, networkNode);
    for (const family of [4, 6] as const) {
      assert.deepEqual(chain(plan, l3Chain('cth'), family)?.hooks, ['PREROUTING']);
      assert.deepEqual(chain(plan, conntrackHelperChain(ftp.id), family)?.rules, ['-p tcp -m tcp --dport 21 -j CT --helper ftp']);
      assert.deepEqual(chain(plan, conntrackHelperChain(tftp.id), family)?.rules, [
        '-p udp -m udp --dport 69 -j CT --helper tftp',
      ]);
    }
  });

  it('meters as Neutron’s driver: excluded rules first, remote_ip_prefix as the source of egress, IPv6 in ip6tables', () => {
    const plan = compile(replica(), facts, networkNode);
    const qg = qgDevice(gw.id);
    assert.deepEqual(chain(plan, meteringChain('r', own.id))?.rules, [
      `-s 10.0.0.5/32 -d 198.51.100.0/24 -o ${qg} -j RETURN`,
      `-s 10.0.0.0/24 -o ${qg} -j ${meteringChain('l', own.id)}`,
      `-d 10.0.0.0/24 -i ${qg} -j ${meteringChain('l', own.id)}`,
    ]);
    assert.deepEqual(chain(plan, meteringChain('r', own.id), 6)?.rules, [
      `-d 2001:db8:1::/64 -i ${qg} -j ${meteringChain('l', own.id)}`,
    ]);
    assert.deepEqual(chain(plan, meteringChain('l', own.id))?.rules, ['']);
    assert.deepEqual(chain(plan, 'quark-meter-FORWARD')?.rules, [
      `-j ${meteringChain('r', own.id)}`,
      `-j ${meteringChain('r', shared.id)}`,
    ]);
    assert.equal(chain(plan, meteringChain('r', foreign.id)), undefined, 'another project’s label counts on its own routers');
    assert.ok(meteringChain('l', own.id).length <= 28);
  });

  it('keeps label chains without rules and forwards nothing without a gateway', () => {
    const plan = compile(replica({ noGateway: true }), facts, networkNode);
    assert.deepEqual(chain(plan, meteringChain('r', own.id))?.rules, []);
    assert.deepEqual(chain(plan, meteringChain('l', own.id))?.rules, ['']);
    assert.deepEqual(plan.portForwardings, []);
    assert.equal(chain(plan, l3Chain('fip-pf')), undefined);
  });
});
