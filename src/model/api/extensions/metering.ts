/**
 * Metering, as neutron-lib declares it: labels and their rules under /v2.0/metering
 * (`metering`), and rules by source and destination prefix
 * (`metering_source_and_destination_fields`). Labels and rules have no update: Neutron 21 answers
 * a PUT with 501 (measured), Quark has no PUT route (405).
 *
 * Measured on Neutron 21: a rule shows no project; prefixes are kept as written, with /32 or
 * /128 added to a bare address; an empty string is no prefix.
 */
import { QuarkError } from '../../errors.js';
import { formatIp, parseIp } from '../../ip/address.js';
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { idAttributes } from '../standard.js';
import { type Convert, bool, oneOf, str, uuid } from '../validators.js';

const UPDATED = '2026-12-07T00:00:00-00:00';

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * A rule's prefix as Neutron's metering plugin reads it (`ipaddress.ip_interface`, then
 * `netaddr.IPNetwork`): an address with an optional length, host bits kept; anything else is
 * Neutron's `Invalid` (which it answers with 500, Quark with 400). Null and '' are no prefix.
 */
export const meteringPrefix: Convert<string | null> = (v, field) => {
  if (v === null || v === '') return null;
  const text = show(v);
  const [address, length, ...rest] = text.split('/');
  const ip = typeof v === 'string' && rest.length === 0 ? parseIp(address!) : null;
  const bits = ip?.version === 6 ? 128 : 32;
  const len = length === undefined ? bits : /^\d+$/.test(length) ? Number(length) : Number.NaN;
  if (!ip || !(len >= 0 && len <= bits)) {
    throw new QuarkError('Invalid', `${field}: ${text} is invalid ['${text}' does not appear to be an IPv4 or IPv6 interface].`);
  }
  return `${formatIp(ip)}/${len}`;
};

export const meteringLabels = {
  member: 'metering_label',
  collection: 'metering_labels',
  path: 'metering/metering-labels',
  attributes: {
    ...idAttributes,
    name: { post: true, convert: str(255), default: '', filter: 'string', sort: true },
    description: { post: true, convert: str(1024), default: '', filter: 'string', sort: true },
    shared: { post: true, convert: bool, default: false, filter: 'boolean', sort: true },
  },
} satisfies ResourceDeclaration;

export const meteringLabelRules = {
  member: 'metering_label_rule',
  collection: 'metering_label_rules',
  path: 'metering/metering-label-rules',
  attributes: {
    id: { filter: 'string', sort: true },
    project_id: { post: true, convert: str(255), visible: false },
    tenant_id: { post: true, convert: str(255), visible: false },
    metering_label_id: { post: true, required: true, convert: uuid, filter: 'string', sort: true },
    direction: {
      post: true,
      required: true,
      convert: oneOf(['ingress', 'egress'] as const),
      filter: 'string',
      sort: true,
    },
    excluded: { post: true, convert: bool, default: false, filter: 'boolean', sort: true },
    remote_ip_prefix: { post: true, convert: meteringPrefix, default: null, filter: 'string', sort: true },
  },
} satisfies ResourceDeclaration;

export const metering = {
  alias: 'metering',
  name: 'Neutron Metering',
  description: 'Neutron Metering extension.',
  updated: UPDATED,
  resources: [meteringLabels, meteringLabelRules],
} satisfies ExtensionDeclaration;

export const meteringSourceAndDestinationFields = {
  alias: 'metering_source_and_destination_fields',
  name: 'Neutron Metering with source and destination filtering',
  description:
    'Neutron Metering extension that enables the use of source and destination IP prefixes to create metering label rules.',
  updated: UPDATED,
  attributes: {
    metering_label_rules: {
      source_ip_prefix: { post: true, convert: meteringPrefix, default: null, filter: 'string', sort: true },
      destination_ip_prefix: { post: true, convert: meteringPrefix, default: null, filter: 'string', sort: true },
    },
  },
} satisfies ExtensionDeclaration;
