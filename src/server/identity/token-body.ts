/** The body of a token as `POST` and `GET /v3/auth/tokens` return it. */
import type { Domain } from '../../model/identity.js';
import { type CatalogService, tokenCatalog } from './catalog.js';
import type { TokenContext } from './tokens.js';

const domainRef = (d: Domain) => ({ id: d.id, name: d.name });

/** `catalog` null leaves the catalog out (`?nocatalog`, and unscoped tokens, as in Keystone). */
export function tokenBody(ctx: TokenContext, catalog: readonly CatalogService[] | null) {
  const { token, user } = ctx;
  return {
    token: {
      methods: token.methods,
      user: { id: user.id, name: user.name, domain: domainRef(ctx.userDomain), password_expires_at: null },
      audit_ids: token.audit_ids,
      expires_at: token.expires_at,
      issued_at: token.issued_at,
      ...(ctx.project && ctx.projectDomain
        ? { project: { id: ctx.project.id, name: ctx.project.name, domain: domainRef(ctx.projectDomain) }, is_domain: false }
        : {}),
      ...(ctx.domain ? { domain: domainRef(ctx.domain) } : {}),
      ...(ctx.project || ctx.domain ? { roles: ctx.roles.map((r) => ({ id: r.id, name: r.name })) } : {}),
      ...(catalog && (ctx.project || ctx.domain) ? { catalog: tokenCatalog(catalog) } : {}),
    },
  };
}
