/**
 * The address group actions `PUT /v2.0/address-groups/{id}/add_addresses` and
 * `remove_addresses` with `{"addresses": [...]}`: 200 with the whole group, each one store
 * transaction. Neutron names their policy rules after the actions (`add_addresses`,
 * `remove_addresses`) and its answer carries the group's standard attributes and `shared`,
 * which GET does not show (measured on Neutron 21); Quark answers the same.
 */
import type { FastifyInstance } from 'fastify';
import { QuarkError, invalidField } from '../../model/errors.js';
import { formatCidr, parseCidr } from '../../model/ip/cidr.js';
import type { AddressGroup } from '../../model/resources.js';
import { enforce } from '../policy.js';
import { addAddresses, removeAddresses, sharedWithCaller } from '../plugin/address-groups.js';
import { findVisible, render } from './collection.js';
import type { RouteDeps } from './collection-routes.js';
import type { AnyResourceHandler } from './resource.js';

type IdParams = { id: string };

/**
 * The actions' addresses are not validated as the attribute is on create: Neutron reads each
 * with netaddr, so an address without a length is a host (/32, /128), duplicates collapse, and
 * what is not an address is AddrFormatError (measured on Neutron 21).
 */
function requestedAddresses(body: unknown): string[] {
  const addresses = typeof body === 'object' && body !== null ? (body as { addresses?: unknown }).addresses : undefined;
  // Neutron answers a body without `addresses` with a 500; Quark with a 400.
  if (addresses === undefined) throw invalidField('addresses', 'the request body has no addresses');
  if (!Array.isArray(addresses)) throw new QuarkError('AddrFormatError', `invalid IPNetwork ${JSON.stringify(addresses)}`);
  return [
    ...new Set(
      addresses.map((a) => {
        const c = typeof a === 'string' ? parseCidr(a.trim()) : null;
        if (!c) throw new QuarkError('AddrFormatError', `invalid IPNetwork ${String(a)}`);
        return formatCidr(c);
      }),
    ),
  ];
}

export function registerAddressGroupActions(app: FastifyInstance, groups: AnyResourceHandler, deps: RouteDeps): void {
  for (const name of ['add_addresses', 'remove_addresses'] as const) {
    app.put<{ Params: IdParams }>(`/v2.0/address-groups/:id/${name}`, async (request) => {
      const caller = deps.callerOf(request);
      const addresses = requestedAddresses(request.body);
      const group = await deps.store.write((tx) => {
        const found = findVisible(groups, tx, caller, request.params.id) as unknown as AddressGroup;
        enforce(name, caller, { projectId: found.project_id });
        return name === 'add_addresses' ? addAddresses(tx, found, addresses) : removeAddresses(tx, found, addresses);
      });
      const shown = render(groups, deps.services, deps.store.view, caller, group);
      const { created_at, updated_at, revision_number } = group;
      const shared = sharedWithCaller(deps.store.view, group, caller);
      return { address_group: { ...shown, shared, created_at, updated_at, revision_number } };
    });
  }
}
