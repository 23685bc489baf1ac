/**
 * Builders of complete records for compiler tests: each takes the fields a test cares about
 * and fills the rest as the server would. Ids are readable and stable so goldens stay stable.
 */
import type { Trunk } from '../../model/trunk.js';
import type {
  AddressGroup,
  ConntrackHelper,
  LocalIp,
  LocalIpAssociation,
  MeteringLabel,
  MeteringLabelRule,
  PortForwarding,
  Agent,
  FloatingIp,
  Network,
  NetworkLog,
  Port,
  Router,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
} from '../../model/resources.js';
import type { HostSettings, ObservedVif, ReplicaView } from '../compile/inputs.js';
import type { QosBandwidthLimitRule, QosDscpMarkingRule, QosPolicy } from '../../model/qos.js';

const STD = {
  description: '',
  tags: [],
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  revision_number: 1,
};

/** A uuid-shaped id whose first characters are readable: id('net1') → 'net10000-0000-…'. */
export function id(prefix: string): string {
  const hex = prefix.replace(/[^0-9a-f]/gi, (c) => (c.charCodeAt(0) % 16).toString(16)).toLowerCase();
  const full = (hex + '0'.repeat(32)).slice(0, 32);
  return `${full.slice(0, 8)}-${full.slice(8, 12)}-${full.slice(12, 16)}-${full.slice(16, 20)}-${full.slice(20)}`;
}

export function network(over: Partial<Network> & { id: string }): Network {
  return {
    ...STD,
    project_id: 'p1',
    name: over.id,
    admin_state_up: true,
    status: 'ACTIVE',
    shared: false,
    'router:external': false,
    mtu: 1458,
    port_security_enabled: true,
    'provider:network_type': 'gre',
    'provider:physical_network': null,
    'provider:segmentation_id': 100,
    availability_zone_hints: [],
    ...over,
  };
}

export function subnet(over: Partial<Subnet> & { id: string; network_id: string }): Subnet {
  return {
    ...STD,
    project_id: 'p1',
    name: over.id,
    ip_version: 4,
    cidr: '10.0.0.0/24',
    gateway_ip: '10.0.0.1',
    allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
    dns_nameservers: [],
    host_routes: [],
    enable_dhcp: true,
    ipv6_ra_mode: null,
    ipv6_address_mode: null,
    subnetpool_id: null,
    segment_id: null,
    service_types: [],
    ...over,
  };
}

export function port(over: Partial<Port> & { id: string; network_id: string; host: string }): Port {
  const { host, ...rest } = over;
  return {
    ...STD,
    project_id: 'p1',
    name: over.id,
    admin_state_up: true,
    mac_address: 'fa:16:3e:00:00:01',
    fixed_ips: [],
    device_id: '',
    device_owner: 'compute:nova',
    status: 'DOWN',
    security_groups: [],
    allowed_address_pairs: [],
    port_security_enabled: true,
    'binding:host_id': host,
    'binding:vif_type': host ? 'ovs' : 'unbound',
    'binding:vif_details': {},
    'binding:vnic_type': 'normal',
    'binding:profile': {},
    ...rest,
  };
}

export function router(over: Partial<Router> & { id: string }): Router {
  return {
    ...STD,
    project_id: 'p1',
    name: over.id,
    admin_state_up: true,
    status: 'ACTIVE',
    external_gateway_info: null,
    routes: [],
    gw_port_id: null,
    ...over,
  };
}

export function floatingIp(
  over: Partial<FloatingIp> & { id: string; floating_network_id: string; floating_ip_address: string },
): FloatingIp {
  return {
    ...STD,
    project_id: 'p1',
    subnet_id: null,
    port_id: null,
    fixed_ip_address: null,
    router_id: null,
    status: 'DOWN',
    floating_port_id: id(`f${over.id.slice(0, 4)}`),
    ...over,
  };
}

export function ovsAgent(host: string, tunnelIp: string, tunnelTypes = ['gre']): Agent {
  return {
    id: id(`a${host}`),
    agent_type: 'Open vSwitch agent',
    binary: 'quark-agent',
    host,
    topic: 'N/A',
    admin_state_up: true,
    heartbeat_timestamp: '2026-01-01 00:00:00',
    started_at: '2026-01-01 00:00:00',
    created_at: '2026-01-01 00:00:00',
    configurations: { tunneling_ip: tunnelIp, tunnel_types: tunnelTypes },
    description: '',
    availability_zone: null,
    resources_synced: null,
  };
}

/** A Linux bridge agent terminating VXLAN at `tunnelIp`, with physical interface mappings. */
export function linuxBridgeAgent(host: string, tunnelIp: string, interfaceMappings: Record<string, string> = {}): Agent {
  return {
    ...ovsAgent(host, tunnelIp, ['vxlan']),
    id: id(`b${host}`),
    agent_type: 'Linux bridge agent',
    binary: 'quark-linuxbridge-agent',
    configurations: { tunneling_ip: tunnelIp, tunnel_types: ['vxlan'], interface_mappings: interfaceMappings },
  };
}

export interface ReplicaRecords {
  networks?: Network[];
  subnets?: Subnet[];
  ports?: Port[];
  agents?: Agent[];
  routers?: Router[];
  floatingips?: FloatingIp[];
  securityGroups?: SecurityGroup[];
  securityGroupRules?: SecurityGroupRule[];
  addressGroups?: AddressGroup[];
  networkLogs?: NetworkLog[];
  portForwardings?: PortForwarding[];
  conntrackHelpers?: ConntrackHelper[];
  meteringLabels?: MeteringLabel[];
  meteringLabelRules?: MeteringLabelRule[];
  localIps?: LocalIp[];
  localIpAssociations?: LocalIpAssociation[];
  qosPolicies?: QosPolicy[];
  qosBandwidthLimitRules?: QosBandwidthLimitRule[];
  qosDscpMarkingRules?: QosDscpMarkingRule[];
  trunks?: Trunk[];
  /** Networks scheduled to the host's DHCP agent. */
  dhcpNetworks?: string[];
}

export function replicaOf(records: ReplicaRecords): ReplicaView {
  const map = <T extends { id: string }>(xs: T[] = []) => new Map(xs.map((x) => [x.id, x]));
  return {
    networks: map(records.networks),
    subnets: map(records.subnets),
    ports: map(records.ports),
    agents: map(records.agents),
    routers: map(records.routers),
    floatingips: map(records.floatingips),
    securityGroups: map(records.securityGroups),
    securityGroupRules: map(records.securityGroupRules),
    addressGroups: map(records.addressGroups),
    networkLogs: map(records.networkLogs),
    portForwardings: map(records.portForwardings),
    conntrackHelpers: map(records.conntrackHelpers),
    meteringLabels: map(records.meteringLabels),
    meteringLabelRules: map(records.meteringLabelRules),
    localIps: map(records.localIps),
    localIpAssociations: map(records.localIpAssociations),
    qosPolicies: map(records.qosPolicies),
    qosBandwidthLimitRules: map(records.qosBandwidthLimitRules),
    qosDscpMarkingRules: map(records.qosDscpMarkingRules),
    trunks: map(records.trunks),
    dhcpNetworks: new Set(records.dhcpNetworks ?? []),
  };
}

export function vif(portId: string, portName: string, ofport = 10): ObservedVif {
  return { bridge: 'br-int', portName, ifaceId: portId, ofport };
}

export function settings(host: string, over: Partial<HostSettings> = {}): HostSettings {
  return {
    host,
    roles: ['l2'],
    stateDir: '/var/lib/quark/agent',
    datapathType: 'netdev',
    tunnelIp: null,
    tunnelTypes: ['gre'],
    bridgeMappings: {},
    underlay: null,
    ...over,
  };
}

export function securityGroup(over: Partial<SecurityGroup> & { id: string }): SecurityGroup {
  return { ...STD, project_id: 'p1', name: over.id, stateful: true, ...over };
}

/** A rule with Neutron's defaults: IPv4, any protocol, any port, from anywhere. */
export function sgRule(over: Partial<SecurityGroupRule> & { id: string; security_group_id: string }): SecurityGroupRule {
  return {
    project_id: 'p1',
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: null,
    port_range_min: null,
    port_range_max: null,
    remote_ip_prefix: null,
    remote_group_id: null,
    description: '',
    created_at: STD.created_at,
    updated_at: STD.updated_at,
    revision_number: 1,
    ...over,
  };
}
