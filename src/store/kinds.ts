/**
 * The kinds of record the store keeps, the SQL table of each, and the secondary indexes the
 * server's rules need to stay O(1) (addresses in use on a network, ports of a device…).
 * Adding a kind: add it to KindRecords and to KINDS, then a migration that creates its table.
 */
import type {
  AddressGroup,
  AddressScope,
  Agent,
  ConntrackHelper,
  Flavor,
  FloatingIp,
  LocalIp,
  LocalIpAssociation,
  MeteringCounter,
  MeteringLabel,
  MeteringLabelRule,
  Network,
  NetworkLog,
  Port,
  PortForwarding,
  RbacPolicy,
  Router,
  SecurityGroup,
  SecurityGroupRule,
  ServiceProfile,
  Subnet,
  SubnetPool,
  NetworkSegmentRange,
} from '../model/resources.js';
import type { Quota } from '../model/quota.js';
import type {
  QosBandwidthLimitRule,
  QosDscpMarkingRule,
  QosMinimumBandwidthRule,
  QosMinimumPacketRateRule,
  QosPacketRateLimitRule,
  QosPolicy,
} from '../model/qos.js';
import type { Trunk } from '../model/trunk.js';
import type { Domain, Project, Role, RoleAssignment, Token, User } from '../model/identity.js';

export interface KindRecords {
  network: Network;
  subnet: Subnet;
  port: Port;
  router: Router;
  floatingip: FloatingIp;
  security_group: SecurityGroup;
  security_group_rule: SecurityGroupRule;
  agent: Agent;
  quota: Quota;
  domain: Domain;
  project: Project;
  user: User;
  role: Role;
  role_assignment: RoleAssignment;
  token: Token;
  // Security group extensions (address groups, network logs).
  address_group: AddressGroup;
  log: NetworkLog;
  // Router extensions (port forwarding, metering, conntrack helpers).
  port_forwarding: PortForwarding;
  conntrack_helper: ConntrackHelper;
  metering_label: MeteringLabel;
  metering_label_rule: MeteringLabelRule;
  metering_counter: MeteringCounter;
  local_ip: LocalIp;
  local_ip_association: LocalIpAssociation;
  // Sharing and IPAM (issue 15).
  address_scope: AddressScope;
  subnetpool: SubnetPool;
  rbac_policy: RbacPolicy;
  flavor: Flavor;
  service_profile: ServiceProfile;
  // QoS (migration 0020_qos).
  qos_policy: QosPolicy;
  qos_bandwidth_limit_rule: QosBandwidthLimitRule;
  qos_dscp_marking_rule: QosDscpMarkingRule;
  qos_minimum_bandwidth_rule: QosMinimumBandwidthRule;
  qos_packet_rate_limit_rule: QosPacketRateLimitRule;
  qos_minimum_packet_rate_rule: QosMinimumPacketRateRule;
  // Trunks (migration 0021_trunks).
  trunk: Trunk;
  // Network segment ranges (migration 0024_network_segment_ranges).
  network_segment_range: NetworkSegmentRange;
}

export type Kind = keyof KindRecords;
export type AnyRecord = KindRecords[Kind];

export interface KindSpec<K extends Kind> {
  readonly table: string;
  /** Keys under which a record is found by `ReadView.by()`. A record may have several keys. */
  readonly indexes: Readonly<Record<string, (record: KindRecords[K]) => readonly string[]>>;
  /** The store keeps created_at, updated_at and revision_number of these kinds itself. */
  readonly standard: boolean;
  /**
   * Whether writes of this kind enter the change log. The change log is what the agents' feed
   * is made from and how other servers sharing the database learn about writes. A kind with
   * `inChangeLog: false` (tokens: one per CLI call, of no interest to agents) is persisted in its table
   * in the same transaction and applied to the writing server's view, but takes no revision, is
   * not passed to `onCommit` listeners, and reaches other servers only through `Store.fetch`
   * (or their next start). Read such records with `Store.fetch` when another server may have
   * written them.
   */
  readonly inChangeLog: boolean;
}

type Specs = { readonly [K in Kind]: KindSpec<K> };

/** Index key of an address on a network: addresses are unique per network. */
export const ipKey = (networkId: string, ip: string): string => `${networkId} ${ip}`;
export const macKey = (networkId: string, mac: string): string => `${networkId} ${mac}`;
/** Index key of the ports of one owner on a network (the HA routers' interfaces on it). */
export const networkOwnerKey = (networkId: string, owner: string): string => `${networkId} ${owner}`;
export const segmentKey = (type: string, physnet: string | null, id: number | null): string =>
  `${type} ${physnet ?? ''} ${id ?? ''}`;

/** Index key of the object an RBAC policy is about. */
export const rbacObjectKey = (type: string, id: string): string => `${type} ${id}`;
/** Index key of an agent by its type and host: one agent of each type per host. */
export const agentKey = (agentType: string, host: string): string => `${agentType} ${host}`;
/** Index key of a security group by its project and name (the project's `default` group). */
export const projectNameKey = (projectId: string, name: string): string => `${projectId} ${name}`;

/** Index key of a project or user name: names are unique per domain. */
export const nameKey = (domainId: string, name: string): string => `${domainId} ${name}`;
/** Index key of the scope of a role assignment: `project <id>` or `domain <id>`. */
export const projectScopeKey = (projectId: string): string => `project ${projectId}`;
export const domainScopeKey = (domainId: string): string => `domain ${domainId}`;
export const scopeKey = (scope: { project_id: string | null; domain_id: string | null }): string =>
  scope.project_id !== null ? projectScopeKey(scope.project_id) : domainScopeKey(scope.domain_id!);
/** Index key of a user's role assignments on one scope. */
export const userScopeKey = (userId: string, scope: { project_id: string | null; domain_id: string | null }): string =>
  `${userId} ${scopeKey(scope)}`;

export const KINDS = {
  network: {
    table: 'networks',
    standard: true,
    inChangeLog: true,
    indexes: {
      project: (n) => [n.project_id],
      segment: (n) => [segmentKey(n['provider:network_type'], n['provider:physical_network'], n['provider:segmentation_id'])],
      qosPolicy: (n) => (n.qos_policy_id ? [n.qos_policy_id] : []),
    },
  },
  subnet: {
    table: 'subnets',
    standard: true,
    inChangeLog: true,
    indexes: {
      network: (s) => [s.network_id],
      project: (s) => [s.project_id],
      subnetpool: (s) => (s.subnetpool_id ? [s.subnetpool_id] : []),
    },
  },
  port: {
    table: 'ports',
    standard: true,
    inChangeLog: true,
    indexes: {
      network: (p) => [p.network_id],
      project: (p) => [p.project_id],
      device: (p) => (p.device_id ? [p.device_id] : []),
      subnet: (p) => [...new Set(p.fixed_ips.map((f) => f.subnet_id))],
      ip: (p) => p.fixed_ips.map((f) => ipKey(p.network_id, f.ip_address)),
      mac: (p) => [macKey(p.network_id, p.mac_address)],
      host: (p) => (p['binding:host_id'] ? [p['binding:host_id']] : []),
      securityGroup: (p) => p.security_groups,
      qosPolicy: (p) => (p.qos_policy_id ? [p.qos_policy_id] : []),
      networkOwner: (p) => [networkOwnerKey(p.network_id, p.device_owner)],
    },
  },
  router: {
    table: 'routers',
    standard: true,
    inChangeLog: true,
    indexes: {
      project: (r) => [r.project_id],
      externalNetwork: (r) => (r.external_gateway_info ? [r.external_gateway_info.network_id] : []),
    },
  },
  floatingip: {
    table: 'floatingips',
    standard: true,
    inChangeLog: true,
    indexes: {
      project: (f) => [f.project_id],
      port: (f) => (f.port_id ? [f.port_id] : []),
      router: (f) => (f.router_id ? [f.router_id] : []),
      network: (f) => [f.floating_network_id],
    },
  },
  security_group: {
    table: 'security_groups',
    standard: true,
    inChangeLog: true,
    indexes: { project: (g) => [g.project_id], projectName: (g) => [projectNameKey(g.project_id, g.name)] },
  },
  security_group_rule: {
    table: 'security_group_rules',
    standard: true,
    inChangeLog: true,
    indexes: {
      group: (r) => [r.security_group_id],
      remoteGroup: (r) => (r.remote_group_id ? [r.remote_group_id] : []),
      remoteAddressGroup: (r) => (r.remote_address_group_id ? [r.remote_address_group_id] : []),
    },
  },
  agent: {
    table: 'agents',
    standard: false,
    inChangeLog: true,
    indexes: { host: (a) => [a.host], typeHost: (a) => [agentKey(a.agent_type, a.host)] },
  },
  quota: { table: 'quotas', standard: false, inChangeLog: true, indexes: {} },
  // Identity. In the change log so that servers sharing a database see them; the agents' feed
  // sends only FEED_KINDS (model/feed.ts), so these (users carry password hashes) never leave.
  domain: { table: 'domains', standard: false, inChangeLog: true, indexes: { name: (d) => [d.name] } },
  project: {
    table: 'projects',
    standard: false,
    inChangeLog: true,
    indexes: { domain: (p) => [p.domain_id], name: (p) => [nameKey(p.domain_id, p.name)] },
  },
  user: {
    table: 'users',
    standard: false,
    inChangeLog: true,
    indexes: {
      domain: (u) => [u.domain_id],
      name: (u) => [nameKey(u.domain_id, u.name)],
      defaultProject: (u) => (u.default_project_id ? [u.default_project_id] : []),
    },
  },
  role: { table: 'roles', standard: false, inChangeLog: true, indexes: { name: (r) => [r.name] } },
  role_assignment: {
    table: 'role_assignments',
    standard: false,
    inChangeLog: true,
    indexes: {
      user: (a) => [a.user_id],
      role: (a) => [a.role_id],
      scope: (a) => [scopeKey(a)],
      userScope: (a) => [userScopeKey(a.user_id, a)],
    },
  },
  token: { table: 'tokens', standard: false, inChangeLog: false, indexes: {} },
  // Security group extensions (migration 0003_security_group_extensions).
  address_group: { table: 'address_groups', standard: true, inChangeLog: true, indexes: { project: (g) => [g.project_id] } },
  log: {
    table: 'logs',
    standard: true,
    inChangeLog: true,
    indexes: {
      resource: (l) => (l.resource_id ? [l.resource_id] : []),
      target: (l) => (l.target_id ? [l.target_id] : []),
    },
  },
  // Router extensions (migration 0010_l3_extensions).
  port_forwarding: {
    table: 'port_forwardings',
    standard: false,
    inChangeLog: true,
    indexes: { floatingip: (f) => [f.floatingip_id], internalPort: (f) => [f.internal_port_id] },
  },
  conntrack_helper: { table: 'conntrack_helpers', standard: false, inChangeLog: true, indexes: { router: (c) => [c.router_id] } },
  metering_label: {
    table: 'metering_labels',
    standard: false,
    inChangeLog: true,
    indexes: { project: (l) => [l.project_id], shared: (l) => (l.shared ? ['shared'] : []) },
  },
  metering_label_rule: {
    table: 'metering_label_rules',
    standard: false,
    inChangeLog: true,
    indexes: { label: (r) => [r.metering_label_id] },
  },
  // Traffic counted per label and router, as the L3 agents report it (docs/metering.md). In the
  // change log so every server sharing the database reads the same totals; never sent to agents.
  metering_counter: {
    table: 'metering_counters',
    standard: false,
    inChangeLog: true,
    indexes: { label: (c) => [c.label_id], router: (c) => [c.router_id] },
  },
  local_ip: {
    table: 'local_ips',
    standard: true,
    inChangeLog: true,
    indexes: { project: (l) => [l.project_id], port: (l) => [l.local_port_id] },
  },
  local_ip_association: {
    table: 'local_ip_associations',
    standard: false,
    inChangeLog: true,
    indexes: { localIp: (a) => [a.local_ip_id], fixedPort: (a) => [a.fixed_port_id] },
  },
  // Sharing and IPAM (issue 15, migrations 0004_sharing and 0005_flavors).
  address_scope: { table: 'address_scopes', standard: false, inChangeLog: true, indexes: { project: (a) => [a.project_id] } },
  subnetpool: {
    table: 'subnetpools',
    standard: true,
    inChangeLog: true,
    indexes: { project: (p) => [p.project_id], addressScope: (p) => (p.address_scope_id ? [p.address_scope_id] : []) },
  },
  rbac_policy: {
    table: 'rbac_policies',
    standard: false,
    inChangeLog: true,
    indexes: { object: (r) => [rbacObjectKey(r.object_type, r.object_id)], project: (r) => [r.project_id] },
  },
  flavor: { table: 'flavors', standard: false, inChangeLog: true, indexes: { profile: (f) => f.service_profiles } },
  service_profile: { table: 'service_profiles', standard: false, inChangeLog: true, indexes: {} },
  // QoS (migration 0020_qos). A project has at most one default policy.
  qos_policy: {
    table: 'qos_policies',
    standard: true,
    inChangeLog: true,
    indexes: { project: (q) => [q.project_id], projectDefault: (q) => (q.is_default ? [q.project_id] : []) },
  },
  qos_bandwidth_limit_rule: {
    table: 'qos_bandwidth_limit_rules',
    standard: false,
    inChangeLog: true,
    indexes: { policy: (r) => [r.qos_policy_id] },
  },
  qos_dscp_marking_rule: {
    table: 'qos_dscp_marking_rules',
    standard: false,
    inChangeLog: true,
    indexes: { policy: (r) => [r.qos_policy_id] },
  },
  qos_minimum_bandwidth_rule: {
    table: 'qos_minimum_bandwidth_rules',
    standard: false,
    inChangeLog: true,
    indexes: { policy: (r) => [r.qos_policy_id] },
  },
  qos_packet_rate_limit_rule: {
    table: 'qos_packet_rate_limit_rules',
    standard: false,
    inChangeLog: true,
    indexes: { policy: (r) => [r.qos_policy_id] },
  },
  qos_minimum_packet_rate_rule: {
    table: 'qos_minimum_packet_rate_rules',
    standard: false,
    inChangeLog: true,
    indexes: { policy: (r) => [r.qos_policy_id] },
  },
  // A port is the parent of at most one trunk and a subport of at most one (server/plugin/trunks.ts).
  trunk: {
    table: 'trunks',
    standard: true,
    inChangeLog: true,
    indexes: {
      project: (t) => [t.project_id],
      port: (t) => [t.port_id],
      subport: (t) => t.sub_ports.map((s) => s.port_id),
    },
  },
  network_segment_range: {
    table: 'network_segment_ranges',
    standard: true,
    inChangeLog: true,
    indexes: { type: (r) => [r.network_type] },
  },
} as const satisfies Specs;

/** The index names of a kind, from its declaration above: `by('port', 'netwrok', …)` does not compile. */
export type IndexName<K extends Kind> = keyof (typeof KINDS)[K]['indexes'] & string;

export const KIND_NAMES = Object.keys(KINDS) as Kind[];

/** The id under which a record is stored (quotas are keyed by project). */
export function recordId(kind: Kind, record: AnyRecord): string {
  return kind === 'quota' ? (record as Quota).project_id : (record as { id: string }).id;
}
