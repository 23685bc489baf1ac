/**
 * The resources of the Neutron v2.0 API as Quark stores them and sends them to agents.
 * Field names are Neutron's wire names, so a record is what `GET` returns minus the few
 * attributes computed at read time (a network's `subnets`, `tenant_id`).
 */

export type Status = 'ACTIVE' | 'DOWN' | 'BUILD' | 'ERROR';
/** Ports also have Neutron's 'N/A': a floating IP's port, which nothing ever plugs. */
export type PortStatus = Status | 'N/A';
export type NetworkType = 'gre' | 'vxlan' | 'flat' | 'vlan' | 'local';

/** Attributes every resource with Neutron's "standard attributes" carries. */
export interface StandardAttributes {
  readonly id: string;
  readonly project_id: string;
  readonly name: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision_number: number;
}

export interface Network extends StandardAttributes {
  readonly admin_state_up: boolean;
  readonly status: Status;
  readonly shared: boolean;
  readonly 'router:external': boolean;
  readonly mtu: number;
  readonly port_security_enabled: boolean;
  readonly 'provider:network_type': NetworkType;
  readonly 'provider:physical_network': string | null;
  readonly 'provider:segmentation_id': number | null;
  readonly availability_zone_hints: readonly string[];
}

export interface AllocationPool {
  readonly start: string;
  readonly end: string;
}

export interface HostRoute {
  readonly destination: string;
  readonly nexthop: string;
}

export type Ipv6Mode = 'slaac' | 'dhcpv6-stateful' | 'dhcpv6-stateless';

export interface Subnet extends StandardAttributes {
  readonly network_id: string;
  readonly ip_version: 4 | 6;
  readonly cidr: string;
  readonly gateway_ip: string | null;
  readonly allocation_pools: readonly AllocationPool[];
  readonly dns_nameservers: readonly string[];
  readonly host_routes: readonly HostRoute[];
  readonly enable_dhcp: boolean;
  readonly ipv6_ra_mode: Ipv6Mode | null;
  readonly ipv6_address_mode: Ipv6Mode | null;
  readonly subnetpool_id: string | null;
  readonly segment_id: string | null;
  readonly service_types: readonly string[];
}

export interface FixedIp {
  readonly subnet_id: string;
  readonly ip_address: string;
}

export interface AddressPair {
  readonly ip_address: string;
  readonly mac_address: string;
}

export type VifType = 'unbound' | 'ovs' | 'binding_failed';

export interface Port extends StandardAttributes {
  readonly network_id: string;
  readonly admin_state_up: boolean;
  readonly mac_address: string;
  readonly fixed_ips: readonly FixedIp[];
  readonly device_id: string;
  readonly device_owner: string;
  readonly status: PortStatus;
  readonly security_groups: readonly string[];
  readonly allowed_address_pairs: readonly AddressPair[];
  readonly port_security_enabled: boolean;
  readonly 'binding:host_id': string;
  readonly 'binding:vif_type': VifType;
  readonly 'binding:vif_details': Readonly<Record<string, unknown>>;
  readonly 'binding:vnic_type': string;
  readonly 'binding:profile': Readonly<Record<string, unknown>>;
}

export interface ExternalFixedIp {
  readonly subnet_id: string;
  readonly ip_address: string;
}

export interface ExternalGatewayInfo {
  readonly network_id: string;
  readonly enable_snat: boolean;
  readonly external_fixed_ips: readonly ExternalFixedIp[];
}

export interface Router extends StandardAttributes {
  readonly admin_state_up: boolean;
  readonly status: Status;
  readonly external_gateway_info: ExternalGatewayInfo | null;
  readonly routes: readonly HostRoute[];
  /** The id of the gateway port (`device_owner` network:router_gateway), not shown by the API. */
  readonly gw_port_id: string | null;
}

/** Floating IPs have no name in Neutron; every other standard attribute applies. */
export interface FloatingIp extends Omit<StandardAttributes, 'name'> {
  readonly floating_network_id: string;
  readonly floating_ip_address: string;
  readonly subnet_id: string | null;
  readonly port_id: string | null;
  readonly fixed_ip_address: string | null;
  readonly router_id: string | null;
  readonly status: Status;
  /** The port behind the address (`device_owner` network:floatingip), not shown by the API. */
  readonly floating_port_id: string;
}

export interface SecurityGroup extends StandardAttributes {
  readonly stateful: boolean;
}

export type Direction = 'ingress' | 'egress';
export type Ethertype = 'IPv4' | 'IPv6';

export interface SecurityGroupRule {
  readonly id: string;
  readonly project_id: string;
  readonly security_group_id: string;
  readonly direction: Direction;
  readonly ethertype: Ethertype;
  /** Lower-case name (tcp, udp, icmp, ipv6-icmp…) or a number as text; null means any. */
  readonly protocol: string | null;
  readonly port_range_min: number | null;
  readonly port_range_max: number | null;
  readonly remote_ip_prefix: string | null;
  readonly remote_group_id: string | null;
  /** The address group whose addresses the rule allows (security-groups-remote-address-group); absent in rules written before it: null. */
  readonly remote_address_group_id?: string | null;
  readonly description: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision_number: number;
}

/**
 * An address group (`address-group`): a named set of prefixes that security group rules name as
 * their remote end. Addresses are kept normalised (host bits cleared) and sorted as Neutron
 * shows them.
 */
export interface AddressGroup {
  readonly id: string;
  readonly project_id: string;
  readonly name: string;
  readonly description: string;
  readonly addresses: readonly string[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision_number: number;
}

export type LogEvent = 'ACCEPT' | 'DROP' | 'ALL';

/**
 * A network log (`logging`): which firewall events of which ports are written to the hosts' log
 * files. `resource_id` narrows it to the ports of one security group, `target_id` to one port;
 * neither logs every port of the project.
 */
export interface NetworkLog {
  readonly id: string;
  readonly project_id: string;
  readonly name: string;
  readonly description: string;
  readonly resource_type: 'security_group';
  readonly resource_id: string | null;
  readonly target_id: string | null;
  readonly event: LogEvent;
  readonly enabled: boolean;
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision_number: number;
}

export type AgentType = 'Open vSwitch agent' | 'DHCP agent' | 'L3 agent';

export interface Agent {
  readonly id: string;
  readonly agent_type: AgentType;
  readonly binary: string;
  readonly host: string;
  readonly topic: string;
  readonly admin_state_up: boolean;
  readonly heartbeat_timestamp: string;
  readonly started_at: string;
  readonly created_at: string;
  readonly configurations: Readonly<Record<string, unknown>>;
  readonly description: string;
  readonly availability_zone: string | null;
  readonly resources_synced: boolean | null;
  /**
   * Whether the servers count the agent alive for scheduling: set by every heartbeat, cleared by
   * a server that saw no heartbeat for agentDownTime (docs/scale-out.md). Stored, so that every
   * server schedules the same at the same revision. Absent on records written before it existed
   * (alive until a server clears it).
   */
  readonly alive?: boolean;
}

/** Device owners Neutron defines and Quark uses. */
export const DeviceOwner = {
  dhcp: 'network:dhcp',
  routerInterface: 'network:router_interface',
  routerGateway: 'network:router_gateway',
  floatingIp: 'network:floatingip',
} as const;

/** True for ports that Neutron's own services own (`network:*`), which anti-spoofing skips. */
export function isNetworkOwned(port: Pick<Port, 'device_owner'>): boolean {
  return port.device_owner.startsWith('network:');
}
