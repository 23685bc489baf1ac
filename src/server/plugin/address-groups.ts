/**
 * Rules of the `address_group` resource (Neutron's address_group_db.py): addresses are stored
 * normalised, deduplicated and sorted; `add_addresses` refuses an address the group already
 * has (AddressesAlreadyExist), `remove_addresses` one it does not have (AddressesNotFound); a
 * group that security group rules name cannot be deleted (AddressGroupInUse). A rule may name
 * its own project's group, one an RBAC policy shares with its project (`rbac-address-group`),
 * or any, for an admin.
 *
 * A group shared with a project is readable there, never writable: Neutron's update checks
 * get_address_group against the group read with only the attributes policy needs, which leave
 * out `shared`, so the sharing project's update is 404; its delete and actions are 403.
 */
import type { AddressGroupCreate, AddressGroupUpdate } from '../../model/api/values.js';
import { QuarkError } from '../../model/errors.js';
import type { AddressGroup } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import type { Caller } from '../caller.js';
import { deletePoliciesOf } from './rbac-policies.js';
import { hasWildcard, sharedWith, targetsOf } from './rbac-access.js';

export const addressGroupNotFound = (id: string) =>
  new QuarkError('AddressGroupNotFound', `Address group ${id} could not be found.`);

/** Neutron lists addresses in the order its table returns them: as text, ascending. */
const sorted = (addresses: Iterable<string>): string[] => [...new Set(addresses)].sort();

/** Python's repr of a list of strings, as Neutron's messages print it. */
const pyList = (items: readonly string[]) => `[${items.map((a) => `'${a}'`).join(', ')}]`;

/** The group a rule of `projectId` may name as its remote end, or AddressGroupNotFound. */
export function addressGroupFor(view: ReadView, caller: Caller, id: string, projectId: string): AddressGroup {
  const group = view.get('address_group', id);
  const usable = group && (caller.isAdmin || group.project_id === projectId || sharedWith(view, 'address_group', id, projectId));
  if (!usable) throw addressGroupNotFound(id);
  return group;
}

/** Neutron's `shared` of an address group: shared with the caller's project or with every one. */
export const sharedWithCaller = (view: ReadView, group: AddressGroup, caller: Caller): boolean =>
  sharedWith(view, 'address_group', group.id, caller.projectId);

export function addAddresses(tx: WriteTx, group: AddressGroup, addresses: readonly string[]): AddressGroup {
  const present = addresses.filter((a) => group.addresses.includes(a));
  if (present.length > 0) {
    throw new QuarkError(
      'AddressesAlreadyExist',
      `Addresses ${pyList(sorted(present))} already exist in the address group ${group.id}.`,
    );
  }
  return tx.put('address_group', { ...group, addresses: sorted([...group.addresses, ...addresses]) });
}

export function removeAddresses(tx: WriteTx, group: AddressGroup, addresses: readonly string[]): AddressGroup {
  const absent = sorted(addresses.filter((a) => !group.addresses.includes(a)));
  if (absent.length > 0) {
    throw new QuarkError('AddressesNotFound', `Addresses ${pyList(absent)} not found in the address group ${group.id}.`);
  }
  const gone = new Set(addresses);
  return tx.put('address_group', { ...group, addresses: group.addresses.filter((a) => !gone.has(a)) });
}

export const addressGroupHandler: HandlerSpec<'address_group', AddressGroupCreate, AddressGroupUpdate> = {
  kind: 'address_group',
  path: 'address-groups',
  notFound: addressGroupNotFound,
  target: (view, g) => ({
    projectId: g.project_id,
    shared: hasWildcard(view, 'address_group', g.id, 'access_as_shared'),
    sharedWith: targetsOf(view, 'address_group', g.id, 'access_as_shared'),
  }),
  updateReadTarget: (_view, g) => ({ projectId: g.project_id }),
  create: (tx, ctx, v, projectId) =>
    tx.put('address_group', {
      id: ctx.newId(),
      project_id: projectId,
      name: v.name,
      description: v.description,
      addresses: sorted(v.addresses),
      created_at: '',
      updated_at: '',
      revision_number: 0,
    }),
  update: (tx, _ctx, group, v) => tx.put('address_group', { ...group, ...v }),
  delete: (tx, _ctx, group) => {
    if (tx.count('security_group_rule', 'remoteAddressGroup', group.id) > 0) {
      throw new QuarkError('AddressGroupInUse', `Address group ${group.id} is in use on one or more security group rules.`);
    }
    deletePoliciesOf(tx, 'address_group', group.id);
    tx.delete('address_group', group.id);
  },
};
