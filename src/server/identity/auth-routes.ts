/**
 * `/v3/auth/…`: issue, validate, check and revoke tokens, and what a token gives access to
 * (projects, domains, catalog).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import { parseAuthRequest } from './auth-request.js';
import { catalog } from './catalog.js';
import { domainsOfUser, projectsOfUser } from './directory.js';
import { renderDomain, renderProject } from './entities.js';
import { type IdentityDeps, apiBase, callerOf, enforceIdentity, listBody, queryValue, serverRoot } from './http.js';
import { tokenBody } from './token-body.js';
import type { TokenContext } from './tokens.js';

const tokenNotFound = () => new QuarkError('TokenNotFound', 'Failed to validate token');

function subjectToken(request: FastifyRequest): string {
  const raw = request.headers['x-subject-token'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) throw new QuarkError('ValidationError', 'X-Subject-Token is required.');
  return value;
}

/** The caller's own token, fully checked (the authenticator's cache holds only the Caller). */
async function ownContext(deps: IdentityDeps, request: FastifyRequest): Promise<TokenContext> {
  const raw = request.headers['x-auth-token'];
  const ctx = await deps.tokens.validate((Array.isArray(raw) ? raw[0] : raw) ?? '');
  if (!ctx) throw tokenNotFound();
  return ctx;
}

/** POST /auth/tokens: anyone may try; everything else needs a valid X-Auth-Token. */
export function registerTokenIssue(app: FastifyInstance, deps: IdentityDeps): void {
  app.post('/auth/tokens', async (request, reply) => {
    const { secret, context } = await deps.tokens.issue(parseAuthRequest(request.body));
    const nocatalog = queryValue(request.query, 'nocatalog') !== undefined;
    reply.code(201).header('x-subject-token', secret);
    return tokenBody(context, nocatalog ? null : catalog(serverRoot(request, deps.config), deps.config.region));
  });
}

export function registerAuthRoutes(app: FastifyInstance, deps: IdentityDeps, prefix: string): void {
  const validated = async (request: FastifyRequest) => {
    const ctx = await deps.tokens.validate(subjectToken(request));
    if (!ctx) throw tokenNotFound();
    enforceIdentity('identity:validate_token', callerOf(request), { projectId: '', userId: ctx.user.id });
    return ctx;
  };

  app.get('/auth/tokens', { exposeHeadRoute: false }, async (request, reply) => {
    const ctx = await validated(request);
    const nocatalog = queryValue(request.query, 'nocatalog') !== undefined;
    reply.header('x-subject-token', subjectToken(request));
    return tokenBody(ctx, nocatalog ? null : catalog(serverRoot(request, deps.config), deps.config.region));
  });

  app.head('/auth/tokens', async (request, reply) => {
    await validated(request);
    reply.code(200).header('x-subject-token', subjectToken(request)).send();
  });

  app.delete('/auth/tokens', async (request, reply) => {
    const secret = subjectToken(request);
    const ctx = await deps.tokens.validate(secret);
    if (!ctx) throw tokenNotFound();
    enforceIdentity('identity:revoke_token', callerOf(request), { projectId: '', userId: ctx.user.id });
    if (!(await deps.tokens.revoke(secret))) throw tokenNotFound();
    deps.authenticator.forget(secret);
    reply.code(204).send();
  });

  app.get('/auth/projects', async (request) => {
    const ctx = await ownContext(deps, request);
    const base = apiBase(request, deps.config, prefix);
    const projects = projectsOfUser(deps.store.view, ctx.user.id).filter((p) => p.enabled);
    return listBody(
      'projects',
      projects.map((p) => renderProject(p, base)),
      `${base}/auth/projects`,
    );
  });

  app.get('/auth/domains', async (request) => {
    const ctx = await ownContext(deps, request);
    const base = apiBase(request, deps.config, prefix);
    const domains = domainsOfUser(deps.store.view, ctx.user.id).filter((d) => d.enabled);
    return listBody(
      'domains',
      domains.map((d) => renderDomain(d, base)),
      `${base}/auth/domains`,
    );
  });

  app.get('/auth/catalog', async (request) => {
    const ctx = await ownContext(deps, request);
    if (!ctx.project && !ctx.domain) {
      throw new QuarkError('ForbiddenAction', 'A project-scoped or domain-scoped token is required to get the catalog.');
    }
    const base = apiBase(request, deps.config, prefix);
    const services = catalog(serverRoot(request, deps.config), deps.config.region);
    return {
      catalog: services.map((s) => ({
        id: s.id,
        type: s.type,
        name: s.name,
        endpoints: s.endpoints.map((e) => ({
          id: e.id,
          interface: e.interface,
          region: e.region,
          region_id: e.region_id,
          url: e.url,
        })),
      })),
      links: { self: `${base}/auth/catalog`, previous: null, next: null },
    };
  });

  // System scope is not offered; clients that probe it get an empty list, as from Keystone.
  app.get('/auth/system', async (request) => ({
    system: [],
    links: { self: `${apiBase(request, deps.config, prefix)}/auth/system`, previous: null, next: null },
  }));
}
