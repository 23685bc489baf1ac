/**
 * A host plan: everything one host must have for the intent it serves, as plain data. The
 * compiler produces it without I/O; each driver observes the part it owns, compares it with
 * the plan by key, and applies the difference in one batch. Every item says which API object
 * caused it (`origin`), so explain and trace can go from a flow or a rule back to a port,
 * router or security group.
 */

/** The API object an item exists for. `host` items serve the host itself (bridges, patches). */
export interface Origin {
  readonly kind:
    | 'host'
    | 'network'
    | 'port'
    | 'router'
    | 'floatingip'
    | 'security_group'
    | 'subnet'
    | 'address_group'
    | 'port_forwarding'
    | 'conntrack_helper'
    | 'metering_label'
    | 'local_ip'
    | 'trunk';
  readonly id: string;
}

export type DatapathType = 'system' | 'netdev';

/** An OVS bridge the agent owns (br-int, br-tun, br-phy, provider bridges). */
export interface BridgeItem {
  readonly kind: 'bridge';
  readonly name: string;
  readonly datapathType: DatapathType;
  readonly failMode: 'secure' | 'standalone';
  readonly protocols: readonly string[];
  readonly origin: Origin;
}

export type OvsPortType = 'internal' | 'patch' | 'gre' | 'vxlan' | 'system' | 'afxdp-nonpmd';

/** A port the agent creates on one of its bridges (patches, tunnels, internal ports). */
export interface OvsPortItem {
  readonly kind: 'ovsPort';
  readonly bridge: string;
  readonly name: string;
  readonly type: OvsPortType;
  readonly options: Readonly<Record<string, string>>;
  readonly tag: number | null;
  readonly externalIds: Readonly<Record<string, string>>;
  readonly origin: Origin;
}

/**
 * How the agent wires a port that something else plugged (a VIF: qvo…, or a DHCP/router
 * device): its local VLAN tag and the mapping kept in other_config so a restarted agent finds
 * the same VLANs again. Applied only when the port exists.
 */
export interface VifBindingItem {
  readonly kind: 'vifBinding';
  readonly bridge: string;
  /** The OVS port name (qvo…, tap…, qr-…). */
  readonly portName: string;
  readonly portId: string;
  readonly tag: number;
  readonly otherConfig: Readonly<Record<string, string>>;
  readonly origin: Origin;
}

/** One OpenFlow flow, in ovs-ofctl syntax. The cookie encodes the origin (see cookies.ts). */
export interface FlowItem {
  readonly kind: 'flow';
  readonly bridge: string;
  readonly table: number;
  readonly priority: number;
  /** Match fields, e.g. `in_port=patch-int,dl_vlan=1`; '' matches everything. */
  readonly match: string;
  readonly actions: string;
  readonly cookie: bigint;
  readonly origin: Origin;
}

/** A network namespace the agent owns on this host (qdhcp-…, qrouter-…). */
export interface NetnsItem {
  readonly kind: 'netns';
  readonly name: string;
  readonly origin: Origin;
}

/**
 * A device through which a namespace joins br-int, as Neutron's interface driver plugs DHCP and
 * router ports with ovs_use_veth: a veth pair whose outer end (`tap…`) is an OVS port carrying
 * the port's iface-id, so the L2 part wires it like any VIF, and whose inner end (`ns-…`,
 * `qr-…`, `qg-…`) lives in the namespace with the port's MAC, MTU and addresses.
 */
export interface ServicePortItem {
  readonly kind: 'servicePort';
  readonly netns: string;
  /** Name inside the namespace. */
  readonly device: string;
  /** Name of the outer end on br-int. */
  readonly bridgePort: string;
  readonly bridge: string;
  readonly portId: string;
  readonly mac: string;
  readonly mtu: number;
  /** Addresses with prefix length, e.g. 10.0.0.1/24: the agent makes the device's global addresses exactly these… */
  readonly addresses: readonly string[];
  /**
   * …besides these, which keepalived adds while its HA router is active here and removes when
   * it is not: the agent neither adds nor removes them (absent: none).
   */
  readonly vips?: readonly string[];
  /**
   * False on an HA router's devices: the kernel makes no IPv6 link-local address
   * (`addrgenmode none`), since every hosting node has the same MAC; keepalived holds it as a
   * VIP on the active node only (absent: true).
   */
  readonly linkLocal?: boolean;
  /** Send gratuitous ARP for IPv4 addresses when they are added (router ports). */
  readonly announce: boolean;
  readonly origin: Origin;
}

export interface RouteItem {
  readonly kind: 'route';
  readonly netns: string;
  /** `default` or a prefix. */
  readonly destination: string;
  readonly via: string | null;
  readonly device: string | null;
  readonly origin: Origin;
}

export interface SysctlItem {
  readonly kind: 'sysctl';
  readonly netns: string;
  readonly key: string;
  readonly value: string;
  readonly origin: Origin;
}

export type IptablesTable = 'filter' | 'nat' | 'raw' | 'mangle';

/**
 * One iptables chain the agent owns, with all its rules in order (iptables-save syntax after
 * `-A <chain>`). Built-in chains are never owned; the agent hooks its top chains into them
 * with one jump each (see `hooks`).
 */
export interface IptablesChainItem {
  readonly kind: 'iptablesChain';
  readonly netns: string | null;
  readonly family: 4 | 6;
  readonly table: IptablesTable;
  readonly chain: string;
  readonly rules: readonly string[];
  /** Built-in chains that jump to this chain first (e.g. FORWARD). */
  readonly hooks: readonly string[];
  readonly origin: Origin;
}

/** An ipset of addresses (remote security group members), kept in place as members change. */
export interface IpsetItem {
  readonly kind: 'ipset';
  readonly netns: string | null;
  readonly name: string;
  readonly family: 4 | 6;
  readonly members: readonly string[];
  readonly origin: Origin;
}

/**
 * One dnsmasq serving one network inside its qdhcp namespace: its command line and the
 * contents of the files it reads (hosts, addn_hosts, opts). The driver writes the files,
 * starts dnsmasq when it is not running or its command line changed, and sends SIGHUP when
 * only the files changed. dnsmasq itself writes `pid`, `leases` and `log` in the same directory.
 */
export interface DnsmasqItem {
  readonly kind: 'dnsmasq';
  readonly netns: string;
  readonly networkId: string;
  /** The interface dnsmasq serves (inside netns). */
  readonly device: string;
  /** The network's state directory (`<stateDir>/dhcp/<network id>`); the args name files in it. */
  readonly dir: string;
  /** Arguments after `dnsmasq`, with absolute paths: exactly what runs. */
  readonly args: readonly string[];
  /** File name (in `dir`) → content. */
  readonly files: Readonly<Record<string, string>>;
  readonly origin: Origin;
}

/** A daemon the agent runs in one of its namespaces, besides dnsmasq. */
export type DaemonService = 'radvd' | 'haproxy' | 'keepalived';

/**
 * One daemon in one namespace: radvd sending a router's advertisements, haproxy as a
 * metadata proxy, or keepalived speaking VRRP for an HA router. The driver writes its files into `dir`, starts it when it is not running or
 * its command line changed, and on a change of its files either sends SIGHUP (radvd re-reads
 * its configuration) or restarts it. It writes its pid to `<dir>/pid`; the driver knows its
 * process by that file and by the command line naming `dir`, never by the program's name.
 */
export interface DaemonItem {
  readonly kind: 'daemon';
  readonly service: DaemonService;
  readonly netns: string;
  /** The object's directory under the service's (`<stateDir>/ra/<router id>`): files, pid, log. */
  readonly dir: string;
  /** The whole command line (program first), with absolute paths: exactly what runs. */
  readonly argv: readonly string[];
  /** File name (in `dir`) → content. */
  readonly files: Readonly<Record<string, string>>;
  /** What a change of the files needs: `reload` (SIGHUP) or `restart`. */
  readonly onChange: 'reload' | 'restart';
  /**
   * Pid files (in `dir`) of the daemon's child processes, stopped with it (keepalived's VRRP
   * child, which would go on holding the router's addresses if the parent died alone).
   */
  readonly childPidFiles?: readonly string[];
  readonly origin: Origin;
}

/**
 * A security group rule as every firewall driver reads it: the protocol as a number, the
 * remote prefix with host bits cleared, ICMP type and code in the port fields (as the API).
 */
export interface FirewallRule {
  readonly ruleId: string;
  readonly direction: 'ingress' | 'egress';
  readonly family: 4 | 6;
  /** IANA protocol number; null: any. */
  readonly protocol: number | null;
  /** Port range (TCP, UDP, SCTP, DCCP, UDP-Lite), or ICMP type (min) and code (max); null: any. */
  readonly portMin: number | null;
  readonly portMax: number | null;
  /** Canonical CIDR; null: anywhere (or a remote group). */
  readonly remotePrefix: string | null;
  /** Members of this security group (the ipset of the rule's family). */
  readonly remoteGroup: string | null;
  /** Addresses of this address group (its ipset of the rule's family); absent: none. */
  readonly remoteAddressGroup?: string | null;
}

/** What a network log records for one port (docs/security-group-logging.md). */
export interface FirewallPortLog {
  /** The first packet of every connection a rule allows (every allowed packet if stateless). */
  readonly accept: boolean;
  /** Every packet no rule allows. */
  readonly drop: boolean;
  /** The network logs that ask for it, sorted. */
  readonly logIds: readonly string[];
}

/**
 * A port the L2 role's firewall knows on this host: filtered (port security on) or let
 * through (port security off). Plain data that any firewall driver enforces and that the
 * agent uses to judge conntrack entries after rules narrow.
 */
export interface FirewallPortItem {
  readonly kind: 'firewallPort';
  readonly portId: string;
  readonly networkId: string;
  /** The instance's device (tap…), in qbr (hybrid plug) or in the network's brq (Linux bridge). */
  readonly device: string;
  readonly filtered: boolean;
  /** Its conntrack zone (filtered ports only): its own (hybrid), its network's (Linux bridge). */
  readonly zone: number | null;
  readonly mac: string;
  /** Its fixed IPs. */
  readonly fixedIps: readonly string[];
  /**
   * What the port may send from: its fixed IPs with its MAC, then its allowed address pairs
   * with theirs; canonical CIDRs, lower-case MACs.
   */
  readonly sources: readonly { readonly cidr: string; readonly mac: string }[];
  /** Its security groups, sorted. */
  readonly groups: readonly string[];
  /** False when its groups are stateless (`stateful: false`): no conntrack, every packet judged by the rules. Absent: true. */
  readonly stateful?: boolean;
  /** The project's network logs that cover the port and are enabled; absent or null: not logged. */
  readonly log?: FirewallPortLog | null;
  /** The port's project, which its log records name. */
  readonly projectId?: string;
  readonly origin: Origin;
}

/** The rules of one security group that a filtered port of this host uses. */
export interface FirewallGroupItem {
  readonly kind: 'firewallGroup';
  readonly groupId: string;
  readonly rules: readonly FirewallRule[];
  readonly origin: Origin;
}

/**
 * A floating IP as a router serves it here: the mapping that the router's NAT rules and the
 * /32 on its qg- device implement (those are iptables and service port items). The agent
 * compares these between passes to flush the conntrack entries of a mapping that went away or
 * changed, and reports the floating IPs it serves as ACTIVE.
 */
export interface FloatingIpItem {
  readonly kind: 'floatingIp';
  readonly netns: string;
  /** The qg- device that holds the floating address. */
  readonly device: string;
  readonly floatingIpAddress: string;
  readonly fixedIpAddress: string;
  readonly origin: Origin;
}

/**
 * Linux bridge mechanism: the bridge of one network present on the host (`brq` + 11 characters
 * of its id), as Neutron's Linux bridge agent makes it: no STP, no forwarding delay.
 */
export interface LinuxBridgeItem {
  readonly kind: 'linuxBridge';
  readonly name: string;
  readonly networkId: string;
  readonly mtu: number;
  readonly origin: Origin;
}

/** How a network's bridge reaches other hosts: its VXLAN device, its VLAN sub-interface, or the flat network's interface. */
export type UplinkLink =
  | {
      readonly type: 'vxlan';
      readonly vni: number;
      /** The local tunnel address (source of the VXLAN packets). */
      readonly local: string;
      readonly dstport: number;
      /** Whether it sends an outer UDP checksum (RFC 7348: zero for IPv4, as Open vSwitch). */
      readonly udpCsum: boolean;
    }
  | { readonly type: 'vlan'; readonly parent: string; readonly vlan: number }
  /** A physical interface of the host (flat provider network): enslaved, never made nor deleted. */
  | { readonly type: 'physical' };

/** A device in a network's bridge that carries its traffic off the host (`vxlan-1001`, `eth2.100`, `eth2`). */
export interface BridgeUplinkItem {
  readonly kind: 'bridgeUplink';
  readonly bridge: string;
  readonly name: string;
  readonly link: UplinkLink;
  /** The device's MTU; null: leave it as the host has it (a physical interface). */
  readonly mtu: number | null;
  readonly origin: Origin;
}

/**
 * A tap device (an instance's, or the outer end of a DHCP or router port) and where the agent
 * puts it: in its network's bridge and up once the port is bound here and up, out of every
 * bridge and down otherwise (Neutron's agent sets a tap's link state from the port's
 * admin_state_up). Applied only when the device exists.
 */
export interface BridgePortItem {
  readonly kind: 'bridgePort';
  readonly device: string;
  readonly portId: string | null;
  /** The bridge it belongs in; null: none (unknown port, not bound here, down). */
  readonly bridge: string | null;
  readonly up: boolean;
  readonly mtu: number | null;
  readonly origin: Origin;
}

/**
 * A static forwarding entry on a VXLAN device, from l2population: frames to `mac` are sent to
 * the VTEP `dst`; the all-zero MAC is the flooding entry (one per remote host), as `bridge fdb
 * append 00:00:00:00:00:00 dev vxlan-1001 dst 198.18.1.12`.
 */
export interface FdbEntryItem {
  readonly kind: 'fdbEntry';
  readonly device: string;
  readonly mac: string;
  readonly dst: string;
  readonly origin: Origin;
}

/** A permanent neighbour entry on a VXLAN device (l2population): a remote port's address and MAC. */
export interface NeighbourItem {
  readonly kind: 'neighbour';
  readonly device: string;
  readonly ip: string;
  readonly mac: string;
  readonly origin: Origin;
}

/**
 * A port forwarding as a router serves it here: connections to the floating IP on the external
 * ports of the protocol go to the internal address and ports (its DNAT rule is an iptables
 * item; the floating IP's /32 is on the qg- device). The agent compares these between passes to
 * flush the connections of a forwarding that went away or changed, and reports the floating IP
 * ACTIVE. Ports are `N` or `N:M`, as the DNAT rule's --dport writes them.
 */
export interface PortForwardingItem {
  readonly kind: 'portForwarding';
  readonly netns: string;
  readonly device: string;
  readonly floatingIpId: string;
  readonly floatingIpAddress: string;
  readonly protocol: string;
  readonly externalPorts: string;
  readonly internalIpAddress: string;
  readonly internalPorts: string;
  readonly origin: Origin;
}

/**
 * A bandwidth limit of a QoS policy on one instance VIF (docs/qos.md): a token bucket shaping
 * what a kernel device of the hybrid plug transmits. The instance's egress (what it sends) is
 * shaped where it leaves the port's Linux bridge towards br-int (qvb…), its ingress (what it
 * receives) where the bridge hands it to the instance (tap…); Neutron's tc_lib shapes the
 * same way (`tc qdisc replace dev <dev> root tbf rate <R>kbit latency 50ms burst <B>`).
 */
export interface BandwidthLimitItem {
  readonly kind: 'bandwidthLimit';
  readonly device: string;
  readonly portId: string;
  readonly direction: 'egress' | 'ingress';
  /** Kilobits (1,000 bits) per second, as the rule gives them. */
  readonly maxKbps: number;
  /** The token bucket, kilobits: the rule's, else 80 % of the rate (Neutron's default). */
  readonly burstKbits: number;
  /** The QoS policy the limit comes from. */
  readonly policyId: string;
  readonly origin: Origin;
}

export type PlanItem =
  | BandwidthLimitItem
  | LinuxBridgeItem
  | BridgeUplinkItem
  | BridgePortItem
  | FdbEntryItem
  | NeighbourItem
  | DaemonItem
  | PortForwardingItem
  | FirewallPortItem
  | FirewallGroupItem
  | FloatingIpItem
  | DnsmasqItem
  | BridgeItem
  | OvsPortItem
  | VifBindingItem
  | FlowItem
  | NetnsItem
  | ServicePortItem
  | RouteItem
  | SysctlItem
  | IptablesChainItem
  | IpsetItem;
export type PlanKind = PlanItem['kind'];

export interface HostPlan {
  readonly bridges: readonly BridgeItem[];
  readonly ovsPorts: readonly OvsPortItem[];
  readonly vifBindings: readonly VifBindingItem[];
  readonly flows: readonly FlowItem[];
  readonly namespaces: readonly NetnsItem[];
  readonly servicePorts: readonly ServicePortItem[];
  readonly routes: readonly RouteItem[];
  readonly sysctls: readonly SysctlItem[];
  readonly iptables: readonly IptablesChainItem[];
  readonly ipsets: readonly IpsetItem[];
  readonly dnsmasq: readonly DnsmasqItem[];
  /** radvd and metadata proxies in the agent's namespaces. */
  readonly daemons: readonly DaemonItem[];
  readonly firewallPorts: readonly FirewallPortItem[];
  readonly firewallGroups: readonly FirewallGroupItem[];
  readonly floatingIps: readonly FloatingIpItem[];
  /** Port forwardings of floating IPs (docs/port-forwarding.md); absent in plans made before them. */
  readonly portForwardings?: readonly PortForwardingItem[];
  /** Bandwidth limits of QoS policies on instance VIFs (docs/qos.md); absent in plans made before QoS. */
  readonly bandwidthLimits?: readonly BandwidthLimitItem[];
  readonly linuxBridges: readonly LinuxBridgeItem[];
  readonly bridgeUplinks: readonly BridgeUplinkItem[];
  readonly bridgePorts: readonly BridgePortItem[];
  readonly fdbEntries: readonly FdbEntryItem[];
  readonly neighbours: readonly NeighbourItem[];
  /** Local VLAN of every network present on the host (kept across restarts); Open vSwitch only. */
  readonly localVlans: ReadonlyMap<string, number>;
  /** Ports this host wires, and whether each is ready to carry traffic (reported as ACTIVE). */
  readonly portStates: ReadonlyMap<string, 'ACTIVE' | 'DOWN'>;
}

/** The sections a part of the compiler contributes (L2, DHCP, L3, firewall); missing ones are empty. */
export type PlanPart = Partial<Omit<HostPlan, 'localVlans' | 'portStates'>>;

export const PLAN_SECTIONS = [
  'bridges',
  'ovsPorts',
  'vifBindings',
  'flows',
  'namespaces',
  'servicePorts',
  'routes',
  'sysctls',
  'iptables',
  'ipsets',
  'dnsmasq',
  'daemons',
  'firewallPorts',
  'firewallGroups',
  'floatingIps',
  'linuxBridges',
  'bridgeUplinks',
  'bridgePorts',
  'fdbEntries',
  'neighbours',
  'portForwardings',
  'bandwidthLimits',
] as const satisfies readonly (keyof PlanPart)[];
