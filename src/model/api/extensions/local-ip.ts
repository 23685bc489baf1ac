/**
 * Local IPs (`local_ip`), as neutron-lib declares them: `/v2.0/local_ips` (Neutron 21 answers
 * `/v2.0/local-ips`, its policy file's spelling, as well; measured) and each local IP's port
 * associations at `/v2.0/local_ips/{local_ip_id}/port_associations`, whose members are named by
 * their fixed port's id. Measured on Neutron 21
 * with the `local_ip` plugin: a local IP shows its standard attributes without tags; only its
 * name and description change; an association shows the local IP's address and the fixed
 * port's host, and `host` does not filter.
 */
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { idAttributes, nameAttributes } from '../standard.js';
import { ip, nullable, oneOf, str, uuid } from '../validators.js';

const UPDATED = '2026-12-07T00:00:00-00:00';

export const IP_MODES = ['translate', 'passthrough'] as const;

export const localIps = {
  member: 'local_ip',
  collection: 'local_ips',
  path: 'local_ips',
  aliases: ['local-ips'],
  attributes: {
    ...idAttributes,
    name: nameAttributes.name!,
    description: { ...nameAttributes.description!, convert: str(1024) },
    local_port_id: { post: true, convert: uuid, filter: 'string', sort: true },
    network_id: { post: true, convert: uuid, filter: 'string', sort: true },
    local_ip_address: { post: true, convert: nullable(ip), filter: 'string', sort: true },
    ip_mode: { post: true, convert: oneOf(IP_MODES), default: 'translate' as const, filter: 'string', sort: true },
    created_at: { filter: 'string', sort: true },
    updated_at: { filter: 'string', sort: true },
    revision_number: { filter: 'integer', sort: true },
  },
} satisfies ResourceDeclaration;

export const portAssociations = {
  member: 'port_association',
  collection: 'port_associations',
  path: 'local_ips/:local_ip_id/port_associations',
  parent: { member: 'local_ip', param: 'local_ip_id' },
  attributes: {
    local_ip_id: {},
    local_ip_address: { filter: 'string', sort: true },
    fixed_port_id: { post: true, required: true, convert: uuid, filter: 'string', sort: true },
    fixed_ip: { post: true, convert: nullable(ip), default: null, filter: 'string', sort: true },
    host: {},
  },
} satisfies ResourceDeclaration;

export const localIp = {
  alias: 'local_ip',
  name: 'Local IP',
  description: 'Support Node Local Virtual IP',
  updated: UPDATED,
  resources: [localIps, portAssociations],
} satisfies ExtensionDeclaration;
