/**
 * The `security-group` extension: security groups, their rules, and the ports' security_groups
 * attribute, as neutron/extensions/securitygroup.py declares them.
 */
import { QuarkError } from '../../errors.js';
import { normalizeIpPrefix, normalizeProtocol } from '../../security-group-rule.js';
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { idAttributes, nameAttributes, standardAttributes } from '../standard.js';
import { type Convert, invalidFieldOf, lookupId, nullable, oneOf, str, uuidList } from '../validators.js';

const UPDATED = '2026-11-26T00:00:00-00:00';

/** Only the project's automatic group is called `default` (Neutron's type:name_not_default). */
const nameNotDefault: Convert<string> = (v, field) => {
  const name = str(255)(v, field);
  if (name.toLowerCase() === 'default') {
    throw new QuarkError('SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
  }
  return name;
};

const portValue: Convert<number | null> = (v) => {
  if (v === null) return null;
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new QuarkError('SecurityGroupInvalidPortValue', `Invalid value for port ${String(v)}.`);
  }
  return n;
};

const ethertype: Convert<'IPv4' | 'IPv6'> = (v, field) => {
  const lower = typeof v === 'string' ? v.toLowerCase() : v;
  if (lower === 'ipv4') return 'IPv4';
  if (lower === 'ipv6') return 'IPv6';
  throw invalidFieldOf(field, v, "is not in ['IPv4', 'IPv6']");
};

const ipPrefix: Convert<string | null> = (v) => {
  if (v === null || v === '') return null;
  const prefix = typeof v === 'string' ? normalizeIpPrefix(v) : null;
  if (prefix === null) throw new QuarkError('InvalidCIDR', `Invalid CIDR ${String(v)} given as IP prefix.`);
  return prefix;
};

export const securityGroups = {
  member: 'security_group',
  collection: 'security_groups',
  path: 'security-groups',
  attributes: {
    ...standardAttributes,
    name: { ...nameAttributes.name!, convert: nameNotDefault },
    security_group_rules: {},
  },
} satisfies ResourceDeclaration;

export const securityGroupRules = {
  member: 'security_group_rule',
  collection: 'security_group_rules',
  path: 'security-group-rules',
  attributes: {
    ...idAttributes,
    description: nameAttributes.description!,
    created_at: { filter: 'string', sort: true },
    updated_at: { filter: 'string', sort: true },
    revision_number: { filter: 'integer', sort: true },
    security_group_id: { post: true, required: true, convert: lookupId, filter: 'string', sort: true },
    direction: { post: true, required: true, convert: oneOf(['ingress', 'egress'] as const), filter: 'string', sort: true },
    ethertype: { post: true, convert: ethertype, default: 'IPv4' as const, filter: 'string', sort: true },
    protocol: { post: true, convert: (v) => normalizeProtocol(v), default: null, filter: 'string', sort: true },
    port_range_min: { post: true, convert: portValue, default: null, filter: 'integer', sort: true },
    port_range_max: { post: true, convert: portValue, default: null, filter: 'integer', sort: true },
    remote_ip_prefix: { post: true, convert: ipPrefix, default: null, filter: 'string', sort: true },
    remote_group_id: { post: true, convert: nullable(lookupId), default: null, filter: 'string', sort: true },
  },
} satisfies ResourceDeclaration;

export const securityGroup = {
  alias: 'security-group',
  name: 'security-group',
  description: 'The security groups extension.',
  updated: UPDATED,
  resources: [securityGroups, securityGroupRules],
  attributes: { ports: { security_groups: { post: true, put: true, convert: uuidList, filter: 'contains' } } },
} satisfies ExtensionDeclaration;
