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
  /**
   * On the HA network of a project (Neutron's ha_router_networks), that project; not shown by
   * the API. Absent on every other network.
   */
  readonly ha_project_id?: string;
  /** dns-integration: the network's DNS domain ('' or absent: none). */
  readonly dns_domain?: string;
  /**
   * The DHCP agents an admin bound the network to by hand (POST/DELETE
   * /v2.0/agents/{id}/dhcp-networks); absent while the scheduler alone decides.
   */
  readonly dhcp_agents_by_hand?: readonly string[];
  /** The network's QoS policy (`qos`); absent in records written before QoS: none. */
  readonly qos_policy_id?: string | null;
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

/** `ovs`: plugged into br-int (hybrid plug); `bridge`: a tap in the network's Linux bridge (Linux bridge agent). */
export type VifType = 'unbound' | 'ovs' | 'bridge' | 'binding_failed';

/** A DHCP option given to one port (extra_dhcp_opt): by name (`domain-name`) or number (`15`). */
export interface ExtraDhcpOpt {
  readonly opt_name: string;
  readonly opt_value: string;
  readonly ip_version: 4 | 6;
}

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
  /**
   * On an HA port (`network:router_ha_interface`), the state its host's L3 agent last reported
   * for the router (Neutron's ha_router_agent_port_bindings.state); not shown by the API.
   */
  readonly ha_state?: HaState;
  /** Absent on ports stored before extra_dhcp_opt existed (none). */
  readonly extra_dhcp_opts?: readonly ExtraDhcpOpt[];
  /** dns-integration: the port's host name ('' or absent: host-<address>). */
  readonly dns_name?: string;
  /** `dns-domain-ports`: the port's own domain, for an external DNS service only. */
  readonly dns_domain?: string;
  /** The port's own QoS policy (`qos`), which wins over its network's; absent in records written before QoS: none. */
  readonly qos_policy_id?: string | null;
}

/** What an L3 agent reports for an HA router it hosts (Neutron's HA_ROUTER_STATE_*). */
export type HaState = 'active' | 'standby';

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
  /** `dvr` flag; absent on routers stored before it existed (read as false). */
  readonly distributed?: boolean;
  /** Highly available (l3-ha): keepalived on several L3 agents. Absent on records made before l3-ha: false. */
  readonly ha?: boolean;
  /** The VRRP router id of an HA router on its project's HA network (1–254), not shown by the API; 0 otherwise. */
  readonly ha_vr_id?: number;
  /** l3-flavors: the flavor the router was made with (null: none). */
  readonly flavor_id?: string | null;
  /** router_availability_zone hints; absent on routers stored before they existed. */
  readonly availability_zone_hints?: readonly string[];
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

/** The protocols a port forwarding or conntrack helper may name (neutron-lib's IPTABLES_PROTOCOL_MAP). */
export type L3Protocol = 'tcp' | 'udp' | 'sctp' | 'dccp' | 'icmp' | 'ipv6-icmp';

/**
 * A port forwarding of a floating IP (`floating-ip-port-forwarding` and its `-port-ranges`,
 * `-description` variants): connections to the floating IP on `external_port_range` of
 * `protocol` are DNATed to `internal_ip_address` on `internal_port_range`, an address of
 * `internal_port_id`. Ranges are `first:last` (one port: `22:22`); `external_port` and
 * `internal_port` are the single port when the range has one, null otherwise.
 */
export interface PortForwarding {
  readonly id: string;
  readonly floatingip_id: string;
  /** The floating IP's project: the forwarding belongs to whoever owns its floating IP. */
  readonly project_id: string;
  readonly protocol: L3Protocol;
  readonly internal_port_id: string;
  readonly internal_ip_address: string;
  readonly external_port: number | null;
  readonly internal_port: number | null;
  readonly external_port_range: string;
  readonly internal_port_range: string;
  readonly description: string;
}

/**
 * A metering label (`metering`): traffic through the external gateways of routers is counted
 * against it, by its rules. A label counts on every router of its project, or on every router
 * when `shared`.
 */
export interface MeteringLabel {
  readonly id: string;
  readonly project_id: string;
  readonly name: string;
  readonly description: string;
  readonly shared: boolean;
}

/**
 * A metering label rule: which packets crossing the gateway (`ingress`: arriving from the
 * external network, `egress`: leaving to it) count for the label, or (`excluded`) never count.
 * Either the legacy `remote_ip_prefix` or `source_ip_prefix`/`destination_ip_prefix`
 * (`metering_source_and_destination_fields`), kept as written.
 */
export interface MeteringLabelRule {
  readonly id: string;
  readonly metering_label_id: string;
  /** The label's project (rules are admin-only, as their labels). */
  readonly project_id: string;
  readonly direction: Direction;
  readonly excluded: boolean;
  readonly remote_ip_prefix: string | null;
  readonly source_ip_prefix: string | null;
  readonly destination_ip_prefix: string | null;
}

/**
 * A conntrack helper of a router (`l3-conntrack-helper`): connections through the router to
 * `port` of `protocol` are handed to the kernel's `helper` (ftp, tftp, sip…), which opens the
 * related connections the protocol announces inside its payload.
 */
export interface ConntrackHelper {
  readonly id: string;
  readonly router_id: string;
  /** The router's project. */
  readonly project_id: string;
  readonly protocol: L3Protocol;
  readonly port: number;
  readonly helper: string;
}

/**
 * A local IP (`local_ip`): an address every host answers, for the instances on it, with a port of
 * its own (a node-local cache, say). The address is held by `local_port_id` (a port made for it,
 * device_owner `network:local_ip`, or an existing one).
 */
export interface LocalIp {
  readonly id: string;
  readonly project_id: string;
  readonly name: string;
  readonly description: string;
  readonly local_port_id: string;
  readonly network_id: string;
  readonly local_ip_address: string;
  readonly ip_mode: 'translate' | 'passthrough';
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision_number: number;
}

/**
 * A local IP's association with a port: on the host of `fixed_port_id`, instances reaching the
 * local IP reach `fixed_ip` of that port (docs/l3.md). Stored as `<local ip id>:<fixed port id>`.
 */
export interface LocalIpAssociation {
  readonly id: string;
  readonly local_ip_id: string;
  /** The local IP's project. */
  readonly project_id: string;
  readonly fixed_port_id: string;
  readonly fixed_ip: string;
}

/**
 * Traffic counted for one metering label on one router, summed over the L3 agents' reports
 * (docs/metering.md). Not a Neutron resource: Neutron's metering agent sends its counts to the
 * notification bus; Quark keeps them and shows them at /v2.0/quark/metering and in /metrics.
 */
export interface MeteringCounter {
  /** `<label id>:<router id>`. */
  readonly id: string;
  readonly label_id: string;
  readonly router_id: string;
  /** The label's project. */
  readonly project_id: string;
  /** The host whose agent reported last. */
  readonly host: string;
  readonly pkts: number;
  readonly bytes: number;
  /** When the first and the last counts arrived (ISO 8601, the server's clock). */
  readonly first_update: string;
  readonly last_update: string;
}

export type AgentType = 'Open vSwitch agent' | 'Linux bridge agent' | 'DHCP agent' | 'L3 agent';

/** The L2 agents, one per host, each Neutron's agent_type of its mechanism. */
export const L2_AGENT_TYPES: readonly AgentType[] = ['Open vSwitch agent', 'Linux bridge agent'];

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
  /** An interface of an HA router: the same port is plugged into the router on every L3 agent hosting it. */
  haRouterInterface: 'network:ha_router_replicated_interface',
  routerGateway: 'network:router_gateway',
  /** An HA router's port on its project's HA network, one per L3 agent hosting the router (VRRP). */
  routerHaInterface: 'network:router_ha_interface',
  floatingIp: 'network:floatingip',
  localIp: 'network:local_ip',
} as const;

/** Owners of a router's interfaces on its subnets (Neutron's ROUTER_INTERFACE_OWNERS, without DVR). */
export const ROUTER_INTERFACE_OWNERS: ReadonlySet<string> = new Set([DeviceOwner.routerInterface, DeviceOwner.haRouterInterface]);

/** Whether the port is an interface of a router on one of its subnets (legacy or HA). */
export function isRouterInterface(port: Pick<Port, 'device_owner'>): boolean {
  return ROUTER_INTERFACE_OWNERS.has(port.device_owner);
}

/**
 * Owners of the ports a router stands on (neutron_lib's ROUTER_PORT_OWNERS, and the HA port):
 * they may hold a subnet's gateway and IPv6 router anycast address and take no SLAAC address.
 */
export function isRouterOwner(owner: string): boolean {
  return owner.startsWith('network:router') || owner === DeviceOwner.haRouterInterface;
}

/** Whether the router is HA (records made before l3-ha have no `ha`). */
export const isHaRouter = (router: Pick<Router, 'ha'>): boolean => router.ha === true;

/** True for ports that Neutron's own services own (`network:*`), which anti-spoofing skips. */
export function isNetworkOwned(port: Pick<Port, 'device_owner'>): boolean {
  return port.device_owner.startsWith('network:');
}

/**
 * An address scope: the subnet pools in it never overlap, so its addresses are unique across
 * the projects that use it. Neutron gives it no standard attributes (no description, tags,
 * timestamps or revision). `shared` is stored as "shared with every project" (a wildcard RBAC
 * policy exists); sharing with one project is an RBAC policy only.
 */
export interface AddressScope {
  readonly id: string;
  readonly project_id: string;
  readonly name: string;
  readonly ip_version: 4 | 6;
  readonly shared: boolean;
}

/** A subnet pool: prefixes that subnets are carved from, by size or by a cidr inside them. */
export interface SubnetPool extends StandardAttributes {
  readonly ip_version: 4 | 6;
  /** Compacted, in address order. */
  readonly prefixes: readonly string[];
  readonly min_prefixlen: number;
  readonly max_prefixlen: number;
  readonly default_prefixlen: number;
  /** Addresses (in units of /32 or /64) one project may take from the pool; null: no limit. */
  readonly default_quota: number | null;
  readonly is_default: boolean;
  readonly address_scope_id: string | null;
  /** Shared with every project (a wildcard RBAC policy exists). */
  readonly shared: boolean;
}

/** The network types a segment range can be of (neutron-lib's NETWORK_SEGMENT_RANGE_TYPES). */
export const SEGMENT_RANGE_TYPES = ['vlan', 'vxlan', 'gre', 'geneve'] as const;
export type SegmentRangeType = (typeof SEGMENT_RANGE_TYPES)[number];

/**
 * A network segment range (`network-segment-range`): segmentation ids of one type (and physical
 * network, for VLAN) that project networks are given from. A shared range serves every project
 * (its project_id is '' and shows as null); one that is not serves its project alone, before any
 * shared range. The `default` ranges are the configured ones (greIdRanges, vxlanVniRanges,
 * networkVlanRanges), read-only.
 */
export interface NetworkSegmentRange extends StandardAttributes {
  readonly default: boolean;
  readonly shared: boolean;
  readonly network_type: SegmentRangeType;
  readonly physical_network: string | null;
  readonly minimum: number;
  readonly maximum: number;
}

export type RbacObjectType = 'network' | 'security_group' | 'address_scope' | 'subnetpool' | 'qos_policy' | 'address_group';
export type RbacAction = 'access_as_shared' | 'access_as_external';

/** Neutron's RBAC policy: `object` is shared with (or external for) `target_project`, or '*'. */
export interface RbacPolicy {
  readonly id: string;
  /** Who made the policy: the object's owner, or an admin. */
  readonly project_id: string;
  readonly object_type: RbacObjectType;
  readonly object_id: string;
  readonly action: RbacAction;
  /** A project id, or '*' for every project. */
  readonly target_project: string;
}

/** A service flavor (`flavors`): a named choice among service profiles for one service type. */
export interface Flavor {
  readonly id: string;
  readonly project_id: string;
  readonly name: string;
  readonly description: string;
  /** A service plugin type: L3_ROUTER_NAT (routers) or FLAVORS. */
  readonly service_type: string;
  readonly enabled: boolean;
  readonly service_profiles: readonly string[];
}

/** A service profile: which driver implements a flavor, or free metadata for it. */
export interface ServiceProfile {
  readonly id: string;
  readonly project_id: string;
  readonly description: string;
  readonly driver: string;
  readonly metainfo: string;
  readonly enabled: boolean;
}
