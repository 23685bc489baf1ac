/**
 * The `address-group` extension (named sets of prefixes) and
 * `security-groups-remote-address-group` (a rule's remote end is an address group), as
 * neutron-lib's address_group and security_groups_remote_address_group definitions declare them.
 *
 * Measured on Neutron 21: an address group shows no created_at, updated_at or revision_number
 * on GET (its model registers the extension's alias, not its collection, for the standard
 * attributes), `shared` is neither shown, set nor filterable, and `addresses` is set only on
 * create and through the `add_addresses` / `remove_addresses` actions.
 */
import { invalidField } from '../../errors.js';
import { formatCidr, parseCidr } from '../../ip/cidr.js';
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { idAttributes, nameAttributes } from '../standard.js';
import { type Convert, nullable, str } from '../validators.js';

const UPDATED = '2026-12-07T00:00:00-00:00';

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Neutron's `type:subnet_list`: a list of prefixes, each with a length ("10.20.30.40" is
 * refused with the /32 recommended), no item twice as written; host bits are then cleared, as
 * the address group's table stores them ("192.168.0.10/24" becomes "192.168.0.0/24").
 */
export const prefixList: Convert<string[]> = (v, field) => {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw invalidField(field, `'${show(v)}' is not a list`);
  const seen = new Set<string>();
  const dups = v.filter((x) => {
    const key = show(x);
    const again = seen.has(key);
    seen.add(key);
    return again;
  });
  if (dups.length > 0) throw invalidField(field, `Duplicate items in the list: '${dups.map(show).join(', ')}'`);
  return v.map((item) => {
    const c = typeof item === 'string' ? parseCidr(item.trim()) : null;
    if (c === null || typeof item !== 'string') throw invalidField(field, `'${show(item)}' is not a valid IP subnet`);
    const normal = formatCidr(c);
    if (!item.includes('/')) {
      throw invalidField(field, `'${item}' isn't a recognized IP subnet cidr, '${normal}' is recommended`);
    }
    return normal;
  });
};

export const addressGroups = {
  member: 'address_group',
  collection: 'address_groups',
  path: 'address-groups',
  attributes: {
    ...idAttributes,
    name: nameAttributes.name!,
    description: { ...nameAttributes.description!, convert: str(1024) },
    addresses: { post: true, convert: prefixList, default: [] },
  },
} satisfies ResourceDeclaration;

export const addressGroup = {
  alias: 'address-group',
  name: 'Address group',
  description: 'Support address group',
  updated: UPDATED,
  resources: [addressGroups],
} satisfies ExtensionDeclaration;

export const securityGroupsRemoteAddressGroup = {
  alias: 'security-groups-remote-address-group',
  name: 'Remote address group id field for security group rules',
  description: 'Add new field of remote address group id in SG rules',
  updated: UPDATED,
  attributes: {
    // No validator in Neutron: a value that names no address group is AddressGroupNotFound (404).
    security_group_rules: {
      remote_address_group_id: { post: true, convert: nullable(str(255)), default: null, filter: 'string', sort: true },
    },
  },
} satisfies ExtensionDeclaration;
