/**
 * `flavors` (service flavors and service profiles, admins manage them, anyone reads flavors) and
 * `l3-flavors` (a router made with a flavor), as neutron-lib's flavors and l3_flavors
 * definitions declare them. Quark implements one L3 provider, `quark`: a profile names it as
 * its driver, or carries only metadata.
 */
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { bool, nullable, str, uuid, uuidList } from '../validators.js';

const UPDATED = '2026-12-07T00:00:00-00:00';

export const flavorsResource = {
  member: 'flavor',
  collection: 'flavors',
  path: 'flavors',
  attributes: {
    id: { filter: 'string', sort: true },
    name: { post: true, put: true, convert: str(255), default: '', filter: 'string', sort: true },
    description: { post: true, put: true, convert: nullable(str(1024)), default: '', filter: 'string', sort: true },
    service_type: { post: true, required: true, convert: str(255), filter: 'string', sort: true },
    // Accepted, never shown (Neutron's flavor and profile dictionaries have no owner).
    tenant_id: { post: true, convert: str(255), visible: false },
    project_id: { post: true, convert: str(255), visible: false },
    service_profiles: { post: true, put: true, convert: uuidList, default: [] },
    enabled: { post: true, put: true, convert: nullable(bool), default: true, filter: 'boolean', sort: true },
  },
} satisfies ResourceDeclaration;

export const serviceProfiles = {
  member: 'service_profile',
  collection: 'service_profiles',
  path: 'service_profiles',
  attributes: {
    id: { filter: 'string', sort: true },
    description: { post: true, put: true, convert: nullable(str(1024)), default: '', filter: 'string', sort: true },
    driver: { post: true, put: true, convert: str(1024), default: '', filter: 'string', sort: true },
    metainfo: { post: true, put: true, convert: str(4096), default: '', sort: true },
    // Accepted, never shown (Neutron's flavor and profile dictionaries have no owner).
    tenant_id: { post: true, convert: str(255), visible: false },
    project_id: { post: true, convert: str(255), visible: false },
    enabled: { post: true, put: true, convert: nullable(bool), default: true, filter: 'boolean', sort: true },
    flavors: {},
  },
} satisfies ResourceDeclaration;

export const flavors = {
  alias: 'flavors',
  name: 'Neutron Service Flavors',
  description: 'Flavor specification for Neutron advanced services.',
  updated: UPDATED,
  resources: [flavorsResource, serviceProfiles],
} satisfies ExtensionDeclaration;

export const l3Flavors = {
  alias: 'l3-flavors',
  name: 'Router Flavor Extension',
  description: 'Flavor support for routers.',
  updated: UPDATED,
  attributes: { routers: { flavor_id: { post: true, convert: nullable(uuid), sort: true } } },
} satisfies ExtensionDeclaration;
