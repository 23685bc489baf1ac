/**
 * The havana lab run the fixtures were saved from, as the agents' replicas had it (same ids,
 * MACs, addresses), with the plans the real compiler makes for its two hosts, and a HostView
 * that answers from the saved outputs. Unit tests of the walk and of explain use it.
 */
import { compile } from '../../dataplane/compile/compile.js';
import type { HostSettings, ReplicaView } from '../../dataplane/compile/inputs.js';
import type { HostPlan } from '../../dataplane/compile/plan.js';
import {
  floatingIp,
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
} from '../../dataplane/testing/fixtures.js';
import { parseIpsetSave } from '../../dataplane/drivers/ipset.js';
import { type DumpedFlow, parseFlowLine } from '../../dataplane/drivers/ovs-ofctl.js';
import { tapDevice, qvoDevice } from '../../model/names.js';
import type { ExplainView, HostView, OvsPortView, RouteAnswer } from '../host-view.js';
import { parseDpctlShow } from '../datapath-actions.js';
import { parseIptablesSave } from '../iptables-save.js';
import { Labels } from '../labels.js';
import { fixture } from './fixtures.js';

const testNet = network({ id: '4629f45a-c461-4325-a3c9-f06f3d7504a6', name: 'test-net', 'provider:segmentation_id': 1 });
const test1Net = network({ id: 'b4c355d9-1f53-4d59-a665-b46819826a69', name: 'test1-net', 'provider:segmentation_id': 2 });
const publicNet = network({
  id: 'db8c079d-8b57-49ef-a120-552d6f98c3c5',
  name: 'public',
  project_id: 'admin',
  'router:external': true,
  'provider:network_type': 'flat',
  'provider:physical_network': 'physnet1',
  'provider:segmentation_id': null,
  mtu: 1500,
});
const testSubnet = subnet({ id: 'b92ae354-aaad-4cb7-acfa-d82e001254f1', network_id: testNet.id, name: 'test-subnet' });
const test1Subnet = subnet({ id: 'e305b924-4935-40cc-b231-36ec64fda464', network_id: test1Net.id, name: 'test1-subnet' });
const publicSubnet = subnet({
  id: '2a524dfa-a1e7-485c-b493-4a9bcef593b4',
  network_id: publicNet.id,
  cidr: '203.0.113.0/24',
  gateway_ip: '203.0.113.1',
  enable_dhcp: false,
});
const group = securityGroup({ id: '190a44a2-ca5b-4f83-98a6-7c6c6052dc3a', name: 'default', project_id: 'test1' });
const testGroup = securityGroup({ id: '7a411948-cdcb-462d-b902-2f4431caff68', name: 'default', project_id: 'test' });
const rules = [
  sgRule({
    id: '1c496112-7591-416e-b077-86dccc6032b3',
    security_group_id: testGroup.id,
    protocol: 'tcp',
    port_range_min: 22,
    port_range_max: 22,
  }),
  sgRule({ id: '7e09fb7b-09e8-48e0-92ee-4976a3daea65', security_group_id: testGroup.id, remote_group_id: testGroup.id }),
  sgRule({ id: 'c76b64f3-f105-4ee0-a6ea-cfc0ca19ba09', security_group_id: testGroup.id, protocol: 'icmp' }),
  sgRule({ id: '791c17b1-fd17-4527-b550-2daf3c31cdb6', security_group_id: testGroup.id, direction: 'egress' }),
  sgRule({ id: '356923d5-7997-4e3b-984f-4a490605d3fa', security_group_id: group.id, remote_group_id: group.id }),
  sgRule({ id: '84e7e899-c14b-4611-b3c1-8ee9deb3c255', security_group_id: group.id, direction: 'egress' }),
  sgRule({ id: '0664f495-55a2-4350-87ca-44b08901119f', security_group_id: group.id, protocol: 'icmp' }),
  sgRule({
    id: '9183198e-a7d1-4362-8455-c76ad854a54f',
    security_group_id: group.id,
    protocol: 'tcp',
    port_range_min: 22,
    port_range_max: 22,
  }),
];
const at = (ip: string, s: { id: string }) => [{ subnet_id: s.id, ip_address: ip }];
const routerId = '3a9566e2-2fa2-4e22-b92c-0fd29db53bfe';

export const HAVANA_PORTS = {
  vm1: port({
    id: 'e25e6b51-2919-4be7-aa7a-991ba00d1b60',
    name: 'vm1',
    network_id: testNet.id,
    host: 'compute',
    mac_address: 'fa:16:3e:51:8b:89',
    fixed_ips: at('10.0.0.3', testSubnet),
    security_groups: [testGroup.id],
    project_id: 'test',
  }),
  vm2: port({
    id: '270c41a8-db5b-4de9-988a-91db6dfcd364',
    name: 'vm2',
    network_id: test1Net.id,
    host: 'compute',
    mac_address: 'fa:16:3e:cb:43:7a',
    fixed_ips: at('10.0.0.2', test1Subnet),
    security_groups: [group.id],
    project_id: 'test1',
  }),
  vm3: port({
    id: '5c87b7a3-3ab0-4f19-89f5-5fdad0ba3d84',
    name: 'vm3',
    network_id: test1Net.id,
    host: 'compute',
    mac_address: 'fa:16:3e:4f:fb:cb',
    fixed_ips: at('10.0.0.3', test1Subnet),
    security_groups: [group.id],
    project_id: 'test1',
  }),
  dhcpTest: port({
    id: 'b3e10282-4462-4452-97d0-d77f24475fb6',
    network_id: testNet.id,
    host: 'network',
    device_owner: 'network:dhcp',
    mac_address: 'fa:16:3e:f9:99:e5',
    fixed_ips: at('10.0.0.2', testSubnet),
  }),
  dhcpTest1: port({
    id: '08eb8cbc-6fc5-4f0e-82a5-ef748e491803',
    network_id: test1Net.id,
    host: 'network',
    device_owner: 'network:dhcp',
    mac_address: 'fa:16:3e:1d:74:fa',
    fixed_ips: at('10.0.0.4', test1Subnet),
  }),
  qr: port({
    id: '6c893c94-c68d-455a-8ddd-ad972e7e511f',
    network_id: test1Net.id,
    host: 'network',
    device_owner: 'network:router_interface',
    device_id: routerId,
    mac_address: 'fa:16:3e:0c:33:2f',
    fixed_ips: at('10.0.0.1', test1Subnet),
  }),
  qg: port({
    id: 'd8aaac23-674d-42a5-9e5f-808e595f046e',
    network_id: publicNet.id,
    host: 'network',
    device_owner: 'network:router_gateway',
    device_id: routerId,
    mac_address: 'fa:16:3e:bb:74:16',
    fixed_ips: at('203.0.113.10', publicSubnet),
    project_id: '',
  }),
};

const testRouter = router({
  id: routerId,
  name: 'test1-router',
  project_id: 'test1',
  gw_port_id: HAVANA_PORTS.qg.id,
  external_gateway_info: { network_id: publicNet.id, enable_snat: true, external_fixed_ips: at('203.0.113.10', publicSubnet) },
});
const fip = floatingIp({
  id: '32080075-9cbb-4b2b-b0d6-b10486bafb0e',
  floating_network_id: publicNet.id,
  floating_ip_address: '203.0.113.11',
  fixed_ip_address: '10.0.0.3',
  port_id: HAVANA_PORTS.vm3.id,
  router_id: routerId,
});

export const HAVANA_REPLICA: ReplicaView = replicaOf({
  networks: [testNet, test1Net, publicNet],
  subnets: [testSubnet, test1Subnet, publicSubnet],
  ports: Object.values(HAVANA_PORTS),
  agents: [ovsAgent('compute', '198.18.1.12'), ovsAgent('network', '198.18.1.11')],
  routers: [testRouter],
  floatingips: [fip],
  securityGroups: [group, testGroup],
  securityGroupRules: rules,
  dhcpNetworks: [testNet.id, test1Net.id],
});

const underlay = { bridge: 'br-phy', interface: 'eth1' };
export const COMPUTE: HostSettings = settings('compute', { tunnelIp: '198.18.1.12', underlay });
export const NETWORK: HostSettings = settings('network', {
  roles: ['l2', 'dhcp', 'l3'],
  tunnelIp: '198.18.1.11',
  underlay,
  bridgeMappings: { physnet1: 'br-ex' },
});

const computeVifs = [HAVANA_PORTS.vm1, HAVANA_PORTS.vm2, HAVANA_PORTS.vm3].map((p) => vif(p.id, qvoDevice(p.id)));
const networkVifs = [HAVANA_PORTS.dhcpTest, HAVANA_PORTS.dhcpTest1, HAVANA_PORTS.qr, HAVANA_PORTS.qg].map((p) =>
  vif(p.id, tapDevice(p.id)),
);

/** The conntrack zones the lab's compute node had given its ports. */
const ZONES = new Map([
  ['tape25e6b51-29', 4097],
  ['tap270c41a8-db', 4098],
  ['tap5c87b7a3-3a', 4099],
]);

export function havanaPlan(host: 'compute' | 'network'): HostPlan {
  const vifs = host === 'compute' ? computeVifs : networkVifs;
  return compile(HAVANA_REPLICA, { vifs, localVlans: new Map(), conntrackZones: ZONES }, host === 'compute' ? COMPUTE : NETWORK);
}

/** The OVS ports a host has: its plan's ports and VIFs, and the interfaces the lab adds. */
function portsOf(plan: HostPlan, host: 'compute' | 'network'): OvsPortView[] {
  const base = { ofport: null, options: {}, externalIds: {}, otherConfig: {}, ifaceId: null, tag: null };
  const out: OvsPortView[] = plan.ovsPorts.map((p) => ({
    ...base,
    bridge: p.bridge,
    name: p.name,
    type: p.type,
    options: p.options,
    externalIds: p.externalIds,
  }));
  for (const v of plan.vifBindings)
    out.push({ ...base, bridge: v.bridge, name: v.portName, type: '', ifaceId: v.portId, tag: v.tag });
  out.push({ ...base, bridge: 'br-phy', name: 'eth1', type: '' });
  if (host === 'network') out.push({ ...base, bridge: 'br-ex', name: 'eth2', type: '' });
  return out;
}

/** Saved ofproto/trace outputs, by bridge, in_port and destination MAC. */
const TRACES: Readonly<Record<string, string>> = {
  'compute br-int qvo270c41a8-db fa:16:3e:4f:fb:cb': 'ofproto-local.txt',
  'compute br-int qvo270c41a8-db fa:16:3e:0c:33:2f': 'ofproto-to-tunnel.txt',
  'network br-tun gre-c612010c fa:16:3e:0c:33:2f': 'ofproto-from-tunnel.txt',
  'network br-int tapd8aaac23-67 d6:5d:d2:8b:52:93': 'ofproto-to-external.txt',
  'network br-ex eth2 fa:16:3e:bb:74:16': 'ofproto-from-external.txt',
};

export function havanaView(host: 'compute' | 'network', routes: (dst: string) => RouteAnswer = () => noRoute): HostView {
  const plan = havanaPlan(host);
  const settingsOf = host === 'compute' ? COMPUTE : NETWORK;
  const sets = new Map(parseIpsetSave(fixture('ipset-compute.txt'), ['Q']).map((s) => [s.name, [...s.members]]));
  return {
    host,
    settings: settingsOf,
    plan,
    labels: new Labels(HAVANA_REPLICA, plan),
    ovsPorts: async () => portsOf(plan, host),
    ofprotoTrace: async (bridge, flow) => {
      const inPort = /in_port=([^,]+)/.exec(flow)?.[1];
      const dst = /dl_dst=([^,]+)/.exec(flow)?.[1];
      const file = TRACES[`${host} ${bridge} ${inPort} ${dst}`];
      if (!file) throw new Error(`no saved trace for ${host} ${bridge} ${flow}`);
      return fixture(file);
    },
    datapathPorts: async () => parseDpctlShow(fixture(`dpctl-${host}.txt`)),
    flows: async () => [],
    iptables: async (netns) => parseIptablesSave(fixture(netns === null ? 'iptables-compute.txt' : 'iptables-router.txt')),
    ipsets: async () => sets,
    routeGet: async (_netns, dst) => routes(dst),
    neighbours: async () => [{ ip: '203.0.113.1', mac: 'd6:5d:d2:8b:52:93', dev: 'qg-d8aaac23-67' }],
    // An Open vSwitch host: no Linux bridges to read.
    bridgeLinks: async () => [],
    bridgeFdb: async () => [],
  };
}

const noRoute: RouteAnswer = { type: 'unreachable', dev: null, gateway: null, error: 'Network is unreachable' };

/** The compute node for explain: its flows, rules and sets as saved, and `edit` to drift them. */
export function havanaExplainView(
  edit: { flows?: (bridge: string, flows: DumpedFlow[]) => DumpedFlow[]; iptables?: (text: string) => string } = {},
): ExplainView {
  const view = havanaView('compute');
  const dumps: Record<string, string> = {
    'br-int': 'dump-flows-compute-br-int.txt',
    'br-tun': 'dump-flows-compute-br-tun.txt',
    'br-phy': 'dump-flows-compute-br-phy.txt',
  };
  const flows = (bridge: string) => {
    const file = dumps[bridge];
    const parsed = file
      ? fixture(file)
          .split('\n')
          .filter((l) => l.includes('cookie='))
          .map((l) => parseFlowLine(l.trim()))
      : [];
    return edit.flows ? edit.flows(bridge, parsed) : parsed;
  };
  return {
    ...view,
    flows: async (bridge) => flows(bridge),
    iptables: async (netns, family = 4) =>
      parseIptablesSave(netns === null && family === 4 ? (edit.iptables ?? ((t) => t))(fixture('iptables-compute.txt')) : ''),
    namespaces: async () => ['vm1', 'vm2', 'vm3'],
    interfaces: async (netns) => {
      const mac = { vm1: HAVANA_PORTS.vm1.mac_address, vm2: HAVANA_PORTS.vm2.mac_address, vm3: HAVANA_PORTS.vm3.mac_address }[
        netns ?? ''
      ];
      const links = mac ? [{ ifname: 'eth0', mtu: 1458, address: mac, operstate: 'UP', flags: [], ifindex: 2 }] : [];
      return { links, addresses: [] };
    },
    routes: async () => [],
    file: async () => null,
    dnsmasq: async () => null,
    dnsmasqDirs: async () => [],
    daemon: async () => null,
  };
}
