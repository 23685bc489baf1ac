/**
 * Trunks, as neutron-lib declares them (api/definitions/trunk.py, trunk_details.py), with
 * Neutron 21's names and dates (measured with the `trunk` service plugin):
 *
 *   /v2.0/trunks                           trunks (standard attributes, tags)
 *   PUT /v2.0/trunks/{id}/add_subports     {"sub_ports": [{port_id, segmentation_type, segmentation_id}]}
 *   PUT /v2.0/trunks/{id}/remove_subports  {"sub_ports": [{port_id}]}
 *   GET /v2.0/trunks/{id}/get_subports
 *
 * and `trunk_details` on the parent port. On create, `sub_ports` is checked as neutron-lib's
 * `type:subports` validator does (model/trunk.ts); the trunk rules (server/plugin/trunks.ts)
 * check the rest. `status` and `sub_ports` are not filters (measured: 400).
 */
import { invalidField } from '../../errors.js';
import { validateSubports } from '../../trunk.js';
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { idAttributes, nameAttributes, timestampAttributes } from '../standard.js';
import { bool, type Convert, uuid } from '../validators.js';

const UPDATED = '2016-01-01T10:00:00-00:00';

const subports: Convert<unknown> = (v, field) => {
  const checked = validateSubports(v);
  if (typeof checked === 'string') throw invalidField(field, checked);
  return v;
};

export const trunks = {
  member: 'trunk',
  collection: 'trunks',
  path: 'trunks',
  attributes: {
    ...idAttributes,
    name: nameAttributes.name!,
    description: nameAttributes.description!,
    admin_state_up: { post: true, put: true, convert: bool, default: true, filter: 'boolean', sort: true },
    port_id: { post: true, required: true, convert: uuid, filter: 'string', sort: true },
    status: { sort: true },
    sub_ports: { post: true, convert: subports, default: [] },
    ...timestampAttributes,
  },
} satisfies ResourceDeclaration;

export const trunk = {
  alias: 'trunk',
  name: 'Trunk Extension',
  description: 'Provides support for trunk ports',
  updated: UPDATED,
  resources: [trunks],
} satisfies ExtensionDeclaration;

export const trunkDetails = {
  alias: 'trunk-details',
  name: 'Trunk port details',
  description: 'Expose trunk port details',
  updated: UPDATED,
  attributes: { ports: { trunk_details: {} } },
} satisfies ExtensionDeclaration;
