/** The core `network` resource of Neutron v2.0. */
import type { ResourceDeclaration } from '../attribute.js';
import { standardAttributes } from '../standard.js';
import { bool } from '../validators.js';

export const networks = {
  member: 'network',
  collection: 'networks',
  path: 'networks',
  attributes: {
    ...standardAttributes,
    admin_state_up: { post: true, put: true, convert: bool, default: true, filter: 'boolean', sort: true },
    status: { filter: 'string', sort: true },
    subnets: { filter: 'contains' },
    shared: { post: true, put: true, convert: bool, default: false, filter: 'boolean', sort: true },
  },
} satisfies ResourceDeclaration;
