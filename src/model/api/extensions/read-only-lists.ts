/**
 * Read-only collections computed from what the server knows, as neutron-lib declares them:
 * availability zones (from the agents that report one), floating IP pools (the IPv4 subnets of
 * the external networks the caller sees) and service providers (what implements each service).
 * Plus the attributes that go with them: networks' and routers' availability zones, floating
 * IPs' `port_details`.
 */
import type { Attribute, ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { listOf, str } from '../validators.js';

const UPDATED = '2026-12-07T00:00:00-00:00';

export const availabilityZones = {
  member: 'availability_zone',
  collection: 'availability_zones',
  path: 'availability_zones',
  attributes: {
    name: { filter: 'string', sort: true },
    resource: { filter: 'string', sort: true },
    state: { filter: 'string', sort: true },
  },
} satisfies ResourceDeclaration;

const zoneHints = { post: true, convert: listOf(str(255), { unique: true }), default: [] } satisfies Attribute;

export const availabilityZone = {
  alias: 'availability_zone',
  name: 'Availability Zone',
  description: 'The availability zone extension.',
  updated: UPDATED,
  resources: [availabilityZones],
} satisfies ExtensionDeclaration;

export const networkAvailabilityZone = {
  alias: 'network_availability_zone',
  name: 'Network Availability Zone',
  description: 'Availability zone support for network.',
  updated: UPDATED,
  attributes: { networks: { availability_zones: {}, availability_zone_hints: zoneHints } },
} satisfies ExtensionDeclaration;

export const routerAvailabilityZone = {
  alias: 'router_availability_zone',
  name: 'Router Availability Zone',
  description: 'Availability zone support for router.',
  updated: UPDATED,
  attributes: { routers: { availability_zones: {}, availability_zone_hints: zoneHints } },
} satisfies ExtensionDeclaration;

export const floatingIpPools = {
  member: 'floatingip_pool',
  collection: 'floatingip_pools',
  path: 'floatingip-pools',
  attributes: {
    subnet_id: { filter: 'string', sort: true },
    subnet_name: { filter: 'string', sort: true },
    network_id: { filter: 'string', sort: true },
    cidr: { filter: 'string', sort: true },
    project_id: {},
    tenant_id: {},
  },
} satisfies ResourceDeclaration;

export const floatingIpPoolsExtension = {
  alias: 'floatingip-pools',
  name: 'Floating IP Pools Extension',
  description: 'Provides a floating IP pools API.',
  updated: UPDATED,
  resources: [floatingIpPools],
} satisfies ExtensionDeclaration;

export const fipPortDetails = {
  alias: 'fip-port-details',
  name: 'Floating IP Port Details Extension',
  description: 'Add port_details attribute to Floating IP resource',
  updated: UPDATED,
  attributes: { floatingips: { port_details: {} } },
} satisfies ExtensionDeclaration;

export const serviceProviders = {
  member: 'service_provider',
  collection: 'service_providers',
  path: 'service-providers',
  attributes: {
    service_type: { filter: 'string', sort: true },
    name: { filter: 'string', sort: true },
    default: { filter: 'boolean', sort: true },
  },
} satisfies ResourceDeclaration;

export const serviceType = {
  alias: 'service-type',
  name: 'Neutron Service Type Management',
  description: 'API for retrieving service providers for Neutron advanced services',
  updated: UPDATED,
  resources: [serviceProviders],
} satisfies ExtensionDeclaration;
