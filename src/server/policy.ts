/**
 * Who may do what: Neutron's default policy, as one table. A rule is checked against the
 * caller and the target (the record, or the request for creates). Reading a record the caller
 * may not see answers 404 (its existence is not confirmed); other refusals answer 403.
 */
import { QuarkError } from '../model/errors.js';
import type { Caller } from './caller.js';

export interface Target {
  /** The project that owns (or will own) the resource. */
  readonly projectId: string;
  /** For subnets and ports: the project that owns their network. */
  readonly networkProjectId?: string;
  /** For networks: shared with every project. */
  readonly shared?: boolean;
  /** For networks: router:external, visible to every project. */
  readonly external?: boolean;
}

type Rule = (caller: Caller, target: Target) => boolean;

const isMember = (c: Caller) => c.isAdmin || c.roles.includes('member');
const owns = (c: Caller, t: Target) => c.projectId !== null && c.projectId === t.projectId;
const ownsNetwork = (c: Caller, t: Target) => c.projectId !== null && c.projectId === t.networkProjectId;

const admin: Rule = (c) => c.isAdmin;
const adminOrOwner: Rule = (c, t) => c.isAdmin || owns(c, t);
const memberOfOwner: Rule = (c, t) => c.isAdmin || (isMember(c) && owns(c, t));
const memberOfNetworkOwner: Rule = (c, t) => c.isAdmin || (isMember(c) && ownsNetwork(c, t));
const readNetwork: Rule = (c, t) => c.isAdmin || owns(c, t) || t.shared === true || t.external === true;
const readNetworkChild: Rule = (c, t) => c.isAdmin || owns(c, t) || ownsNetwork(c, t) || t.shared === true;

/** Rules by Neutron's action names: `<verb>_<resource>[:<attribute>]`. */
export const POLICY: Readonly<Record<string, Rule>> = {
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

  get_port: (c, t) => c.isAdmin || owns(c, t) || ownsNetwork(c, t),
  create_port: memberOfOwner,
  update_port: (c, t) => memberOfOwner(c, t) || memberOfNetworkOwner(c, t),
  delete_port: (c, t) => memberOfOwner(c, t) || memberOfNetworkOwner(c, t),
  'get_port:binding': admin,
  'create_port:binding': admin,
  'update_port:binding': admin,
  'create_port:mac_address': memberOfNetworkOwner,
  'update_port:mac_address': admin,
  'create_port:fixed_ips:ip_address': memberOfNetworkOwner,
  'update_port:fixed_ips:ip_address': memberOfNetworkOwner,
  'create_port:port_security_enabled': memberOfNetworkOwner,
  'update_port:port_security_enabled': memberOfNetworkOwner,

  get_router: adminOrOwner,
  create_router: memberOfOwner,
  update_router: memberOfOwner,
  delete_router: memberOfOwner,
  add_router_interface: memberOfOwner,
  remove_router_interface: memberOfOwner,
  'create_router:external_gateway_info:external_fixed_ips': admin,
  'update_router:external_gateway_info:external_fixed_ips': admin,
  'create_router:external_gateway_info:enable_snat': admin,
  'update_router:external_gateway_info:enable_snat': admin,

  get_floatingip: adminOrOwner,
  create_floatingip: memberOfOwner,
  update_floatingip: memberOfOwner,
  delete_floatingip: memberOfOwner,
  'create_floatingip:floating_ip_address': admin,

  get_security_group: adminOrOwner,
  create_security_group: memberOfOwner,
  update_security_group: memberOfOwner,
  delete_security_group: memberOfOwner,
  get_security_group_rule: adminOrOwner,
  create_security_group_rule: memberOfOwner,
  update_security_group_rule: memberOfOwner,
  delete_security_group_rule: memberOfOwner,

  get_agent: admin,
  create_agent: admin,
  update_agent: admin,
  delete_agent: admin,
  'get_l3-routers': admin,
  'get_l3-agents': admin,
  'get_dhcp-networks': admin,
  'get_dhcp-agents': admin,

  get_network_ip_availability: admin,

  get_quota: adminOrOwner,
  update_quota: admin,
  delete_quota: admin,
};

export function allowed(action: string, caller: Caller, target: Target): boolean {
  const rule = POLICY[action];
  if (!rule) throw new QuarkError('InternalError', `no policy rule for ${action}`);
  return rule(caller, target);
}

/** Throws 403 PolicyNotAuthorized unless `action` is allowed. */
export function enforce(action: string, caller: Caller, target: Target): void {
  if (!allowed(action, caller, target)) {
    throw new QuarkError('PolicyNotAuthorized', `(rule:${action}) is disallowed by policy`);
  }
}
