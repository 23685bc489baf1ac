/**
 * The `stateful-security-group` extension: a group is stateful (connection tracking, replies
 * of allowed connections pass) or stateless (no tracking; every packet, replies included, must
 * match a rule), as neutron-lib's stateful_security_group definition declares it.
 */
import type { ExtensionDeclaration } from '../attribute.js';
import { bool } from '../validators.js';

export const statefulSecurityGroup = {
  alias: 'stateful-security-group',
  name: 'Stateful security group',
  description: 'Indicates if the security group is stateful or not',
  updated: '2026-12-07T00:00:00-00:00',
  attributes: { security_groups: { stateful: { post: true, put: true, convert: bool, default: true } } },
} satisfies ExtensionDeclaration;
