/**
 * The identity API (a Keystone v3 subset) on the same server and port as the network API.
 * It lives under `/identity/v3` (the auth URL clients are given); `/v3` serves the same routes
 * for clients that assume Keystone's usual path. `GET /identity` is Keystone's multiple-choice
 * document, while `GET /` stays Neutron's version list, so the network endpoint and identity
 * share one origin without confusing either kind of client. Errors here use Keystone's body.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import { errorHeaders, fromFrameworkError, logFailure } from '../api/neutron-error.js';
import { registerAuthRoutes, registerTokenIssue } from './auth-routes.js';
import { IDENTITY_PATH } from './catalog.js';
import { registerCatalogRoutes } from './catalog-routes.js';
import { registerIdentityCollection } from './collection.js';
import { domains } from './domains.js';
import { registerGrantRoutes } from './grant-routes.js';
import { type IdentityDeps, serverRoot } from './http.js';
import { renderKeystoneError } from './keystone-error.js';
import { projects, registerUserProjectsRoute } from './projects.js';
import { roles } from './roles.js';
import { registerPasswordChangeRoute, users } from './users.js';

export const IDENTITY_PREFIXES = [`${IDENTITY_PATH}/v3`, '/v3'] as const;

function versionDocument(href: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

/** Keystone's rendering of any failure; 401s carry the auth URL as keystonemiddleware's do. */
export function sendKeystoneError(request: FastifyRequest, reply: FastifyReply, error: unknown, authUrl: string): void {
  const failure = fromFrameworkError(error, 'ValidationError');
  const rendered = renderKeystoneError(failure);
  logFailure(request.log, request, rendered.status, failure);
  errorHeaders(reply, failure);
  if (rendered.status === 401) reply.header('www-authenticate', `Keystone uri="${authUrl}"`);
  reply.code(rendered.status).type('application/json').send(rendered.body);
}

export function registerIdentityApi(app: FastifyInstance, deps: IdentityDeps): void {
  const multipleChoice = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.code(300);
    return { versions: { values: [versionDocument(`${serverRoot(request, deps.config)}${IDENTITY_PATH}/v3/`)] } };
  };
  app.get(IDENTITY_PATH, multipleChoice);
  app.get(`${IDENTITY_PATH}/`, multipleChoice);

  for (const prefix of IDENTITY_PREFIXES) {
    app.register(
      async (scope) => {
        const authUrl = (request: FastifyRequest) => `${serverRoot(request, deps.config)}${prefix}`;
        scope.setErrorHandler((error: FastifyError, request, reply) =>
          sendKeystoneError(request, reply, error, authUrl(request)),
        );
        scope.setNotFoundHandler((request, reply) =>
          sendKeystoneError(
            request,
            reply,
            new QuarkError('HTTPNotFound', `The resource could not be found: ${request.method} ${request.url.split('?')[0]}`),
            authUrl(request),
          ),
        );
        scope.get('/', async (request) => ({ version: versionDocument(`${authUrl(request)}/`) }));
        registerTokenIssue(scope, deps);
        await scope.register(async (authenticated) => {
          authenticated.addHook('onRequest', async (request) => {
            request.caller = await deps.authenticator.authenticate(request.headers);
          });
          registerAuthRoutes(authenticated, deps, prefix);
          registerIdentityCollection(authenticated, deps, prefix, domains);
          registerIdentityCollection(authenticated, deps, prefix, projects);
          registerIdentityCollection(authenticated, deps, prefix, users);
          registerIdentityCollection(authenticated, deps, prefix, roles);
          registerUserProjectsRoute(authenticated, deps, prefix);
          registerPasswordChangeRoute(authenticated, deps);
          registerGrantRoutes(authenticated, deps, prefix);
          registerCatalogRoutes(authenticated, deps, prefix);
        });
      },
      { prefix },
    );
  }
}
