/**
 * The L3 extensions: routers and floating IPs (`router`), SNAT on the gateway (`ext-gw-mode`),
 * extra routes (`extraroute`) and highly available routers (`l3-ha`), as neutron-lib's l3,
 * l3_ext_gw_mode, extraroute and l3_ext_ha_mode definitions declare them.
 */
import type { Attribute, AttributeMap, ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { idAttributes, nameAttributes, standardAttributes, timestampAttributes } from '../standard.js';
import { bool, cidr, dict, dictOrNone, ip, listOf, nullable, uuid } from '../validators.js';
import type { Convert } from '../validators.js';

const UPDATED = '2026-11-26T00:00:00-00:00';

const externalFixedIps = listOf(
  dict<{ subnet_id?: string; ip_address?: string }>({ subnet_id: { convert: uuid }, ip_address: { convert: ip } }),
);

export interface GatewayInfoRequest {
  readonly network_id: string;
  readonly enable_snat?: boolean;
  readonly external_fixed_ips?: readonly { subnet_id?: string; ip_address?: string }[];
}

function gatewayInfo(withSnat: boolean) {
  const shape = {
    network_id: { convert: uuid, required: true },
    external_fixed_ips: { convert: externalFixedIps },
    ...(withSnat ? { enable_snat: { convert: bool } } : {}),
  };
  return {
    post: true,
    put: true,
    convert: dictOrNone(dict<GatewayInfoRequest>(shape as never)),
    default: null,
  } satisfies Attribute;
}

export const routers = {
  member: 'router',
  collection: 'routers',
  path: 'routers',
  attributes: {
    ...standardAttributes,
    admin_state_up: { post: true, put: true, convert: bool, default: true, filter: 'boolean', sort: true },
    status: { filter: 'string', sort: true },
    external_gateway_info: gatewayInfo(false),
  },
} satisfies ResourceDeclaration;

/** Floating IPs have no name, only a description. */
const floatingIpStandard = {
  ...idAttributes,
  description: nameAttributes.description!,
  ...timestampAttributes,
} satisfies AttributeMap;

export const floatingIps = {
  member: 'floatingip',
  collection: 'floatingips',
  path: 'floatingips',
  attributes: {
    ...floatingIpStandard,
    floating_network_id: { post: true, required: true, convert: uuid, filter: 'string', sort: true },
    floating_ip_address: { post: true, convert: nullable(ip), filter: 'string', sort: true },
    subnet_id: { post: true, convert: nullable(uuid), visible: false },
    port_id: { post: true, put: true, convert: nullable(uuid), default: null, filter: 'string', sort: true },
    fixed_ip_address: { post: true, put: true, convert: nullable(ip), default: null, filter: 'string', sort: true },
    router_id: { filter: 'string', sort: true },
    status: { filter: 'string', sort: true },
  },
} satisfies ResourceDeclaration;

export const router = {
  alias: 'router',
  name: 'Neutron L3 Router',
  description:
    'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.',
  updated: UPDATED,
  resources: [routers, floatingIps],
} satisfies ExtensionDeclaration;

export const extGwMode = {
  alias: 'ext-gw-mode',
  name: 'Neutron L3 Configurable external gateway mode',
  description: 'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway',
  updated: UPDATED,
  attributes: { routers: { external_gateway_info: gatewayInfo(true) } },
} satisfies ExtensionDeclaration;

/** Routes may only be set by update, and null clears them, as Neutron's extraroute. */
const routesList: Convert<{ destination: string; nexthop: string }[]> = (v, field) =>
  v === null
    ? []
    : listOf(
        dict<{ destination: string; nexthop: string }>({
          destination: { convert: cidr, required: true },
          nexthop: { convert: ip, required: true },
        }),
        { unique: true },
      )(v, field);

export const extraRoute = {
  alias: 'extraroute',
  name: 'Neutron Extra Route',
  description: 'Extra routes configuration for L3 router',
  updated: UPDATED,
  attributes: { routers: { routes: { put: true, convert: routesList } } },
} satisfies ExtensionDeclaration;

/**
 * `dvr`: a router's `distributed` flag (admins only), false unless asked, as Neutron with
 * router_distributed off. Quark's L3 agent runs every router as centralized qrouter namespaces,
 * whatever the flag says (docs/api.md).
 */
export const dvr = {
  alias: 'dvr',
  name: 'Distributed Virtual Router',
  description: 'Enables configuration of Distributed Virtual Routers.',
  updated: UPDATED,
  attributes: { routers: { distributed: { post: true, put: true, convert: nullable(bool) } } },
} satisfies ExtensionDeclaration;

/**
 * `ha`: the router runs on several L3 agents with keepalived, one active (docs/l3.md). Given
 * or not, the server decides (absent or null: the `l3Ha` setting); only an admin may give it
 * or read it (policy), and it changes only while the router is administratively down.
 */
export const l3Ha = {
  alias: 'l3-ha',
  name: 'HA Router extension',
  description: 'Adds HA capability to routers.',
  updated: UPDATED,
  attributes: { routers: { ha: { post: true, put: true, convert: nullable(bool) } } },
} satisfies ExtensionDeclaration;

export const routerAdminStateDownBeforeUpdate = {
  alias: 'router-admin-state-down-before-update',
  name: "Enforce Router's Admin State Down Before Update Extension",
  description: 'Ensure that the admin state of a router is DOWN (admin_state_up=False) before updating the distributed attribute',
  updated: UPDATED,
} satisfies ExtensionDeclaration;

export const extraRouteAtomic = {
  alias: 'extraroute-atomic',
  name: 'Atomically add/remove extra routes',
  description: 'Edit extra routes of a router on server side by atomically adding/removing extra routes',
  updated: UPDATED,
} satisfies ExtensionDeclaration;
