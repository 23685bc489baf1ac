/**
 * Router conntrack helpers, as neutron-lib declares them: the sub-resource
 * `/v2.0/routers/{router_id}/conntrack_helpers` (`l3-conntrack-helper`) and the helpers shown in
 * each router (`expose-l3-conntrack-helper`). Which helpers and protocols are allowed is the
 * server's `allowedConntrackHelpers` (Neutron's `allowed_conntrack_helpers`, same default).
 */
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { int, str } from '../validators.js';
import { l3Protocol } from './port-forwarding.js';

const UPDATED = '2026-12-07T00:00:00-00:00';

export const conntrackHelpers = {
  member: 'conntrack_helper',
  collection: 'conntrack_helpers',
  path: 'routers/:router_id/conntrack_helpers',
  parent: { member: 'router', param: 'router_id' },
  attributes: {
    id: { filter: 'string', sort: true },
    project_id: { post: true, convert: str(255), visible: false },
    protocol: { post: true, put: true, required: true, convert: l3Protocol, filter: 'string', sort: true },
    port: { post: true, put: true, required: true, convert: int(1, 65535), filter: 'integer', sort: true },
    helper: { post: true, put: true, required: true, convert: str(64), filter: 'string', sort: true },
  },
} satisfies ResourceDeclaration;

export const l3ConntrackHelper = {
  alias: 'l3-conntrack-helper',
  name: 'L3 Conntrack helper',
  description: 'Allow adding CT target rules for conntrack helper',
  updated: UPDATED,
  resources: [conntrackHelpers],
} satisfies ExtensionDeclaration;

export const exposeL3ConntrackHelper = {
  alias: 'expose-l3-conntrack-helper',
  name: 'Expose CT target rules for conntrack helper',
  description: 'Expose allow adding CT target rules for conntrack helper',
  updated: UPDATED,
  attributes: { routers: { conntrack_helpers: {} } },
} satisfies ExtensionDeclaration;
