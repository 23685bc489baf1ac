/**
 * Configuration of `quark server`: one schema with a default and help text on every key.
 * docs/config.md is generated from it (`npm run docs:config`).
 */
import { type Static, Type } from '@sinclair/typebox';

const quota = (resource: string, neutronDefault: number) =>
  Type.Integer({
    default: neutronDefault,
    minimum: -1,
    description: `Default quota of ${resource} per project (-1: unlimited).`,
  });

export const ServerConfigSchema = Type.Object(
  {
    host: Type.String({
      default: '127.0.0.1',
      description: 'Address the API listens on; several, comma-separated, are allowed.',
    }),
    port: Type.Integer({ default: 9696, minimum: 0, maximum: 65535, description: 'TCP port of the API (Neutron uses 9696).' }),
    workers: Type.Integer({
      default: 1,
      minimum: 0,
      description:
        'Server processes sharing the port, each a whole server of the same store (0: one per CPU core). More than one needs a database file or PostgreSQL, not :memory:; docs/scale-out.md says what each does.',
    }),
    db: Type.String({
      default: '/var/lib/quark/quark.db',
      description:
        "Store: a SQLite file path, ':memory:', or a postgres:// URL shared by several servers. A URL with a password belongs in the config file or in QUARK_DB, not in `--db` (every user sees a process's arguments in `ps`); or leave it out of the URL and give it to PostgreSQL's client as PGPASSWORD or in ~/.pgpass. Logs and errors show the URL without its password.",
    }),
    dbConnectTimeout: Type.Number({
      default: 3,
      minimum: 0.1,
      description:
        'Seconds to open a PostgreSQL connection, or to wait for a free one of the pool, before the request fails with 503 ServiceUnavailable. Also the longest /healthz waits for the database.',
    }),
    dbStatementTimeout: Type.Number({
      default: 5,
      minimum: 0.1,
      description:
        "Seconds one database statement, or one wait for the write lock, may take before the request fails with 503 ServiceUnavailable: PostgreSQL's statement_timeout and lock_timeout, plus one second on the server's side for a PostgreSQL that answers nothing at all (frozen); SQLite's busy_timeout, during which the server waits for another process's lock and serves nothing else.",
    }),
    auth: Type.Union([Type.Literal('keystone'), Type.Literal('noauth')], {
      default: 'keystone',
      description:
        "How callers of the network API are identified. 'keystone': X-Auth-Token issued by the built-in identity API (see docs/identity.md); 'noauth': X-Project-Id/X-Roles headers are trusted (development and benchmarks only).",
    }),
    publicUrl: Type.String({
      default: '',
      pattern: '^(https?://[^/?#]+/?)?$',
      expected: 'empty, or an http:// or https:// URL with host and port only (e.g. http://192.0.2.10:9696)',
      description:
        "URL clients reach this server at (scheme, host, port), used in the service catalog. Empty: taken from each request's Host header.",
    }),
    region: Type.String({
      default: 'RegionOne',
      minLength: 1,
      description: 'Region name of the endpoints in the service catalog.',
    }),
    tokenExpiration: Type.Integer({
      default: 3600,
      minimum: 60,
      description: 'Lifetime of an identity token in seconds (Keystone: [token] expiration).',
    }),
    tokenCacheTime: Type.Integer({
      default: 30,
      minimum: 0,
      description:
        'Seconds the network API trusts a validated token without checking it again; bounds how long a token revoked through another server stays usable here.',
    }),
    maxBodyBytes: Type.Integer({
      default: 1048576,
      minimum: 1024,
      description:
        'Largest request body in bytes; a larger one is refused with 413 before it is read (from its Content-Length) or as soon as it passes the limit.',
    }),
    maxIdentityBodyBytes: Type.Integer({
      default: 114688,
      minimum: 1024,
      description:
        "Largest request body of the identity API in bytes (413 above). Its token route takes bodies before any authentication, so it gets Keystone's own limit ([DEFAULT] max_request_body_size, 112 KiB).",
    }),
    maxBodyDepth: Type.Integer({
      default: 32,
      minimum: 4,
      description:
        'Deepest nesting of arrays and objects in a request body (400 above); checked before the body is parsed. The deepest valid bodies (a Keystone password authentication) nest 6 levels.',
    }),
    headersTimeout: Type.Number({
      default: 10,
      minimum: 1,
      description:
        "Seconds a client has to send a request's line and headers, counted from the connection's first byte or, on a fresh connection, from its opening; after that it gets 408 and the connection is closed. Bounds how long connections that send nothing hold a place.",
    }),
    requestTimeout: Type.Number({
      default: 30,
      minimum: 0,
      description: 'Seconds a client has to send a whole request, body included (408 after; 0: no limit).',
    }),
    keepAliveTimeout: Type.Number({
      default: 5,
      minimum: 0.1,
      description: 'Seconds an idle keep-alive connection stays open between requests.',
    }),
    connectionTimeout: Type.Number({
      default: 120,
      minimum: 0,
      description:
        'Seconds a connection may pass without a byte in either direction before it is closed (0: never): a client that stops reading its answer. Keep it above queryTimeout and feedHeartbeat.',
    }),
    maxConnections: Type.Integer({
      default: 4096,
      minimum: 16,
      description:
        "Most client connections at once; more are closed as they arrive. The server lowers it below the process's open file limit (ulimit -n) if it must, so that it never runs out of file descriptors.",
    }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'Least severe level that is logged.' },
    ),
    logFormat: Type.Union([Type.Literal('auto'), Type.Literal('text'), Type.Literal('json')], {
      default: 'auto',
      description:
        "Log lines on stderr: 'json' (one JSON object a line, for log collectors), 'text' (one readable line each), or 'auto' (text on a terminal, JSON otherwise).",
    }),
    baseMac: Type.String({
      default: 'fa:16:3e:00:00:00',
      pattern: '^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$',
      expected: 'a MAC address such as fa:16:3e:00:00:00',
      description: 'Generated MAC addresses keep the first three octets of this address.',
    }),
    tenantNetworkTypes: Type.Array(Type.Union([Type.Literal('gre'), Type.Literal('vxlan')]), {
      default: ['gre'],
      description: 'Types given to project networks, in order of preference (the article uses gre).',
    }),
    greIdRanges: Type.Array(Type.String({ pattern: '^\\d+:\\d+$', expected: 'min:max, e.g. 1:10000' }), {
      default: ['1:10000'],
      description: 'GRE keys handed out to project networks, as min:max ranges.',
    }),
    vxlanVniRanges: Type.Array(Type.String({ pattern: '^\\d+:\\d+$', expected: 'min:max, e.g. 1:10000' }), {
      default: ['1:10000'],
      description: 'VXLAN VNIs handed out to project networks, as min:max ranges.',
    }),
    networkVlanRanges: Type.Array(Type.String({ pattern: '^[^:]+(:\\d+:\\d+)?$', expected: 'physnet or physnet:min:max' }), {
      default: ['physnet1:1000:2999'],
      description: 'Physical networks that carry VLAN provider networks, as physnet[:min:max].',
    }),
    flatNetworks: Type.Array(Type.String(), {
      default: ['*'],
      description: "Physical networks that may carry flat provider networks ('*' for any).",
    }),
    globalPhysnetMtu: Type.Integer({
      default: 1500,
      minimum: 68,
      description: 'MTU of the underlay and physical networks; tunnel networks get this minus the encapsulation overhead.',
    }),
    dnsDomain: Type.String({
      default: 'openstacklocal',
      description:
        "Domain of the ports' DNS names (Neutron's dns_domain). With the default, ports are named host-<address>, as Neutron does; with another domain, a port's dns_name names it (set the DHCP agents' dnsDomain to the same).",
    }),
    maxDnsNameservers: Type.Integer({ default: 5, minimum: 0, description: 'Most DNS servers one subnet may list.' }),
    maxSubnetHostRoutes: Type.Integer({ default: 20, minimum: 0, description: 'Most host routes one subnet may list.' }),
    paginationMaxLimit: Type.Integer({
      default: -1,
      minimum: -1,
      description: 'Largest page a list request may ask for with limit (-1: no cap).',
    }),
    maxRoutes: Type.Integer({
      default: 30,
      minimum: 0,
      description: "Most extra routes one router may have (Neutron's max_routes).",
    }),
    agentDownTime: Type.Integer({
      default: 30,
      minimum: 1,
      description:
        "Seconds without a heartbeat after which an agent counts as down (alive: false) and its routers and networks move to live agents. Keep it at least three times the agents' report interval (10 s): two lost reports in a row then move nothing, and a dead agent is still noticed within half a minute. Neutron's default is 75 s for a 30 s report interval (Havana: 5 s for 4 s).",
    }),
    dhcpAgentsPerNetwork: Type.Integer({
      default: 1,
      minimum: 1,
      description:
        "How many live DHCP agents serve each network that has a DHCP-enabled subnet (Neutron's dhcp_agents_per_network).",
    }),
    l3Ha: Type.Boolean({
      default: false,
      description: "Whether routers are HA (keepalived on several L3 agents) when their creator does not say (Neutron's l3_ha).",
    }),
    maxL3AgentsPerRouter: Type.Integer({
      default: 3,
      minimum: 0,
      description:
        "How many live L3 agents host each HA router, one of them active (0: every live L3 agent; Neutron's max_l3_agents_per_router).",
    }),
    l3HaNetCidr: Type.String({
      default: '169.254.192.0/18',
      pattern: '^[0-9.]+/[0-9]+$',
      expected: 'an IPv4 prefix, e.g. 169.254.192.0/18',
      description:
        "The subnet of each project's HA network, which carries the VRRP traffic of its HA routers (Neutron's l3_ha_net_cidr).",
    }),
    changeLogRetention: Type.Integer({
      default: 100000,
      minimum: 100,
      description: 'Revisions of change log kept for agents that resume; older agents get a snapshot.',
    }),
    feedHeartbeat: Type.Integer({ default: 5, minimum: 1, description: 'Seconds between heartbeats on idle agent feeds.' }),
    queryTimeout: Type.Number({
      default: 10,
      minimum: 0.1,
      description:
        'Seconds the server waits for an agent to answer an explain or trace query before the request fails with AgentUnavailable.',
    }),
    allowedConntrackHelpers: Type.Array(Type.String({ pattern: '^[a-z0-9_-]+:(tcp|udp|sctp|dccp)$' }), {
      default: [
        'amanda:tcp',
        'ftp:tcp',
        'h323:udp',
        'h323:tcp',
        'irc:tcp',
        'netbios-ns:udp',
        'pptp:tcp',
        'sane:tcp',
        'sip:udp',
        'sip:tcp',
        'snmp:udp',
        'tftp:udp',
      ],
      description:
        "Conntrack helpers a router's conntrack_helpers may name, each with a protocol it speaks, as helper:protocol (Neutron's allowed_conntrack_helpers, same default).",
    }),
    quotaNetwork: quota('networks', 100),
    quotaSubnet: quota('subnets', 100),
    quotaPort: quota('ports', 500),
    quotaRouter: quota('routers', 10),
    quotaFloatingip: quota('floating IPs', 50),
    quotaSecurityGroup: quota('security groups', 10),
    quotaSecurityGroupRule: quota('security group rules', 100),
    quotaSubnetpool: quota('subnet pools', -1),
    quotaRbacPolicy: quota('RBAC policies', 10),
  },
  { additionalProperties: false },
);

export type ServerConfig = Static<typeof ServerConfigSchema>;
