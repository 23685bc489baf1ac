/**
 * The `logging` extension: network logs under /v2.0/log/logs and the loggable resource types
 * under /v2.0/log/loggable-resources, as neutron-lib's logging definition declares them. A log
 * of `resource_type` security_group writes the firewall's ACCEPT and/or DROP events of the
 * ports it covers to the log file of each host (docs/security-group-logging.md).
 */
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { idAttributes, nameAttributes } from '../standard.js';
import { bool, nullable, oneOf, str, uuid } from '../validators.js';

/** The only type Quark's firewall can log (Neutron's `security_group`; `firewall_group` is FWaaS). */
export const LOGGABLE_TYPES = ['security_group'] as const;

export const logs = {
  member: 'log',
  collection: 'logs',
  path: 'log/logs',
  attributes: {
    ...idAttributes,
    ...nameAttributes,
    created_at: { filter: 'string', sort: true },
    updated_at: { filter: 'string', sort: true },
    revision_number: { filter: 'integer', sort: true },
    resource_type: { post: true, required: true, convert: str(36), filter: 'string', sort: true },
    resource_id: { post: true, convert: nullable(uuid), default: null, filter: 'string', sort: true },
    event: { post: true, convert: oneOf(['ACCEPT', 'DROP', 'ALL'] as const), default: 'ALL' as const, filter: 'string' },
    target_id: { post: true, convert: nullable(uuid), default: null, filter: 'string', sort: true },
    enabled: { post: true, put: true, convert: bool, default: true, filter: 'boolean', sort: true },
  },
} satisfies ResourceDeclaration;

export const logging = {
  alias: 'logging',
  name: 'Logging API Extension',
  description: 'Provides a logging API for resources such as security group and firewall.',
  updated: '2026-12-07T00:00:00-00:00',
  resources: [logs],
} satisfies ExtensionDeclaration;
