/** The core `port` resource of Neutron v2.0. */
import type { ResourceDeclaration } from '../attribute.js';
import { standardAttributes } from '../standard.js';
import { bool, dict, ip, listOf, mac, str, uuid } from '../validators.js';

export const fixedIps = listOf(
  dict<{ subnet_id?: string; ip_address?: string }>({ subnet_id: { convert: uuid }, ip_address: { convert: ip } }),
);

export const ports = {
  member: 'port',
  collection: 'ports',
  path: 'ports',
  attributes: {
    ...standardAttributes,
    network_id: { post: true, required: true, convert: uuid, filter: 'string', sort: true },
    admin_state_up: { post: true, put: true, convert: bool, default: true, filter: 'boolean', sort: true },
    mac_address: { post: true, put: true, convert: mac, filter: 'string', sort: true },
    fixed_ips: { post: true, put: true, convert: fixedIps, filter: 'custom' },
    device_id: { post: true, put: true, convert: str(255), default: '', filter: 'string', sort: true },
    device_owner: { post: true, put: true, convert: str(255), default: '', filter: 'string', sort: true },
    status: { filter: 'string', sort: true },
  },
} satisfies ResourceDeclaration;
