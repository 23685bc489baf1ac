/**
 * Turns a POST or PUT body into validated attribute values, following a resource's
 * declaration: unknown attributes, attributes the verb may not set, missing required ones and
 * values that fail their converter are all 400s with Neutron's wording.
 */
import { QuarkError } from '../../model/errors.js';
import type { Attribute, ResourceDeclaration } from '../../model/api/attribute.js';
import { quote } from '../../model/api/validators.js';
import type { Caller } from '../caller.js';

const badRequest = (message: string) => new QuarkError('HTTPBadRequest', message);

/**
 * The declaration of attribute `name`, if the resource declares one. Own properties only: a
 * body's `__proto__`, `constructor` or `toString` is an unknown attribute like any other, not a
 * property every object inherits.
 */
function declared(decl: ResourceDeclaration, name: string): Attribute | undefined {
  return Object.hasOwn(decl.attributes, name) ? decl.attributes[name] : undefined;
}

export type AttributeValues = Record<string, unknown>;

export interface CreateRequest {
  readonly items: AttributeValues[];
  /** The body used the collection key (`{"networks": [...]}`): answer with a list. */
  readonly bulk: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function memberBody(decl: ResourceDeclaration, body: unknown): unknown {
  if (!isObject(body) || Object.keys(body).length === 0) throw badRequest('Resource body required');
  if (!Object.hasOwn(body, decl.member)) throw badRequest(`Unable to find '${decl.member}' in request body`);
  return body[decl.member];
}

function checkUnknown(decl: ResourceDeclaration, item: Record<string, unknown>): void {
  const unknown = Object.keys(item).filter((k) => declared(decl, k) === undefined);
  if (unknown.length > 0) {
    const names = unknown.slice(0, 10).map((k) => quote(k, 40));
    throw badRequest(`Unrecognized attribute(s) '${names.join(', ')}${unknown.length > 10 ? ', …' : ''}'`);
  }
}

function cloneDefault(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

function convert(name: string, attr: Attribute, value: unknown): unknown {
  return attr.convert ? attr.convert(value, name) : value;
}

export function parseCreateItem(decl: ResourceDeclaration, item: unknown): AttributeValues {
  if (!isObject(item)) throw badRequest(`Invalid input for ${decl.member}. Reason: '${quote(item)}' is not a dictionary.`);
  checkUnknown(decl, item);
  const out: AttributeValues = {};
  for (const [name, attr] of Object.entries(decl.attributes)) {
    const value = Object.hasOwn(item, name) ? item[name] : undefined;
    if (value === undefined) {
      if (attr.post && attr.required) {
        throw badRequest(`Failed to parse request. Required attribute '${name}' not specified`);
      }
      if (attr.post && attr.default !== undefined) out[name] = cloneDefault(attr.default);
      continue;
    }
    if (!attr.post) throw badRequest(`Attribute '${name}' not allowed in POST`);
    out[name] = convert(name, attr, value);
  }
  return out;
}

export function parseCreateBody(decl: ResourceDeclaration, body: unknown): CreateRequest {
  if (isObject(body) && Object.hasOwn(body, decl.collection) && Array.isArray(body[decl.collection])) {
    const list = body[decl.collection] as unknown[];
    const member = (item: unknown) => (isObject(item) && Object.hasOwn(item, decl.member) ? item[decl.member] : item);
    return { bulk: true, items: list.map((item) => parseCreateItem(decl, member(item))) };
  }
  return { bulk: false, items: [parseCreateItem(decl, memberBody(decl, body))] };
}

export function parseUpdateBody(decl: ResourceDeclaration, body: unknown): AttributeValues {
  const item = memberBody(decl, body);
  if (!isObject(item)) throw badRequest(`Invalid input for ${decl.member}. Reason: '${quote(item)}' is not a dictionary.`);
  checkUnknown(decl, item);
  const out: AttributeValues = {};
  for (const [name, value] of Object.entries(item)) {
    const attr = declared(decl, name)!;
    if (!attr.put) throw badRequest(`Cannot update read-only attribute ${name}`);
    out[name] = convert(name, attr, value);
  }
  return out;
}

/**
 * Settles project_id/tenant_id of a new resource: they must agree (400), and only an admin may
 * name another project than its own (400, as Neutron answers).
 */
export function resolveProject(values: AttributeValues, caller: Caller): string {
  const project = values.project_id as string | undefined;
  const tenant = values.tenant_id as string | undefined;
  if (project !== undefined && tenant !== undefined && project !== tenant) {
    throw badRequest("'project_id' and 'tenant_id' do not match");
  }
  const given = project ?? tenant;
  if (given === undefined) {
    if (caller.projectId === null) throw badRequest('Running without keystone AuthN requires that tenant_id is specified');
    return caller.projectId;
  }
  if (!caller.isAdmin && given !== caller.projectId) {
    // 400, not 403: Neutron refuses this while it reads the body, before policy (measured on Neutron 21).
    throw badRequest(
      "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin or advsvc privileges",
    );
  }
  return given;
}
