/**
 * `rbac-policies`: who else may use a network, security group, address scope, subnet pool or address group,
 * as neutron/extensions/rbac.py declares the resource (no standard attributes), and the
 * extensions that add object types to it. `security-groups-shared-filtering` shows and filters
 * a security group's `shared`.
 */
import { QuarkError } from '../../errors.js';
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { type Convert, str, uuid } from '../validators.js';

const UPDATED = '2026-12-07T00:00:00-00:00';

export const RBAC_OBJECT_TYPES = [
  'network',
  'security_group',
  'address_scope',
  'subnetpool',
  'qos_policy',
  'address_group',
] as const;

/** Neutron's convert_valid_object_type: trimmed, lower case, known; else InvalidInput. */
const objectType: Convert<(typeof RBAC_OBJECT_TYPES)[number]> = (v) => {
  const normal = typeof v === 'string' ? v.trim().toLowerCase() : '';
  const known = RBAC_OBJECT_TYPES.find((t) => t === normal);
  if (!known) {
    throw new QuarkError('InvalidInput', `Invalid input for operation: '${String(v)}' is not a valid RBAC object type.`);
  }
  return known;
};

export const rbacPolicies = {
  member: 'rbac_policy',
  collection: 'rbac_policies',
  path: 'rbac-policies',
  attributes: {
    id: { filter: 'string', sort: true },
    project_id: { post: true, convert: str(255), filter: 'string', sort: true },
    tenant_id: { post: true, convert: str(255), filter: 'string', sort: true },
    object_type: { post: true, required: true, convert: objectType, filter: 'string', sort: true },
    object_id: { post: true, required: true, convert: uuid, filter: 'string', sort: true },
    target_tenant: { post: true, put: true, required: true, convert: str(255), filter: 'string', sort: true },
    action: { post: true, required: true, convert: str(255), filter: 'string', sort: true },
  },
} satisfies ResourceDeclaration;

export const rbacPoliciesExtension = {
  alias: 'rbac-policies',
  name: 'RBAC Policies',
  description: 'Allows creation and modification of policies that control tenant access to resources.',
  updated: UPDATED,
  resources: [rbacPolicies],
} satisfies ExtensionDeclaration;

const marker = (alias: string, name: string, description: string): ExtensionDeclaration => ({
  alias,
  name,
  description,
  updated: UPDATED,
});

export const rbacObjectTypeExtensions: readonly ExtensionDeclaration[] = [
  marker('rbac-address-group', 'Add address_group type to RBAC', 'Add address_group type to network RBAC'),
  marker('rbac-address-scope', 'Add address_scope type to RBAC', 'Add address_scope type to RBAC'),
  marker('rbac-security-groups', 'Add security_group type to network RBAC', 'Add security_group type to network RBAC'),
  marker('rbac-subnetpool', 'Add subnetpool type to RBAC', 'Add subnetpool type to RBAC'),
];

export const securityGroupsSharedFiltering = {
  alias: 'security-groups-shared-filtering',
  name: 'Security group filtering on the shared field',
  description: 'Support filtering security groups on the shared field',
  updated: UPDATED,
  attributes: { security_groups: { shared: { filter: 'boolean' } } },
} satisfies ExtensionDeclaration;
