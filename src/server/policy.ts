/**
 * Who may do what: Neutron's and Keystone's default policies, as one table. A rule is checked
 * against the caller and the target (the record, or the request for creates). Roles: `admin`
 * does everything and sees every project; `member` manages its project's resources; `reader`
 * only reads them (Keystone tokens carry implied roles, so an admin is also member and reader).
 * Reading a record the caller may not see answers 404 (its existence is not confirmed); other
 * refusals of the network API answer 403 PolicyNotAuthorized, of the identity API 403
 * ForbiddenAction.
 */
import { QuarkError } from '../model/errors.js';
import type { Caller } from './caller.js';

export interface Target {
  /** The project that owns (or will own) the resource; for identity, the project acted on. */
  readonly projectId: string;
  /** For subnets and ports: the project that owns their network. */
  readonly networkProjectId?: string;
  /** For networks: shared with every project. */
  readonly shared?: boolean;
  /** For networks: router:external, visible to every project. */
  readonly external?: boolean;
  /** For ports: their network is shared (Neutron's `rule:shared` on a port). */
  readonly networkShared?: boolean;
  /** For ports: the device_owner the port has or is given (Neutron's `rule:network_device`). */
  readonly deviceOwner?: string;
  /** For identity: the user acted on (a user record, a token's subject). */
  readonly userId?: string;
  /** For identity: the domain acted on. */
  readonly domainId?: string;
  /** For RBAC-shared objects (networks, security groups, address scopes, subnet pools, address groups): the projects policies share it with. */
  readonly sharedWith?: ReadonlySet<string>;
  /** For networks: the projects an access_as_external policy names. */
  readonly externalFor?: ReadonlySet<string>;
  /** For RBAC policies: the target is every project ('*'). */
  readonly wildcard?: boolean;
}

type Rule = (caller: Caller, target: Target) => boolean;

const isMember = (c: Caller) => c.isAdmin || c.roles.includes('member');
const isReader = (c: Caller) => isMember(c) || c.roles.includes('reader');
const owns = (c: Caller, t: Target) => c.projectId !== null && c.projectId === t.projectId;
const ownsNetwork = (c: Caller, t: Target) => c.projectId !== null && c.projectId === t.networkProjectId;

const admin: Rule = (c) => c.isAdmin;
const anyone: Rule = () => true;
const readerOfOwner: Rule = (c, t) => c.isAdmin || (isReader(c) && owns(c, t));
const memberOfOwner: Rule = (c, t) => c.isAdmin || (isMember(c) && owns(c, t));
const readerOfNetworkOwner: Rule = (c, t) => c.isAdmin || (isReader(c) && ownsNetwork(c, t));
const memberOfNetworkOwner: Rule = (c, t) => c.isAdmin || (isMember(c) && ownsNetwork(c, t));
const named = (c: Caller, projects: ReadonlySet<string> | undefined) =>
  c.projectId !== null && projects?.has(c.projectId) === true;
/** Shared with the caller: with every project, or by an RBAC policy naming its project. */
const sharedToCaller: Rule = (c, t) => t.shared === true || named(c, t.sharedWith);
const readNetwork: Rule = (c, t) => readerOfOwner(c, t) || sharedToCaller(c, t) || t.external === true || named(c, t.externalFor);
const readNetworkChild: Rule = (c, t) => readerOfOwner(c, t) || readerOfNetworkOwner(c, t) || sharedToCaller(c, t);
/** Neutron's `network_device`: `field:port:device_owner=~^network:`. */
const networkDevice = (t: Target) => t.deviceOwner?.startsWith('network:') === true;
const adminOrSelf: Rule = (c, t) => c.isAdmin || (c.userId !== null && c.userId === t.userId);
const self: Rule = (c, t) => c.userId !== null && c.userId === t.userId;

/** A QoS policy and its rules: readers of its project, and the projects it is shared with. */
const readQosPolicy: Rule = (c, t) => readerOfOwner(c, t) || sharedToCaller(c, t);

/** The rules of one QoS rule type, under a policy and by alias (`qos-rules-alias`). */
function qosRuleRules<T extends string>(type: T) {
  return {
    [`get_policy_${type}_rule`]: readQosPolicy,
    [`create_policy_${type}_rule`]: admin,
    [`update_policy_${type}_rule`]: admin,
    [`delete_policy_${type}_rule`]: admin,
    [`get_alias_${type}_rule`]: readQosPolicy,
    [`update_alias_${type}_rule`]: admin,
    [`delete_alias_${type}_rule`]: admin,
  } as Record<
    | `get_policy_${T}_rule`
    | `create_policy_${T}_rule`
    | `update_policy_${T}_rule`
    | `delete_policy_${T}_rule`
    | `get_alias_${T}_rule`
    | `update_alias_${T}_rule`
    | `delete_alias_${T}_rule`,
    Rule
  >;
}

/** Rules by Neutron's action names (`<verb>_<resource>[:<attribute>]`) and Keystone's (`identity:…`). */
export const POLICY = {
  get_network: readNetwork,
  create_network: memberOfOwner,
  update_network: memberOfOwner,
  delete_network: memberOfOwner,
  'create_network:shared': admin,
  'update_network:shared': admin,
  'create_network:router:external': admin,
  'update_network:router:external': admin,
  'get_network:provider': admin,
  'create_network:provider': admin,
  'create_network:segments': admin,

  get_subnet: readNetworkChild,
  create_subnet: memberOfNetworkOwner,
  update_subnet: memberOfNetworkOwner,
  delete_subnet: memberOfNetworkOwner,

  // Ports: neutron/conf/policies/port.py. Where Neutron 21 also accepts a deprecated rule that
  // ignores roles (its default, enforce_new_defaults = False), Quark keeps the role-aware rule.
  get_port: (c, t) => readerOfOwner(c, t) || readerOfNetworkOwner(c, t),
  create_port: memberOfOwner,
  update_port: memberOfOwner,
  delete_port: (c, t) => memberOfOwner(c, t) || memberOfNetworkOwner(c, t),
  'get_port:binding': admin,
  'create_port:binding': admin,
  'update_port:binding': admin,
  'create_port:binding:vnic_type': memberOfOwner,
  'update_port:binding:vnic_type': memberOfOwner,
  'create_port:device_owner': (c, t) => !networkDevice(t) || memberOfNetworkOwner(c, t),
  'update_port:device_owner': (c, t) => !networkDevice(t) || memberOfNetworkOwner(c, t),
  'create_port:mac_address': memberOfNetworkOwner,
  'update_port:mac_address': admin,
  'create_port:fixed_ips': (c, t) => memberOfNetworkOwner(c, t) || t.networkShared === true,
  'create_port:fixed_ips:ip_address': memberOfNetworkOwner,
  'create_port:fixed_ips:subnet_id': (c, t) => memberOfNetworkOwner(c, t) || t.networkShared === true,
  'update_port:fixed_ips': memberOfNetworkOwner,
  'update_port:fixed_ips:ip_address': memberOfNetworkOwner,
  'update_port:fixed_ips:subnet_id': (c, t) => memberOfNetworkOwner(c, t) || t.networkShared === true,
  'create_port:port_security_enabled': memberOfNetworkOwner,
  'update_port:port_security_enabled': memberOfNetworkOwner,
  'create_port:allowed_address_pairs': memberOfNetworkOwner,
  'create_port:allowed_address_pairs:ip_address': memberOfNetworkOwner,
  'create_port:allowed_address_pairs:mac_address': memberOfNetworkOwner,
  'update_port:allowed_address_pairs': memberOfNetworkOwner,
  'update_port:allowed_address_pairs:ip_address': memberOfNetworkOwner,
  'update_port:allowed_address_pairs:mac_address': memberOfNetworkOwner,

  get_router: readerOfOwner,
  create_router: memberOfOwner,
  update_router: memberOfOwner,
  delete_router: memberOfOwner,
  add_router_interface: memberOfOwner,
  remove_router_interface: memberOfOwner,
  'create_router:external_gateway_info:external_fixed_ips': admin,
  'update_router:external_gateway_info:external_fixed_ips': admin,
  'create_router:external_gateway_info:enable_snat': admin,
  'update_router:external_gateway_info:enable_snat': admin,
  add_extraroutes: memberOfOwner,
  remove_extraroutes: memberOfOwner,
  // dvr and l3-ha (neutron/conf/policies/router.py): only an admin chooses or sees whether a
  // router is distributed or HA.
  'get_router:distributed': admin,
  'create_router:distributed': admin,
  'update_router:distributed': admin,
  'get_router:ha': admin,
  'create_router:ha': admin,
  'update_router:ha': admin,

  get_floatingip: readerOfOwner,
  create_floatingip: memberOfOwner,
  update_floatingip: memberOfOwner,
  delete_floatingip: memberOfOwner,
  'create_floatingip:floating_ip_address': admin,

  get_security_group: (c, t) => readerOfOwner(c, t) || sharedToCaller(c, t),
  create_security_group: memberOfOwner,
  update_security_group: memberOfOwner,
  delete_security_group: memberOfOwner,
  get_security_group_rule: readerOfOwner,
  create_security_group_rule: memberOfOwner,
  update_security_group_rule: memberOfOwner,
  delete_security_group_rule: memberOfOwner,

  // Address groups: neutron/conf/policies/address_group.py defines only get_address_group
  // (PROJECT_READER, or rule:shared_address_groups: shared through RBAC); writes fall to
  // Neutron's `default` (admin_or_owner), kept role-aware here as the rules above.
  get_address_group: (c, t) => readerOfOwner(c, t) || sharedToCaller(c, t),
  create_address_group: memberOfOwner,
  update_address_group: memberOfOwner,
  delete_address_group: memberOfOwner,
  add_addresses: memberOfOwner,
  remove_addresses: memberOfOwner,
  // Network logs: neutron/conf/policies/logging.py, every rule admin only.
  get_loggable_resource: admin,
  get_log: admin,
  create_log: admin,
  update_log: admin,
  delete_log: admin,

  // Port forwardings: neutron/conf/policies/floatingip_port_forwarding.py (PROJECT_MEMBER or
  // PROJECT_READER, or the parent floating IP's owner); conntrack helpers: l3_conntrack_helper.py,
  // the same of the router. The target is the parent's project; role-aware as the rules above.
  get_floatingip_port_forwarding: readerOfOwner,
  create_floatingip_port_forwarding: memberOfOwner,
  update_floatingip_port_forwarding: memberOfOwner,
  delete_floatingip_port_forwarding: memberOfOwner,
  get_router_conntrack_helper: readerOfOwner,
  create_router_conntrack_helper: memberOfOwner,
  update_router_conntrack_helper: memberOfOwner,
  delete_router_conntrack_helper: memberOfOwner,
  // Metering: neutron/conf/policies/metering.py, every rule admin only. Neutron defines no update
  // rules (nothing is updatable); Quark's PUT answers 400 or 501 behind these.
  get_metering_label: admin,
  create_metering_label: admin,
  'create_metering_label:shared': admin,
  update_metering_label: admin,
  delete_metering_label: admin,
  get_metering_label_rule: admin,
  create_metering_label_rule: admin,
  update_metering_label_rule: admin,
  delete_metering_label_rule: admin,

  // Local IPs: neutron/conf/policies/local_ip.py (PROJECT_READER / PROJECT_MEMBER) and
  // local_ip_association.py (the same, or the parent local IP's owner); role-aware as above.
  get_local_ip: readerOfOwner,
  create_local_ip: memberOfOwner,
  update_local_ip: memberOfOwner,
  delete_local_ip: memberOfOwner,
  get_local_ip_port_association: readerOfOwner,
  create_local_ip_port_association: memberOfOwner,
  update_local_ip_port_association: memberOfOwner,
  delete_local_ip_port_association: memberOfOwner,

  // QoS: neutron/conf/policies/qos.py. Policies and rules are written by admins only; a policy
  // and its rules are read by readers of its project and by the projects it is shared with
  // (Neutron 21 also honours the deprecated RULE_ANY for reads, and its query shows a project
  // only its own and shared policies: the same set; qosPolicyTarget, server/plugin/qos-policies.ts).
  // Listing rule types is open to every caller (RULE_ANY); showing one's details is refused to
  // non-admins by the route, as by Neutron's plugin.
  get_policy: readQosPolicy,
  create_policy: admin,
  update_policy: admin,
  delete_policy: admin,
  // Neutron 21's tag controller checks no policy, only that the caller sees the policy
  // (neutron/extensions/tagging.py): the owning project's members tag their policies.
  'update_policy:tags': memberOfOwner,
  // The whole action is the admin's; these make `shared` guarded like every sharing attribute.
  'create_policy:shared': admin,
  'update_policy:shared': admin,
  get_rule_type: anyone,
  ...qosRuleRules('bandwidth_limit'),
  ...qosRuleRules('dscp_marking'),
  ...qosRuleRules('minimum_bandwidth'),
  ...qosRuleRules('packet_rate_limit'),
  ...qosRuleRules('minimum_packet_rate'),
  // Trunks: neutron/conf/policies/trunk.py (PROJECT_READER for get_trunk and get_subports,
  // PROJECT_MEMBER for the writes and the subport actions); role-aware as above.
  get_trunk: readerOfOwner,
  create_trunk: memberOfOwner,
  update_trunk: memberOfOwner,
  delete_trunk: memberOfOwner,
  get_subports: readerOfOwner,
  add_subports: memberOfOwner,
  remove_subports: memberOfOwner,

  // Network segment ranges: neutron/conf/policies/network_segment_range.py, every rule ADMIN.
  get_network_segment_range: admin,
  create_network_segment_range: admin,
  update_network_segment_range: admin,
  delete_network_segment_range: admin,
  // Neutron needs no attribute rule on an admin-only resource; Quark keeps one for every writable `shared`.
  'create_network_segment_range:shared': admin,

  get_agent: admin,
  create_agent: admin,
  update_agent: admin,
  delete_agent: admin,
  'get_l3-routers': admin,
  'get_l3-agents': admin,
  'get_dhcp-networks': admin,
  'get_dhcp-agents': admin,
  'create_dhcp-network': admin,
  'delete_dhcp-network': admin,

  get_network_ip_availability: admin,
  // Quark's own: explain and trace read every host's state; agents answer their queries.
  'quark:explain': admin,
  'quark:trace': admin,
  'quark:answer_query': admin,
  // Quark's own read: the web view's event stream, for anyone with a token; each change in it is
  // filtered by get_<resource> and the attribute rules.
  get_quark_events: anyone,

  get_quota: readerOfOwner,
  update_quota: admin,
  delete_quota: admin,

  // Sharing and IPAM (issue 15), from neutron/conf/policies/{rbac,address_scope,subnetpool}.py:
  // the old and new defaults of Zed combined, as Neutron runs without enforce_new_defaults.
  get_rbac_policy: readerOfOwner,
  create_rbac_policy: memberOfOwner,
  update_rbac_policy: memberOfOwner,
  delete_rbac_policy: memberOfOwner,
  // restrict_wildcard: only an admin shares with every project.
  'create_rbac_policy:target_tenant': (c, t) => c.isAdmin || (isMember(c) && t.wildcard !== true),
  'update_rbac_policy:target_tenant': (c, t) => c.isAdmin || (isMember(c) && t.wildcard !== true),
  get_address_scope: (c, t) => readerOfOwner(c, t) || sharedToCaller(c, t),
  create_address_scope: memberOfOwner,
  update_address_scope: memberOfOwner,
  delete_address_scope: memberOfOwner,
  'create_address_scope:shared': admin,
  'update_address_scope:shared': admin,
  get_subnetpool: (c, t) => readerOfOwner(c, t) || sharedToCaller(c, t),
  create_subnetpool: memberOfOwner,
  update_subnetpool: memberOfOwner,
  delete_subnetpool: memberOfOwner,
  'create_subnetpool:shared': admin,
  'create_subnetpool:is_default': admin,
  'update_subnetpool:is_default': admin,
  add_prefixes: memberOfOwner,
  remove_prefixes: memberOfOwner,
  // neutron/conf/policies/flavor.py: admins manage flavors and profiles, anyone reads flavors.
  get_flavor: anyone,
  create_flavor: admin,
  update_flavor: admin,
  delete_flavor: admin,
  get_service_profile: admin,
  create_service_profile: admin,
  update_service_profile: admin,
  delete_service_profile: admin,
  get_flavor_service_profile: anyone,
  create_flavor_service_profile: admin,
  delete_flavor_service_profile: admin,

  // Keystone (its pre-system-scope defaults: admin_required, or the caller's own records).
  'identity:get_domain': (c, t) => c.isAdmin || c.domainId === t.domainId || c.projectDomainId === t.domainId,
  'identity:list_domains': admin,
  'identity:create_domain': admin,
  'identity:update_domain': admin,
  'identity:delete_domain': admin,
  'identity:get_project': (c, t) => c.isAdmin || owns(c, t),
  'identity:list_projects': admin,
  'identity:list_user_projects': adminOrSelf,
  'identity:create_project': admin,
  'identity:update_project': admin,
  'identity:delete_project': admin,
  'identity:get_user': adminOrSelf,
  'identity:list_users': admin,
  'identity:create_user': admin,
  'identity:update_user': admin,
  'identity:delete_user': admin,
  'identity:change_password': self,
  'identity:get_role': admin,
  'identity:list_roles': admin,
  'identity:create_role': admin,
  'identity:update_role': admin,
  'identity:delete_role': admin,
  'identity:check_grant': admin,
  'identity:list_grants': admin,
  'identity:create_grant': admin,
  'identity:revoke_grant': admin,
  'identity:list_role_assignments': admin,
  'identity:validate_token': adminOrSelf,
  'identity:revoke_token': adminOrSelf,
  'identity:get_service': admin,
  'identity:list_services': admin,
  'identity:get_endpoint': admin,
  'identity:list_endpoints': admin,
  'identity:get_region': anyone,
  'identity:list_regions': anyone,
} as const satisfies Readonly<Record<string, Rule>>;

/** An action the table has a rule for: `enforce('creat_port', …)` does not compile. */
export type PolicyAction = keyof typeof POLICY;

export function hasRule(action: string): action is PolicyAction {
  return Object.hasOwn(POLICY, action);
}

/**
 * An action whose name is computed (`create_${member}`), checked against the table: a name
 * without a rule is a server bug, refused as such rather than allowed.
 */
export function policyAction(action: string): PolicyAction {
  if (!hasRule(action)) throw new QuarkError('InternalError', `no policy rule for ${action}`);
  return action;
}

export function allowed(action: PolicyAction, caller: Caller, target: Target): boolean {
  return (POLICY[action] as Rule)(caller, target);
}

/** Throws 403 PolicyNotAuthorized unless `action` is allowed. */
export function enforce(action: PolicyAction, caller: Caller, target: Target): void {
  if (!allowed(action, caller, target)) {
    throw new QuarkError('PolicyNotAuthorized', `(rule:${action}) is disallowed by policy`);
  }
}
