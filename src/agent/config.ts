/**
 * Configuration of `quark agent`: one schema with a default and help text on every key.
 * docs/config.md is generated from it.
 */
import { type Static, Type } from '@sinclair/typebox';
import { UNDERLAY_BRIDGE } from '../model/names.js';
import { AgentRoleSchema } from '../model/feed.js';

export const AgentConfigSchema = Type.Object(
  {
    host: Type.String({
      default: '',
      description: "This host's name as ports' binding:host_id use it (default: the system hostname).",
    }),
    server: Type.String({
      default: 'http://127.0.0.1:9696',
      description:
        'URL of the Quark server; or several, comma-separated, of servers sharing one database (or one URL of a load balancer in front of them): the agent streams from and reports to one and moves to the next when it fails, resuming its feed from its revision (docs/scale-out.md).',
    }),
    roles: Type.Array(AgentRoleSchema, {
      default: ['l2'],
      description:
        'What this agent does: l2 (Open vSwitch or Linux bridge, tunnels, firewall), dhcp (qdhcp namespaces), l3 (qrouter namespaces).',
    }),
    mechanism: Type.Union([Type.Literal('openvswitch'), Type.Literal('linuxbridge')], {
      default: 'openvswitch',
      description:
        "The host's L2 mechanism: 'openvswitch' (br-int, br-tun, hybrid plug; GRE and VXLAN) or 'linuxbridge' (a Linux bridge per network, VXLAN devices, no Open vSwitch; VXLAN only). Reported as Neutron's 'Open vSwitch agent' or 'Linux bridge agent'.",
    }),
    tunnelIp: Type.String({ default: '', description: 'Local tunnel endpoint address (tunneling_ip); empty: no tunnels.' }),
    tunnelTypes: Type.Array(Type.Union([Type.Literal('gre'), Type.Literal('vxlan')]), {
      default: ['gre'],
      description: 'Tunnel types this host terminates.',
    }),
    bridgeMappings: Type.Array(Type.String({ pattern: '^[^:]+:[^:]+$', expected: 'physnet:bridge, e.g. physnet1:br-ex' }), {
      default: [],
      description:
        'Open vSwitch: physical networks and the OVS bridges that carry them, as physnet:bridge (e.g. physnet1:br-ex).',
    }),
    physicalInterfaceMappings: Type.Array(Type.String({ pattern: '^[^:]+:[^:]+$' }), {
      default: [],
      description:
        "Linux bridge: physical networks and the host interfaces that carry them, as physnet:interface (e.g. physnet1:eth2; Neutron's physical_interface_mappings).",
    }),
    datapath: Type.Union([Type.Literal('auto'), Type.Literal('system'), Type.Literal('netdev')], {
      default: 'auto',
      description:
        "Open vSwitch datapath: 'system' (kernel module), 'netdev' (userspace), or 'auto' (system when the openvswitch module is present).",
    }),
    underlayInterface: Type.String({
      default: '',
      description:
        'Userspace datapath only: the interface that carries tunnels; the agent puts it on the underlay bridge, which takes over its address.',
    }),
    underlayBridge: Type.String({
      default: UNDERLAY_BRIDGE,
      description: 'Userspace datapath only: the bridge that owns the tunnel address.',
    }),
    afxdp: Type.Union([Type.Literal('auto'), Type.Literal('off')], {
      default: 'off',
      description:
        "Userspace datapath only: OVS opens the underlay interface through AF_XDP (type afxdp-nonpmd, generic XDP) where ovs-vswitchd offers it ('auto'), or through AF_PACKET ('off'); quark vif plug --afxdp (QUARK_AFXDP) does the same for VIFs. AF_XDP carries +85 % TCP but slows ovs-vswitchd's answers (wiring, resyncs): docs/flows.md.",
    }),
    firewallDriver: Type.Union(
      [Type.Literal('auto'), Type.Literal('iptables_hybrid'), Type.Literal('iptables'), Type.Literal('noop')],
      {
        default: 'auto',
        description:
          "How the l2 role enforces security groups: 'iptables_hybrid' (iptables and ipsets on the hybrid plug's qbr bridge; Open vSwitch), 'iptables' (the same on the network's Linux bridge; Linux bridge), 'noop' (no filtering), or 'auto' (the mechanism's own).",
      },
    ),
    stateDir: Type.String({
      default: '/var/lib/quark/agent',
      description: 'Where the agent keeps dnsmasq files, pid files and its status socket.',
    }),
    dhcpLeaseDuration: Type.Integer({
      default: 86400,
      minimum: -1,
      description: 'DHCP role: lease time in seconds handed to instances; -1 for infinite (Neutron dhcp_lease_duration).',
    }),
    dnsDomain: Type.String({
      default: 'openstacklocal',
      description: 'DHCP role: domain of the host names dnsmasq hands out and resolves (Neutron dns_domain).',
    }),
    dnsmasqDnsServers: Type.Array(Type.String(), {
      default: [],
      description:
        'DHCP role: upstream DNS servers dnsmasq forwards to; empty: it answers only the names of the network (Neutron dnsmasq_dns_servers).',
    }),
    haVrrpAdvertInt: Type.Number({
      default: 0.5,
      minimum: 0.01,
      maximum: 40.95,
      description:
        "L3 role: seconds between the VRRP advertisements of HA routers (VRRPv3, in steps of 0.01 s); a standby takes over about 3.2 intervals after the active node stops advertising. Neutron's ha_vrrp_advert_int defaults to 2 (a failover of about 7 s).",
    }),
    minRtrAdvInterval: Type.Integer({
      default: 30,
      minimum: 3,
      description: 'L3 role: seconds at least between router advertisements radvd sends (Neutron min_rtr_adv_interval).',
    }),
    maxRtrAdvInterval: Type.Integer({
      default: 100,
      minimum: 4,
      description: 'L3 role: seconds at most between router advertisements radvd sends (Neutron max_rtr_adv_interval).',
    }),
    enableMetadataProxy: Type.Boolean({
      default: true,
      description:
        'L3 role: a metadata proxy (haproxy) in every router, behind a redirect of 169.254.169.254:80 (Neutron enable_metadata_proxy).',
    }),
    metadataPort: Type.Integer({
      default: 9697,
      minimum: 1,
      maximum: 65535,
      description: "L3 role: the port a router's metadata proxy listens on inside its namespace (Neutron metadata_port).",
    }),
    enableIsolatedMetadata: Type.Boolean({
      default: false,
      description:
        'DHCP role: a metadata proxy on 169.254.169.254 in the qdhcp namespace of networks with a subnet no router serves (Neutron enable_isolated_metadata).',
    }),
    forceMetadata: Type.Boolean({
      default: false,
      description:
        'DHCP role: a metadata proxy in every qdhcp namespace, routed to by every IPv4 subnet (Neutron force_metadata).',
    }),
    novaMetadataUrl: Type.String({
      default: 'http://127.0.0.1:8775',
      description:
        "Where the metadata agent forwards instances' requests: Nova's metadata API or `quark metadata-api` (Neutron nova_metadata_protocol, host and port).",
    }),
    metadataProxySharedSecret: Type.String({
      default: '',
      description:
        'Secret shared with the metadata backend, which signs the instance id of each request (Neutron metadata_proxy_shared_secret); config file or environment only.',
    }),
    ovsRundir: Type.String({
      default: '',
      description: 'OVS run directory (db.sock, bridge .mgmt sockets); empty: OVS default.',
    }),
    networkLogFile: Type.String({
      default: '',
      description:
        "l2 role: the file security group log events are appended to (Neutron's [network_log] local_output_log_base); empty: <stateDir>/log/security-groups.log.",
    }),
    networkLogRateLimit: Type.Integer({
      default: 100,
      minimum: 1,
      description: "l2 role: log events per second per logging rule (Neutron's [network_log] rate_limit).",
    }),
    networkLogBurstLimit: Type.Integer({
      default: 25,
      minimum: 1,
      description: "l2 role: events allowed above the rate in a burst (Neutron's [network_log] burst_limit).",
    }),
    networkLogNflogGroup: Type.Integer({
      default: 13,
      minimum: 1,
      maximum: 65535,
      description: 'l2 role: the NFLOG group the firewall sends log events to (one per host namespace).',
    }),
    reportInterval: Type.Number({ default: 10, minimum: 1, description: 'Seconds between heartbeats to the server.' }),
    meteringInterval: Type.Number({
      default: 30,
      minimum: 0.1,
      description:
        "L3 role: seconds between readings of the routers' metering counters, each sent to the server (Neutron's metering agent measure_interval).",
    }),
    resyncInterval: Type.Number({
      default: 60,
      minimum: 5,
      description: 'Seconds between full resyncs that re-read everything from the host.',
    }),
    token: Type.String({
      default: '',
      description: 'A fixed Keystone token for the server (prefer username/password, which renew).',
    }),
    authUrl: Type.String({
      default: '',
      description: "Identity endpoint for password login (default: the server's /identity/v3).",
    }),
    username: Type.String({
      default: '',
      description: 'Keystone user the agent logs in as (needs the admin role); empty: token or noauth.',
    }),
    password: Type.String({ default: '', description: 'Password of that user.' }),
    projectName: Type.String({ default: 'service', description: 'Project the agent scopes its token to.' }),
    project: Type.String({ default: 'service', description: 'noauth only: the project the agent claims.' }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'Least severe level that is logged.' },
    ),
    logFormat: Type.Union([Type.Literal('auto'), Type.Literal('text'), Type.Literal('json')], {
      default: 'auto',
      description:
        "Log lines on stderr: 'json' (one JSON object a line, for log collectors), 'text' (one readable line each), or 'auto' (text on a terminal, JSON otherwise).",
    }),
  },
  { additionalProperties: false },
);

export type AgentConfig = Static<typeof AgentConfigSchema>;
