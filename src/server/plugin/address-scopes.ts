/**
 * Rules of the `address_scope` resource, as neutron/db/address_scope_db.py: `shared` is the
 * wildcard RBAC policy (and a shared scope cannot be unshared), a scope in use by subnet pools
 * cannot be deleted. Scopes have no standard attributes.
 */
import type { AddressScopeCreate, AddressScopeUpdate } from '../../model/api/values.js';
import { QuarkError } from '../../model/errors.js';
import type { AddressScope } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { HandlerSpec } from '../api/resource.js';
import type { PluginContext } from './context.js';
import { sharedWith, targetsOf } from './rbac-access.js';
import { deletePoliciesOf, setWildcardPolicy } from './rbac-policies.js';

export const addressScopeNotFound = (id: string) =>
  new QuarkError('AddressScopeNotFound', `Address scope ${id} could not be found.`);

export function createAddressScope(tx: WriteTx, ctx: PluginContext, v: AddressScopeCreate, projectId: string): AddressScope {
  const id = ctx.newId();
  if (v.shared === true) setWildcardPolicy(tx, ctx, 'address_scope', id, projectId, 'access_as_shared', true);
  return tx.put('address_scope', {
    id,
    project_id: projectId,
    name: v.name,
    ip_version: v.ip_version as 4 | 6,
    shared: v.shared,
  });
}

export function updateAddressScope(tx: WriteTx, ctx: PluginContext, scope: AddressScope, v: AddressScopeUpdate): AddressScope {
  if (scope.shared && v.shared === false) {
    throw new QuarkError(
      'AddressScopeUpdateError',
      `Unable to update address scope ${scope.id} : Shared address scope can't be unshared.`,
    );
  }
  if (v.shared === true && !scope.shared)
    setWildcardPolicy(tx, ctx, 'address_scope', scope.id, scope.project_id, 'access_as_shared', true);
  return tx.put('address_scope', {
    ...scope,
    name: v.name ?? scope.name,
    shared: scope.shared || v.shared === true,
  });
}

export function deleteAddressScope(tx: WriteTx, _ctx: PluginContext, scope: AddressScope): void {
  if (tx.count('subnetpool', 'addressScope', scope.id) > 0) {
    throw new QuarkError(
      'AddressScopeInUse',
      `Unable to complete operation on address scope ${scope.id}. There are one or more subnet pools in use on the address scope.`,
    );
  }
  deletePoliciesOf(tx, 'address_scope', scope.id);
  tx.delete('address_scope', scope.id);
}

export const addressScopeHandler: HandlerSpec<'address_scope', AddressScopeCreate, AddressScopeUpdate> = {
  kind: 'address_scope',
  path: 'address-scopes',
  notFound: addressScopeNotFound,
  target: (view, a) => ({
    projectId: a.project_id,
    shared: a.shared,
    sharedWith: targetsOf(view, 'address_scope', a.id, 'access_as_shared'),
  }),
  forCaller: (view, a, caller) =>
    !a.shared && sharedWith(view, 'address_scope', a.id, caller.projectId) ? { shared: true } : null,
  create: createAddressScope,
  update: updateAddressScope,
  delete: deleteAddressScope,
};
