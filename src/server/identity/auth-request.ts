/**
 * Parses the body of `POST /v3/auth/tokens`: which methods prove who the caller is (`password`,
 * `token`) and which scope the token should carry. Shape errors are 400s; an unsupported method
 * is a 401, as in Keystone.
 */
import { QuarkError } from '../../model/errors.js';
import { unauthorized } from './keystone-error.js';

export type DomainRef = { readonly id: string } | { readonly name: string };
export type UserRef = { readonly id: string } | { readonly name: string; readonly domain: DomainRef };
export type ProjectRef = { readonly id: string } | { readonly name: string; readonly domain: DomainRef };

export type ScopeRequest =
  /** No scope given: the user's default project if it has one and may use it, else unscoped. */
  | { readonly kind: 'default' }
  | { readonly kind: 'unscoped' }
  | { readonly kind: 'project'; readonly project: ProjectRef }
  | { readonly kind: 'domain'; readonly domain: DomainRef };

export interface AuthRequest {
  readonly methods: readonly ('password' | 'token')[];
  readonly password: { readonly user: UserRef; readonly password: string } | null;
  readonly token: { readonly id: string } | null;
  readonly scope: ScopeRequest;
}

type Obj = Record<string, unknown>;

const invalid = (message: string) => new QuarkError('ValidationError', message);

function object(value: unknown, where: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`'${where}' must be an object.`);
  return value as Obj;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(`'${where}' must be a non-empty string.`);
  return value;
}

function domainRef(value: unknown, where: string): DomainRef {
  const d = object(value, where);
  if (d.id !== undefined) return { id: text(d.id, `${where}.id`) };
  if (d.name !== undefined) return { name: text(d.name, `${where}.name`) };
  throw invalid(`'${where}' needs an id or a name.`);
}

function named(value: unknown, where: string): { id: string } | { name: string; domain: DomainRef } {
  const o = object(value, where);
  if (o.id !== undefined) return { id: text(o.id, `${where}.id`) };
  if (o.name === undefined) throw invalid(`'${where}' needs an id or a name.`);
  if (o.domain === undefined) throw invalid(`'${where}.domain' is required with a name.`);
  return { name: text(o.name, `${where}.name`), domain: domainRef(o.domain, `${where}.domain`) };
}

function scope(value: unknown): ScopeRequest {
  if (value === undefined || value === null) return { kind: 'default' };
  if (value === 'unscoped') return { kind: 'unscoped' };
  const s = object(value, 'auth.scope');
  if (s.project !== undefined) return { kind: 'project', project: named(s.project, 'auth.scope.project') };
  if (s.domain !== undefined) return { kind: 'domain', domain: domainRef(s.domain, 'auth.scope.domain') };
  throw invalid('Only project, domain and unscoped scopes are supported.');
}

export function parseAuthRequest(body: unknown): AuthRequest {
  const auth = object(object(body ?? {}, 'body').auth, 'auth');
  const identity = object(auth.identity, 'auth.identity');
  if (!Array.isArray(identity.methods) || identity.methods.length === 0) {
    throw invalid("'auth.identity.methods' must be a non-empty list.");
  }
  const methods = [...new Set(identity.methods.map((m, i) => text(m, `auth.identity.methods[${i}]`)))];
  for (const m of methods) {
    if (m !== 'password' && m !== 'token') throw unauthorized('Attempted to authenticate with an unsupported method.');
  }
  let password: AuthRequest['password'] = null;
  if (methods.includes('password')) {
    const p = object(identity.password, 'auth.identity.password');
    const user = object(p.user, 'auth.identity.password.user');
    if (typeof user.password !== 'string') throw invalid("'auth.identity.password.user.password' must be a string.");
    password = { user: named(user, 'auth.identity.password.user'), password: user.password };
  }
  let token: AuthRequest['token'] = null;
  if (methods.includes('token')) {
    token = { id: text(object(identity.token, 'auth.identity.token').id, 'auth.identity.token.id') };
  }
  return { methods: methods as AuthRequest['methods'], password, token, scope: scope(auth.scope) };
}
