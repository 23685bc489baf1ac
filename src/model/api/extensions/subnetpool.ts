/**
 * Subnet pools (`subnet_allocation`): the pool resource, and the subnet attributes that carve a
 * subnet out of one (`subnetpool_id`, `prefixlen`, and `use_default_subnetpool` of
 * `default-subnetpools`), as neutron-lib's subnetpool, subnet and default_subnetpools
 * definitions declare them. `subnetpool-prefix-ops` adds the add_prefixes/remove_prefixes
 * actions (server/api/subnetpool-actions.ts).
 */
import { invalidField } from '../../errors.js';
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { standardAttributes } from '../standard.js';
import { type Convert, bool, int, listOf, nullable, str, subnetCidr, uuid } from '../validators.js';

const UPDATED = '2026-12-07T00:00:00-00:00';

/** Neutron's type:not_empty_string. */
const notEmpty: Convert<string> = (v, field) => {
  const s = str(255)(v, field);
  if (s.trim() === '') throw invalidField(field, `'${s}' Blank strings are not permitted`);
  return s;
};

const nonNegative = int(0);

export const subnetPools = {
  member: 'subnetpool',
  collection: 'subnetpools',
  path: 'subnetpools',
  attributes: {
    ...standardAttributes,
    name: { post: true, put: true, required: true, convert: notEmpty, filter: 'string', sort: true },
    prefixes: { post: true, put: true, required: true, convert: listOf(subnetCidr, { unique: true }) },
    default_quota: { post: true, put: true, convert: nullable(nonNegative), filter: 'integer', sort: true },
    ip_version: { filter: 'integer', sort: true },
    default_prefixlen: { post: true, put: true, convert: nonNegative, filter: 'integer', sort: true },
    min_prefixlen: { post: true, put: true, convert: nonNegative, filter: 'integer', sort: true },
    max_prefixlen: { post: true, put: true, convert: nonNegative, filter: 'integer', sort: true },
    is_default: { post: true, put: true, convert: bool, default: false, filter: 'boolean', sort: true },
    shared: { post: true, convert: bool, default: false, filter: 'boolean', sort: true },
  },
} satisfies ResourceDeclaration;

export const subnetAllocation = {
  alias: 'subnet_allocation',
  name: 'Subnet Allocation',
  description: 'Enables allocation of subnets from a subnet pool',
  updated: UPDATED,
  resources: [subnetPools],
  attributes: {
    subnets: {
      subnetpool_id: { post: true, convert: nullable(uuid), filter: 'string', sort: true },
      prefixlen: { post: true, convert: nonNegative, visible: false },
    },
  },
} satisfies ExtensionDeclaration;

export const defaultSubnetpools = {
  alias: 'default-subnetpools',
  name: 'Default Subnetpools',
  description: 'Provides ability to mark and use a subnetpool as the default.',
  updated: UPDATED,
  attributes: { subnets: { use_default_subnetpool: { post: true, convert: bool, default: false, visible: false } } },
} satisfies ExtensionDeclaration;

export const subnetpoolPrefixOps = {
  alias: 'subnetpool-prefix-ops',
  name: 'Subnet Pool Prefix Operations',
  description: 'Provides support for adjusting the prefix list of subnet pools',
  updated: UPDATED,
} satisfies ExtensionDeclaration;
