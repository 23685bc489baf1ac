/**
 * Attributes that every resource with Neutron's standard attributes has: identity, ownership,
 * name and description, tags, timestamps and revision number.
 */
import type { AttributeMap } from './attribute.js';
import { listOf, str, tag, uuid } from './validators.js';

export const idAttributes = {
  id: { filter: 'string', sort: true },
  project_id: { post: true, convert: str(255), filter: 'string', sort: true },
  tenant_id: { post: true, convert: str(255), filter: 'string', sort: true },
} satisfies AttributeMap;

export const nameAttributes = {
  name: { post: true, put: true, convert: str(255), default: '', filter: 'string', sort: true },
  description: { post: true, put: true, convert: str(255), default: '', filter: 'string', sort: true },
} satisfies AttributeMap;

export const timestampAttributes = {
  created_at: { filter: 'string', sort: true },
  updated_at: { filter: 'string', sort: true },
  revision_number: { filter: 'integer', sort: true },
  // Given on create (tag-creation), changed through the tags sub-resource.
  tags: { post: true, convert: listOf(tag, { unique: true }), filter: 'custom' },
} satisfies AttributeMap;

export const standardAttributes = { ...idAttributes, ...nameAttributes, ...timestampAttributes } satisfies AttributeMap;

export { uuid };
