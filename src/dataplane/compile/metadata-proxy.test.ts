import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dhcpPortDeviceId, l3Chain, metadataProxyStateDir, nsDevice, routerNamespace, tapDevice } from '../../model/names.js';
import type { Port } from '../../model/resources.js';
import { id, network, ovsAgent, port, replicaOf, router, settings, subnet, vif } from '../testing/fixtures.js';
import { golden } from '../testing/golden.js';
import { compile } from './compile.js';
import type { HostSettings, MetadataSettings, ReplicaView } from './inputs.js';
import type { HostPlan } from './plan.js';
import { renderNamespaces } from './render-netns.js';

// Network A is behind router R (its gateway is R's interface); network B has no router.
const host = 'network';
const netA = network({ id: id('aaaa1'), 'provider:segmentation_id': 100 });
const netB = network({ id: id('bbbb2'), 'provider:segmentation_id': 101 });
const subA = subnet({ id: id('5a1'), network_id: netA.id, cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' });
const subB = subnet({ id: id('5b2'), network_id: netB.id, cidr: '10.1.0.0/24', gateway_ip: '10.1.0.1' });
const rId = id('a0071');
const qr = port({
  id: id('9a1a1'),
  network_id: netA.id,
  host,
  device_owner: 'network:router_interface',
  device_id: rId,
  mac_address: 'fa:16:3e:00:01:01',
  fixed_ips: [{ subnet_id: subA.id, ip_address: '10.0.0.1' }],
});
const dhcp = (net: string, sub: string, ip: string, mac: string): Port =>
  port({
    id: id(`d0c${net.slice(0, 2)}`),
    network_id: net,
    host,
    device_owner: 'network:dhcp',
    device_id: dhcpPortDeviceId(host, net),
    mac_address: mac,
    fixed_ips: [{ subnet_id: sub, ip_address: ip }],
  });
const dhcpA = dhcp(netA.id, subA.id, '10.0.0.2', 'fa:16:3e:00:00:0a');
const dhcpB = dhcp(netB.id, subB.id, '10.1.0.2', 'fa:16:3e:00:00:0b');
const replica: ReplicaView = replicaOf({
  networks: [netA, netB],
  subnets: [subA, subB],
  ports: [qr, dhcpA, dhcpB],
  routers: [router({ id: rId })],
  agents: [ovsAgent(host, '198.18.1.2')],
  dhcpNetworks: [netA.id, netB.id],
});
const facts = { vifs: [qr, dhcpA, dhcpB].map((p) => vif(p.id, tapDevice(p.id))), localVlans: new Map() };
const metadata = (over: Partial<MetadataSettings> = {}): MetadataSettings => ({
  enabled: true,
  socket: '/var/lib/quark/agent/metadata_proxy',
  port: 9697,
  enableIsolatedMetadata: true,
  forceMetadata: false,
  ...over,
});
const node = (over: Partial<HostSettings> = {}) =>
  settings(host, { roles: ['l2', 'dhcp', 'l3'], tunnelIp: '198.18.1.2', metadata: metadata(), ...over });
const render = (plan: HostPlan) => `${renderNamespaces(plan).join('\n')}\n`;
const chain = (plan: HostPlan, netns: string, name: Parameters<typeof l3Chain>[0]) =>
  plan.iptables.find((c) => c.netns === netns && c.chain === l3Chain(name));

describe('compile() with metadata proxies', () => {
  it('a router proxies 169.254.169.254 to its haproxy; an isolated network proxies it in qdhcp (golden)', () => {
    golden('network-metadata', render(compile(replica, facts, node())));
  });

  it("redirects requests from the router's interfaces to the proxy, as Neutron's metadata driver", () => {
    const plan = compile(replica, facts, node());
    const ns = routerNamespace(rId);
    assert.deepEqual(chain(plan, ns, 'PREROUTING')?.rules, [
      '-d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697',
    ]);
    assert.deepEqual(chain(plan, ns, 'OUTPUT')?.rules, [], 'the router itself is not redirected');
    assert.deepEqual(chain(plan, ns, 'mark')?.rules, [
      '-d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x1/0xffff',
    ]);
    assert.deepEqual(chain(plan, ns, 'INPUT')?.rules, [
      '-m mark --mark 0x1/0xffff -j ACCEPT',
      '-p tcp -m tcp --dport 9697 -j DROP',
    ]);
    assert.deepEqual(chain(plan, ns, 'FORWARD')?.rules, ['-m mark --mark 0x1/0xffff -j DROP']);
    const proxy = plan.daemons.find((d) => d.netns === ns)!;
    assert.equal(proxy.service, 'haproxy');
    assert.equal(proxy.dir, metadataProxyStateDir('/var/lib/quark/agent', rId));
    const cfg = proxy.files['haproxy.cfg']!;
    assert.match(cfg, /bind 0\.0\.0\.0:9697\n/);
    assert.match(cfg, /server metadata \/var\/lib\/quark\/agent\/metadata_proxy\n/);
    assert.match(cfg, /http-request del-header X-Neutron-Network-ID\n {4}http-request set-header X-Neutron-Router-ID a0071000-/);
  });

  it('serves metadata from qdhcp only for the isolated network, with the host route to the DHCP port', () => {
    const plan = compile(replica, facts, node());
    const inQdhcp = plan.daemons.filter((d) => d.netns.startsWith('qdhcp-'));
    assert.deepEqual(
      inQdhcp.map((d) => d.origin.id),
      [netB.id],
    );
    assert.match(
      inQdhcp[0]!.files['haproxy.cfg']!,
      /bind 169\.254\.169\.254:80\n[\s\S]*set-header X-Neutron-Network-ID bbbb2000-/,
    );
    const devB = plan.servicePorts.find((p) => p.device === nsDevice(dhcpB.id))!;
    assert.deepEqual(devB.addresses, ['10.1.0.2/24', '169.254.169.254/32']);
    const optsB = plan.dnsmasq.find((d) => d.networkId === netB.id)!.files.opts!;
    assert.match(optsB, /classless-static-route,169\.254\.169\.254\/32,10\.1\.0\.2,0\.0\.0\.0\/0,10\.1\.0\.1/);
    const optsA = plan.dnsmasq.find((d) => d.networkId === netA.id)!.files.opts!;
    assert.ok(!optsA.includes('169.254.169.254'), 'the routed network reaches metadata through its router');
  });

  it('force_metadata serves every network from qdhcp; without settings nothing changes', () => {
    const forced = compile(replica, facts, node({ metadata: metadata({ forceMetadata: true }) }));
    assert.equal(forced.daemons.filter((d) => d.netns.startsWith('qdhcp-')).length, 2);
    const off = compile(replica, facts, node({ metadata: undefined }));
    assert.deepEqual(off.daemons, []);
    assert.equal(chain(off, routerNamespace(rId), 'INPUT'), undefined);
    const isolatedOff = compile(replica, facts, node({ metadata: metadata({ enableIsolatedMetadata: false }) }));
    assert.deepEqual(
      isolatedOff.daemons.map((d) => d.netns),
      [routerNamespace(rId)],
    );
  });
});
