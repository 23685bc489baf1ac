/**
 * Parses the body of `POST /v3/auth/tokens`: which methods prove who the caller is (`password`,
 * `token`) and which scope the token should carry. Shape errors are 400s; an unsupported method
 * is a 401, as in Keystone.
 */
import { type Static, Type } from '@sinclair/typebox';
import { QuarkError } from '../../model/errors.js';
import { parseMember } from './body.js';
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

/** An object naming something by id or by name, as Keystone's schema writes it. */
const IdOrName = Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) });
const Named = Type.Object({
  id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  domain: Type.Optional(IdOrName),
});

/**
 * Keystone's `token_issue` schema (keystone/auth/schema.py) for what Quark supports: the password
 * and token methods, project, domain and unscoped scopes (not trusts, not the system scope).
 */
export const TokenIssueSchema = Type.Object({
  identity: Type.Object({
    methods: Type.Array(Type.String()),
    password: Type.Optional(
      Type.Object({
        user: Type.Optional(Type.Intersect([Named, Type.Object({ password: Type.Optional(Type.String()) })])),
      }),
    ),
    token: Type.Optional(Type.Object({ id: Type.String() })),
  }),
  scope: Type.Optional(
    Type.Union([Type.String(), Type.Object({ project: Type.Optional(Named), domain: Type.Optional(IdOrName) })]),
  ),
});
type TokenIssue = Static<typeof TokenIssueSchema>;

const invalid = (field: string, message: string) =>
  new QuarkError('ValidationError', `Invalid input for field ${field}: ${message}`);

/** Keystone's own check after the schema: an id or a name must be present (empty ones count as absent here). */
function idOrName(o: Static<typeof IdOrName>, field: string): { id: string } | { name: string } {
  if (o.id) return { id: o.id };
  if (o.name) return { name: o.name };
  throw invalid(field, 'id or name must be present.');
}

function named(o: Static<typeof Named>, field: string): UserRef {
  const ref = idOrName(o, field);
  if ('id' in ref) return ref;
  if (!o.domain) throw invalid(`${field}/domain`, 'a domain is required with a name.');
  return { name: ref.name, domain: idOrName(o.domain, `${field}/domain`) };
}

function scope(value: TokenIssue['scope']): ScopeRequest {
  if (value === undefined) return { kind: 'default' };
  if (value === 'unscoped') return { kind: 'unscoped' };
  if (typeof value === 'string') throw invalid('scope', `'${value.slice(0, 20)}' is not a scope.`);
  if (value.project) return { kind: 'project', project: named(value.project, 'scope/project') };
  if (value.domain) return { kind: 'domain', domain: idOrName(value.domain, 'scope/domain') };
  throw invalid('scope', 'only project, domain and unscoped scopes are supported.');
}

export function parseAuthRequest(body: unknown): AuthRequest {
  const { identity, scope: scopeValue } = parseMember(body, 'auth', TokenIssueSchema);
  const methods = [...new Set(identity.methods)];
  if (methods.length === 0) throw invalid('identity/methods', 'at least one method is required.');
  for (const m of methods) {
    if (m !== 'password' && m !== 'token') throw unauthorized('Attempted to authenticate with an unsupported method.');
  }
  let password: AuthRequest['password'] = null;
  if (methods.includes('password')) {
    const user = identity.password?.user;
    if (!user) throw invalid('identity/password', "'user' is a required property");
    if (user.password === undefined) throw invalid('identity/password/user', "'password' is a required property");
    password = { user: named(user, 'identity/password/user'), password: user.password };
  }
  let token: AuthRequest['token'] = null;
  if (methods.includes('token')) {
    if (!identity.token) throw invalid('identity', "'token' is a required property");
    token = { id: identity.token.id };
  }
  return { methods: methods as AuthRequest['methods'], password, token, scope: scope(scopeValue) };
}
