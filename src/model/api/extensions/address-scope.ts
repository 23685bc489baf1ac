/**
 * `address-scope`: address scopes, the subnet pools' `address_scope_id` and the networks'
 * `ipv4_address_scope`/`ipv6_address_scope` (the scope of the pool their subnets come from), as
 * neutron-lib's address_scope definition declares them. Address scopes have no standard
 * attributes: no description, tags, timestamps or revision.
 */
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { idAttributes } from '../standard.js';
import { bool, intIn, nullable, str, uuid } from '../validators.js';

const UPDATED = '2026-12-07T00:00:00-00:00';

export const addressScopes = {
  member: 'address_scope',
  collection: 'address_scopes',
  path: 'address-scopes',
  attributes: {
    ...idAttributes,
    name: { post: true, put: true, convert: str(255), default: '', filter: 'string', sort: true },
    shared: { post: true, put: true, convert: bool, default: false, filter: 'boolean', sort: true },
    ip_version: { post: true, required: true, convert: intIn([4, 6]), filter: 'integer', sort: true },
  },
} satisfies ResourceDeclaration;

export const addressScope = {
  alias: 'address-scope',
  name: 'Address scope',
  description: 'Address scopes extension.',
  updated: UPDATED,
  resources: [addressScopes],
  attributes: {
    subnetpools: { address_scope_id: { post: true, put: true, convert: nullable(uuid), filter: 'string', sort: true } },
    networks: { ipv4_address_scope: {}, ipv6_address_scope: {} },
  },
} satisfies ExtensionDeclaration;
