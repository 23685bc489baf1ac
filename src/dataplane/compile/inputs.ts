/**
 * What the compiler reads: the agent's replica of the intent that concerns its host, facts
 * observed on the host that intent cannot know (which VIFs are plugged, which local VLANs are
 * in use), and the host's settings. All plain data.
 */
import type {
  AddressGroup,
  Agent,
  ConntrackHelper,
  FloatingIp,
  LocalIp,
  LocalIpAssociation,
  MeteringLabel,
  MeteringLabelRule,
  Network,
  NetworkLog,
  Port,
  PortForwarding,
  Router,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
} from '../../model/resources.js';
import type { TunnelType } from '../../model/names.js';
import type { QosBandwidthLimitRule, QosDscpMarkingRule, QosPolicy } from '../../model/qos.js';
import type { Trunk } from '../../model/trunk.js';
import type { DatapathType } from './plan.js';
import type { AgentRole } from '../../model/feed.js';

export interface ReplicaView {
  readonly networks: ReadonlyMap<string, Network>;
  readonly subnets: ReadonlyMap<string, Subnet>;
  readonly ports: ReadonlyMap<string, Port>;
  readonly agents: ReadonlyMap<string, Agent>;
  readonly routers: ReadonlyMap<string, Router>;
  readonly floatingips: ReadonlyMap<string, FloatingIp>;
  readonly securityGroups: ReadonlyMap<string, SecurityGroup>;
  readonly securityGroupRules: ReadonlyMap<string, SecurityGroupRule>;
  /** Address groups named by the host's rules (absent in replicas made before address groups). */
  readonly addressGroups?: ReadonlyMap<string, AddressGroup>;
  /** Network logs of the host's ports. */
  readonly networkLogs?: ReadonlyMap<string, NetworkLog>;
  /** Port forwardings of the floating IPs of the host's routers (absent in replicas made before them). */
  readonly portForwardings?: ReadonlyMap<string, PortForwarding>;
  /** Conntrack helpers of the host's routers. */
  readonly conntrackHelpers?: ReadonlyMap<string, ConntrackHelper>;
  /** Metering labels that count on the host's routers (their projects' and the shared ones), with their rules. */
  readonly meteringLabels?: ReadonlyMap<string, MeteringLabel>;
  readonly meteringLabelRules?: ReadonlyMap<string, MeteringLabelRule>;
  /** Local IPs associated with the host's ports, and those associations (l2). */
  readonly localIps?: ReadonlyMap<string, LocalIp>;
  readonly localIpAssociations?: ReadonlyMap<string, LocalIpAssociation>;
  /** The QoS policies that apply to the host's ports, with the rules the host enforces (l2; docs/qos.md). */
  readonly qosPolicies?: ReadonlyMap<string, QosPolicy>;
  readonly qosBandwidthLimitRules?: ReadonlyMap<string, QosBandwidthLimitRule>;
  readonly qosDscpMarkingRules?: ReadonlyMap<string, QosDscpMarkingRule>;
  /** Trunks whose parent port is bound to the host (l2; absent in replicas made before trunks). */
  readonly trunks?: ReadonlyMap<string, Trunk>;
  /**
   * Networks scheduled to this host's DHCP agent (the feed says which; the l2 and l3 roles
   * bring other networks into the replica too). Empty without the dhcp role.
   */
  readonly dhcpNetworks: ReadonlySet<string>;
}

/** An OVS interface that carries `external_ids:iface-id`: something plugged a port here. */
export interface ObservedVif {
  readonly bridge: string;
  readonly portName: string;
  readonly ifaceId: string;
  readonly ofport: number | null;
}

export interface HostFacts {
  readonly vifs: readonly ObservedVif[];
  /** Local VLANs found on the host (from br-int ports' other_config), by network id. */
  readonly localVlans: ReadonlyMap<string, number>;
  /**
   * Conntrack zones the firewall already gave ports, by device (tap…), so zones survive agent
   * restarts (read from the raw table) and never change under a live connection.
   */
  readonly conntrackZones?: ReadonlyMap<string, number>;
  /**
   * What keepalived says of each HA router here, by router id (its state file); absent: not
   * known yet (keepalived not started), which the plan treats as backup.
   */
  readonly haStates?: ReadonlyMap<string, VrrpState>;
  /**
   * Linux bridge mechanism: the tap devices on the host (instances' and the outer ends of DHCP
   * and router ports), which is how that agent finds plugged ports.
   */
  readonly taps?: readonly string[];
  /** Open vSwitch: the interface types ovs-vswitchd can open (its `iface_types`). */
  readonly ovsIfaceTypes?: readonly string[];
  /** Open vSwitch: interfaces ovs-vswitchd could not open, with its error, by name. */
  readonly ovsInterfaceErrors?: ReadonlyMap<string, string>;
}

/** keepalived's state of a VRRP instance, as its notify script writes it. */
export type VrrpState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

/** The userspace datapath tunnels through an OVS bridge that owns the underlay interface. */
export interface UnderlaySettings {
  readonly bridge: string;
  readonly interface: string;
}

/**
 * The host's L2 mechanism (ML2's mechanism drivers): `openvswitch` (br-int, br-tun, the hybrid
 * plug) or `linuxbridge` (a Linux bridge per network, VXLAN devices, taps in the bridges).
 */
export type L2MechanismName = 'openvswitch' | 'linuxbridge';

/**
 * How the L2 role enforces security groups (Neutron's `firewall_driver`): `iptables_hybrid` on
 * the hybrid plug's qbr (Open vSwitch), `iptables` on the network's bridge (Linux bridge).
 */
export type FirewallDriverName = 'iptables_hybrid' | 'iptables' | 'noop';

export interface HostSettings {
  readonly host: string;
  /** What this host's agent does; each role adds its part of the plan. */
  readonly roles: readonly AgentRole[];
  /** Where the agent keeps per-network and per-router files (dnsmasq hosts and options…). */
  readonly stateDir: string;
  readonly datapathType: DatapathType;
  readonly tunnelIp: string | null;
  readonly tunnelTypes: readonly TunnelType[];
  /** Physical network → OVS bridge carrying it (`physnet1: br-ex`). */
  readonly bridgeMappings: Readonly<Record<string, string>>;
  readonly underlay: UnderlaySettings | null;
  /** The DHCP role's settings; DEFAULT_DHCP_SETTINGS when absent. */
  readonly dhcp?: DhcpSettings;
  /** Default: iptables_hybrid with Open vSwitch, iptables with Linux bridge. */
  readonly firewallDriver?: FirewallDriverName;
  /** Default: openvswitch. */
  readonly mechanism?: L2MechanismName;
  /**
   * Userspace datapath: OVS opens the underlay interface through AF_XDP (`afxdp-nonpmd`, generic
   * XDP) where ovs-vswitchd offers it (`auto`), or through AF_PACKET (`off`, the default: see
   * docs/flows.md for what each costs).
   */
  readonly afxdp?: 'auto' | 'off';
  /**
   * Linux bridge only: physical network → the host interface that carries it
   * (`physnet1: eth2`, Neutron's physical_interface_mappings).
   */
  readonly interfaceMappings?: Readonly<Record<string, string>>;
  /** The L3 role's router advertisements; DEFAULT_RA_SETTINGS when absent. */
  readonly ra?: RouterAdvertisementSettings;
  /** Metadata proxies in the agent's namespaces; none when absent. */
  readonly metadata?: MetadataSettings;
  /** keepalived of the L3 role's HA routers; DEFAULT_HA_SETTINGS when absent. */
  readonly ha?: HaSettings;
  /** How security group events are logged; DEFAULT_SECURITY_GROUP_LOG_SETTINGS when absent. */
  readonly securityGroupLog?: SecurityGroupLogSettings;
}

/** The vif_type the server gives ports bound to a host of this mechanism. */
export function vifTypeOf(settings: Pick<HostSettings, 'mechanism'>): 'ovs' | 'bridge' {
  return settings.mechanism === 'linuxbridge' ? 'bridge' : 'ovs';
}

/** How the L3 and DHCP roles proxy 169.254.169.254 (Neutron's options of the same names). */
export interface MetadataSettings {
  /** A proxy in every router (`enable_metadata_proxy`). */
  readonly enabled: boolean;
  /** The host's metadata agent, which the proxies hand requests to (`metadata_proxy_socket`). */
  readonly socket: string;
  /** Where a router's proxy listens, behind the redirect of port 80 (`metadata_port`). */
  readonly port: number;
  /** A proxy in the qdhcp namespace of networks with a subnet no router serves (`enable_isolated_metadata`). */
  readonly enableIsolatedMetadata: boolean;
  /** A proxy in every qdhcp namespace, and the route to it for every IPv4 subnet (`force_metadata`). */
  readonly forceMetadata: boolean;
}

/** How radvd advertises routers (Neutron's L3 agent options of the same names). */
export interface RouterAdvertisementSettings {
  /** Seconds, at least (`min_rtr_adv_interval`). */
  readonly minInterval: number;
  /** Seconds, at most (`max_rtr_adv_interval`). */
  readonly maxInterval: number;
}

export const DEFAULT_RA_SETTINGS: RouterAdvertisementSettings = { minInterval: 30, maxInterval: 100 };

/** How keepalived runs the VRRP of HA routers (Neutron's L3 agent options `ha_vrrp_*`). */
export interface HaSettings {
  /**
   * Seconds between VRRP advertisements (`ha_vrrp_advert_int`, Neutron's default 2): a standby
   * takes over about 3.2 intervals after the active node stops advertising. Fractions need
   * VRRPv3, which Quark always speaks.
   */
  readonly advertInterval: number;
}

export const DEFAULT_HA_SETTINGS: HaSettings = { advertInterval: 0.5 };

/**
 * Security group logging (docs/security-group-logging.md): the NFLOG group the firewall sends
 * events to, and Neutron's `[network_log] rate_limit` / `burst_limit` (packets per second per
 * log rule, and the burst allowed above it).
 */
export interface SecurityGroupLogSettings {
  readonly nflogGroup: number;
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export const DEFAULT_SECURITY_GROUP_LOG_SETTINGS: SecurityGroupLogSettings = { nflogGroup: 13, rateLimit: 100, burstLimit: 25 };

/** How this host's dnsmasq processes serve their networks (Neutron's DHCP agent options). */
export interface DhcpSettings {
  /** Lease time in seconds handed to clients; -1 for infinite (`dhcp_lease_duration`). */
  readonly leaseSeconds: number;
  /** Domain of the host names in the hosts file and of DHCP option 15 (`dns_domain`). */
  readonly domain: string;
  /** Upstream DNS servers dnsmasq forwards to (`dnsmasq_dns_servers`); none: local names only. */
  readonly dnsServers: readonly string[];
}

export const DEFAULT_DHCP_SETTINGS: DhcpSettings = { leaseSeconds: 86400, domain: 'openstacklocal', dnsServers: [] };

export const EMPTY_FACTS: HostFacts = { vifs: [], localVlans: new Map() };
