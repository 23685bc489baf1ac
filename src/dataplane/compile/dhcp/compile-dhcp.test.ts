import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dhcpPortDeviceId } from '../../../model/names.js';
import type { Port } from '../../../model/resources.js';
import { id, network, ovsAgent, port, replicaOf, settings, subnet } from '../../testing/fixtures.js';
import { golden } from '../../testing/golden.js';
import { compile } from '../compile.js';
import { DEFAULT_DHCP_SETTINGS, EMPTY_FACTS, type HostSettings } from '../inputs.js';
import type { HostPlan } from '../plan.js';
import { renderNamespaces } from '../render-netns.js';

const render = (plan: HostPlan) => `${renderNamespaces(plan).join('\n')}\n`;
const host = 'network';
const dhcpSettings = (over: Partial<HostSettings> = {}) =>
  settings(host, { roles: ['l2', 'dhcp'], tunnelIp: '198.18.1.2', ...over });

function dhcpPort(portId: string, networkId: string, ips: Port['fixed_ips'], mac: string): Port {
  return port({
    id: portId,
    network_id: networkId,
    host,
    device_owner: 'network:dhcp',
    device_id: dhcpPortDeviceId(host, networkId),
    mac_address: mac,
    fixed_ips: ips,
  });
}

// The article: project test's network with one instance, project test1's network with the same
// cidr, two instances and a router interface; both served by the network node.
const netA = network({ id: id('aaaa1'), 'provider:segmentation_id': 100 });
const netB = network({ id: id('bbbb2'), project_id: 'p2', 'provider:segmentation_id': 101 });
const subA = subnet({ id: id('5a1'), network_id: netA.id, dns_nameservers: ['8.8.8.8', '8.8.4.4'] });
const subB = subnet({
  id: id('5b2'),
  network_id: netB.id,
  project_id: 'p2',
  host_routes: [{ destination: '192.168.100.0/24', nexthop: '10.0.0.254' }],
});
const dhcpA = dhcpPort(id('d0ca1'), netA.id, [{ subnet_id: subA.id, ip_address: '10.0.0.2' }], 'fa:16:3e:00:00:0a');
const dhcpB = dhcpPort(id('d0cb2'), netB.id, [{ subnet_id: subB.id, ip_address: '10.0.0.2' }], 'fa:16:3e:00:00:0b');
const vm1 = port({
  id: id('c0de1'),
  network_id: netA.id,
  host: 'compute1',
  mac_address: 'fa:16:3e:00:01:01',
  fixed_ips: [{ subnet_id: subA.id, ip_address: '10.0.0.3' }],
});
const vm2 = port({
  id: id('c0de2'),
  network_id: netB.id,
  host: 'compute1',
  mac_address: 'fa:16:3e:00:02:01',
  fixed_ips: [{ subnet_id: subB.id, ip_address: '10.0.0.3' }],
});
const vm3 = port({
  id: id('c0de3'),
  network_id: netB.id,
  host: 'compute2',
  mac_address: 'fa:16:3e:00:02:02',
  fixed_ips: [{ subnet_id: subB.id, ip_address: '10.0.0.10' }],
});
const routerB = port({
  id: id('9a7e2'),
  network_id: netB.id,
  host: 'network',
  device_owner: 'network:router_interface',
  mac_address: 'fa:16:3e:00:02:ff',
  fixed_ips: [{ subnet_id: subB.id, ip_address: '10.0.0.1' }],
});
const agents = [ovsAgent('compute1', '198.18.1.1'), ovsAgent('network', '198.18.1.2')];
const havana = replicaOf({
  networks: [netA, netB],
  subnets: [subA, subB],
  ports: [dhcpA, dhcpB, vm1, vm2, vm3, routerB],
  agents,
  dhcpNetworks: [netA.id, netB.id],
});

describe('compileDhcp', () => {
  it('serves the article two networks with the same cidr from two qdhcp namespaces (golden)', () => {
    const plan = compile(havana, EMPTY_FACTS, dhcpSettings());
    golden('dhcp-havana', render(plan));
    assert.deepEqual(
      plan.dnsmasq.map((d) => d.netns),
      [`qdhcp-${netA.id}`, `qdhcp-${netB.id}`],
    );
  });

  it('serves dual-stack and multi-subnet networks as Neutron does (golden)', () => {
    const net = network({ id: id('dddd4'), mtu: 1450, 'provider:network_type': 'vxlan' });
    const v4a = subnet({
      id: id('41a'),
      network_id: net.id,
      cidr: '10.1.0.0/24',
      gateway_ip: null,
      host_routes: [{ destination: '0.0.0.0/0', nexthop: '10.1.0.254' }],
      dns_nameservers: ['0.0.0.0'],
      created_at: '2026-01-01T00:00:01Z',
    });
    const v4b = subnet({
      id: id('41b'),
      network_id: net.id,
      cidr: '10.2.0.0/24',
      gateway_ip: '10.2.0.1',
      created_at: '2026-01-01T00:00:02Z',
    });
    const v4off = subnet({
      id: id('41c'),
      network_id: net.id,
      cidr: '10.3.0.0/24',
      enable_dhcp: false,
      created_at: '2026-01-01T00:00:03Z',
    });
    const v6 = (tag: string, cidr: string, mode: 'dhcpv6-stateful' | 'dhcpv6-stateless' | 'slaac', n: number) =>
      subnet({
        id: id(tag),
        network_id: net.id,
        ip_version: 6,
        cidr,
        gateway_ip: cidr.replace('::/64', '::1'),
        ipv6_address_mode: mode,
        ipv6_ra_mode: mode,
        dns_nameservers: n === 1 ? ['2001:db8::53'] : [],
        created_at: `2026-01-01T00:00:1${n}Z`,
      });
    const stateful = v6('61a', '2001:db8:1::/64', 'dhcpv6-stateful', 1);
    const stateless = v6('61b', '2001:db8:2::/64', 'dhcpv6-stateless', 2);
    const slaac = v6('61c', '2001:db8:3::/64', 'slaac', 3);
    const dhcp = dhcpPort(
      id('d0cd4'),
      net.id,
      [
        { subnet_id: v4a.id, ip_address: '10.1.0.2' },
        { subnet_id: v4b.id, ip_address: '10.2.0.2' },
        { subnet_id: stateful.id, ip_address: '2001:db8:1::2' },
        { subnet_id: stateless.id, ip_address: '2001:db8:2::f816:3eff:fe00:d' },
        { subnet_id: slaac.id, ip_address: '2001:db8:3::f816:3eff:fe00:d' },
      ],
      'fa:16:3e:00:00:0d',
    );
    const vm = port({
      id: id('c0de4'),
      network_id: net.id,
      host: 'compute1',
      mac_address: 'fa:16:3e:00:04:01',
      fixed_ips: [
        { subnet_id: v4a.id, ip_address: '10.1.0.7' },
        { subnet_id: v4off.id, ip_address: '10.3.0.7' },
        { subnet_id: stateful.id, ip_address: '2001:db8:1::7' },
        { subnet_id: stateless.id, ip_address: '2001:db8:2::f816:3eff:fe00:401' },
        { subnet_id: slaac.id, ip_address: '2001:db8:3::f816:3eff:fe00:401' },
      ],
    });
    const r = replicaOf({
      networks: [net],
      subnets: [v4a, v4b, v4off, stateful, stateless, slaac],
      ports: [dhcp, vm],
      agents,
      dhcpNetworks: [net.id],
    });
    const plan = compile(
      r,
      EMPTY_FACTS,
      dhcpSettings({ dhcp: { leaseSeconds: -1, domain: 'example.org', dnsServers: ['198.51.100.53'] } }),
    );
    golden('dhcp-dual-stack', render(plan));
  });

  it('serves nothing for networks the feed does not schedule here, admin-down ones, or before the port exists', () => {
    const onlyL2 = replicaOf({ networks: [netA], subnets: [subA], ports: [dhcpA, vm1], agents, dhcpNetworks: [] });
    assert.equal(compile(onlyL2, EMPTY_FACTS, dhcpSettings()).namespaces.length, 0);
    const down = replicaOf({
      networks: [{ ...netA, admin_state_up: false }],
      subnets: [subA],
      ports: [dhcpA],
      agents,
      dhcpNetworks: [netA.id],
    });
    assert.equal(compile(down, EMPTY_FACTS, dhcpSettings()).namespaces.length, 0);
    const noPort = replicaOf({ networks: [netA], subnets: [subA], ports: [vm1], agents, dhcpNetworks: [netA.id] });
    assert.equal(compile(noPort, EMPTY_FACTS, dhcpSettings()).namespaces.length, 0);
    const otherHost = replicaOf({
      networks: [netA],
      subnets: [subA],
      ports: [{ ...dhcpA, device_id: dhcpPortDeviceId('network2', netA.id) }],
      agents,
      dhcpNetworks: [netA.id],
    });
    assert.equal(compile(otherHost, EMPTY_FACTS, dhcpSettings()).namespaces.length, 0, "another agent's port");
    assert.equal(compile(havana, EMPTY_FACTS, dhcpSettings({ roles: ['l2'] })).dnsmasq.length, 0, 'no dhcp role');
  });

  it('offers no range on a subnet where the DHCP port has no address yet', () => {
    const subA2 = subnet({ id: id('5a3'), network_id: netA.id, cidr: '10.9.0.0/24', gateway_ip: '10.9.0.1' });
    const r = replicaOf({
      networks: [netA],
      subnets: [subA, subA2],
      ports: [dhcpA, vm1],
      agents,
      dhcpNetworks: [netA.id],
    });
    const [d] = compile(r, EMPTY_FACTS, dhcpSettings()).dnsmasq;
    assert.ok(d);
    assert.deepEqual(
      d.args.filter((a) => a.startsWith('--dhcp-range')),
      [`--dhcp-range=set:subnet-${subA.id},10.0.0.0,static,255.255.255.0,86400s`],
    );
  });

  it('changes only the files, not the command line, when ports come and go', () => {
    const before = compile(havana, EMPTY_FACTS, dhcpSettings()).dnsmasq[1]!;
    const more = replicaOf({
      networks: [netA, netB],
      subnets: [subA, subB],
      ports: [dhcpA, dhcpB, vm1, vm2, routerB],
      agents,
      dhcpNetworks: [netA.id, netB.id],
    });
    const after = compile(more, EMPTY_FACTS, dhcpSettings()).dnsmasq[1]!;
    assert.deepEqual(after.args, before.args);
    assert.notEqual(after.files.host, before.files.host);
  });

  it("hands a port's extra DHCP options to that port only, by name or number, for its IP versions", () => {
    const withOpts: Port = {
      ...vm1,
      extra_dhcp_opts: [
        { opt_name: 'domain-name', opt_value: 'example.test', ip_version: 4 },
        { opt_name: '42', opt_value: '10.0.0.123', ip_version: 4 },
        { opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 6 },
      ],
    };
    const replica = replicaOf({ networks: [netA], subnets: [subA], ports: [dhcpA, withOpts], agents, dhcpNetworks: [netA.id] });
    const d = compile(replica, EMPTY_FACTS, dhcpSettings()).dnsmasq[0]!;
    const host = d.files.host ?? '';
    assert.match(host, new RegExp(`^fa:16:3e:00:01:01,host-10-0-0-3.openstacklocal,10.0.0.3,set:port-${vm1.id}$`, 'm'));
    assert.match(host, /^fa:16:3e:00:00:0a,host-10-0-0-2.openstacklocal,10.0.0.2$/m, 'ports without options are untagged');
    const ports = (d.files.opts ?? '').split('\n').filter((l) => l.startsWith('tag:port-'));
    assert.deepEqual(ports, [`tag:port-${vm1.id},option:domain-name,example.test`, `tag:port-${vm1.id},42,10.0.0.123`]);
  });

  it("names an address by its port's dns_name when the agent's domain is not the default", () => {
    const named: Port = { ...vm1, dns_name: 'web1' };
    const replica = replicaOf({ networks: [netA], subnets: [subA], ports: [dhcpA, named], agents, dhcpNetworks: [netA.id] });
    const own = compile(replica, EMPTY_FACTS, dhcpSettings({ dhcp: { ...DEFAULT_DHCP_SETTINGS, domain: 'example.org' } }))
      .dnsmasq[0]!;
    assert.match(own.files.host ?? '', /^fa:16:3e:00:01:01,web1\.example\.org,10\.0\.0\.3$/m);
    assert.match(own.files.addn_hosts ?? '', /^10\.0\.0\.3\tweb1\.example\.org web1$/m);
    const plain = compile(replica, EMPTY_FACTS, dhcpSettings()).dnsmasq[0]!;
    assert.match(
      plain.files.host ?? '',
      /^fa:16:3e:00:01:01,host-10-0-0-3\.openstacklocal,10\.0\.0\.3$/m,
      'the default domain keeps host-<address>',
    );
  });
});
