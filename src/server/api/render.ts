/**
 * Records to API dictionaries: only declared, visible attributes, `tenant_id` mirrored from
 * `project_id`, attributes the caller may not read left out, and `fields` applied.
 */
import type { ResourceDeclaration } from '../../model/api/attribute.js';
import type { Caller } from '../caller.js';
import { type PolicyAction, allowed, hasRule } from '../policy.js';

/** Attribute read rules depend only on the caller's roles, so the answer is kept per role set. */
const readable = new WeakMap<ResourceDeclaration, Map<string, string[]>>();

/** The attribute names of `decl` that `caller` may read, in declaration order. */
export function readableAttributes(decl: ResourceDeclaration, caller: Caller): string[] {
  let byRoles = readable.get(decl);
  if (!byRoles) {
    byRoles = new Map();
    readable.set(decl, byRoles);
  }
  const key = `${caller.isAdmin} ${caller.roles.join(',')}`;
  let names = byRoles.get(key);
  if (!names) {
    names = computeReadable(decl, caller);
    byRoles.set(key, names);
  }
  return names;
}

function computeReadable(decl: ResourceDeclaration, caller: Caller): string[] {
  const names: string[] = [];
  for (const [name, attr] of Object.entries(decl.attributes)) {
    if (attr.visible === false) continue;
    const rule = attributeRule(`get_${decl.member}`, name);
    // Attribute read rules depend only on the caller, so an empty target is enough.
    if (rule && !allowed(rule, caller, { projectId: '' })) continue;
    names.push(name);
  }
  return names;
}

/** The policy rule that guards `action` on one attribute, if there is one (`create_port:binding`). */
export function attributeRule(action: string, attribute: string): PolicyAction | null {
  const exact = `${action}:${attribute}`;
  if (hasRule(exact)) return exact;
  const prefix = `${action}:${attribute.split(':')[0]}`;
  return attribute.includes(':') && hasRule(prefix) ? prefix : null;
}

export function renderRecord(
  record: object,
  derived: Readonly<Record<string, unknown>> | undefined,
  attributes: readonly string[],
  fields: readonly string[] | null,
): Record<string, unknown> {
  const source = record as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of attributes) {
    if (fields && !fields.includes(name)) continue;
    const value = name === 'tenant_id' ? source.project_id : derived && name in derived ? derived[name] : source[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
