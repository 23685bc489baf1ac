/**
 * The HTTP application: Neutron v2.0 routes generated from the resource handlers, version and
 * extension documents, the identity API (identity/), health and metrics, and the error mapping
 * that makes every failure a NeutronError (Keystone's body for 401s and the identity API).
 * Building the app does not listen; `startServer` does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { QuarkError } from '../model/errors.js';
import type { ApiRegistry } from '../model/api/registry.js';
import type { Store } from '../store/store.js';
import { registerAddressGroupActions } from './api/address-group-actions.js';
import { registerCollection } from './api/collection-routes.js';
import { registerLoggableResources } from './api/loggable-resources.js';
import { renderError } from './api/neutron-error.js';
import { registerNetworkIpAvailability } from './api/network-ip-availability.js';
import { registerQuotaRoutes } from './api/quotas.js';
import { registerRouterActions } from './api/router-actions.js';
import { registerSchedulingRoutes } from './api/scheduling.js';
import type { AnyResourceHandler } from './api/resource.js';
import { extensionDocument, extensionsDocument, resourcesDocument, versionsDocument } from './api/versions.js';
import { type Authenticator, type Caller, noauth } from './caller.js';
import type { ServerConfig } from './config.js';
import { ServerMetrics } from './metrics.js';
import { RouteTable } from './route-table.js';
import { AddressAllocator } from './plugin/address-allocator.js';
import type { Services } from './plugin/context.js';
import { neutronApi } from './neutron-api.js';
import { KeystoneAuthenticator } from './identity/authenticator.js';
import { IDENTITY_PATH } from './identity/catalog.js';
import { registerIdentityApi, sendKeystoneError } from './identity/identity-api.js';
import { serverRoot } from './identity/http.js';
import { TokenService } from './identity/tokens.js';
import { FeedHub, type Scheduling } from './feed/hub.js';
import { registerFeedRoutes } from './feed/routes.js';
import { hostSchedule } from './plugin/host-schedule.js';
import { QueryBroker } from './quark/broker.js';
import { registerQuarkQueryRoutes } from './quark/routes.js';
import { registerWeb } from './web/index.js';

export interface AppOptions {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly logger?: Logger;
  readonly authenticator?: Authenticator;
  readonly services?: Partial<Services>;
  readonly processMetrics?: boolean;
  /** Which networks and routers each host's agents serve (the scheduler); default: none. */
  readonly scheduling?: Scheduling;
}

export interface QuarkApp {
  readonly app: FastifyInstance;
  readonly registry: ApiRegistry;
  readonly handlers: ReadonlyMap<string, AnyResourceHandler>;
  readonly metrics: ServerMetrics;
  readonly services: Services;
  readonly tokens: TokenService;
  readonly feed: FeedHub;
  /** Every route the app serves (the authorization matrix test walks them). */
  readonly routes: RouteTable;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

export async function buildApp(options: AppOptions): Promise<QuarkApp> {
  const { config, store } = options;
  const services: Services = {
    config,
    addresses: new AddressAllocator(),
    randomBytes: (n) => randomBytes(n),
    newId: () => randomUUID(),
    now: () => new Date(),
    ...options.services,
  };
  const metrics = new ServerMetrics({ processMetrics: options.processMetrics ?? false });
  const tokens = new TokenService(store, { expiration: config.tokenExpiration, now: services.now });
  // The identity API always authenticates with tokens; `auth` only decides for the network API.
  const keystone = new KeystoneAuthenticator(tokens, store, config.tokenCacheTime, services.now);
  const authenticator = options.authenticator ?? (config.auth === 'keystone' ? keystone : noauth);
  const app: FastifyInstance = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    // One log line per request would cost more than the request; latency goes to /metrics instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024 * 1024,
    return503OnClosing: true,
    // Fastify's default (72 s) keeps idle client connections, and a stopping process, alive for
    // over a minute; Node's own default is 5 s.
    keepAliveTimeout: 5000,
  });

  const routes = new RouteTable();
  app.addHook('onRoute', (route) => routes.add(route.url, route.method));

  // Every body is JSON, whatever Content-Type a client sends (curl's default is form data).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString();
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new QuarkError('HTTPBadRequest', 'Malformed request body'), undefined);
    }
  });

  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request) => {
    // By the matched route, not the raw URL: `/%762.0/…` routes to /v2.0 too.
    if (request.routeOptions.url?.startsWith('/v2.0')) request.caller = await authenticator.authenticate(request.headers);
  });
  app.addHook('onClose', async () => keystone.close());
  app.addHook('onResponse', async (request, reply) => {
    metrics.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof QuarkError && error.code === 'NotAuthenticated') {
      // keystonemiddleware answers for Neutron here, in Keystone's shape.
      return sendKeystoneError(request, reply, error, `${serverRoot(request, config)}${IDENTITY_PATH}/v3`);
    }
    const clientError =
      !(error instanceof QuarkError) &&
      typeof (error as { statusCode?: number }).statusCode === 'number' &&
      (error as { statusCode: number }).statusCode < 500;
    const rendered = clientError ? renderError(new QuarkError('HTTPBadRequest', (error as Error).message)) : renderError(error);
    if (rendered.internal) request.log.error({ err: error, url: request.url }, 'request failed');
    reply.code(rendered.status).type('application/json').send(rendered.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = routes.methodsFor(path);
    if (allowed.length > 0) {
      const error = new QuarkError('HTTPMethodNotAllowed', `The method ${request.method} is not allowed for ${path}.`);
      reply.code(405).header('allow', allowed.join(', ')).type('application/json').send(renderError(error).body);
      return;
    }
    const error = new QuarkError('HTTPNotFound', `The resource could not be found: ${request.method} ${path}`);
    reply.code(404).type('application/json').send(renderError(error).body);
  });

  // Every /v2.0 route has a caller once the onRequest hook ran; refuse rather than trust a gap.
  const callerOf = (request: FastifyRequest): Caller => {
    if (!request.caller) throw new QuarkError('NotAuthenticated', 'The request you have made requires authentication.');
    return request.caller;
  };
  const api = neutronApi();
  const handlers = new Map<string, AnyResourceHandler>();
  const deps = {
    store,
    services,
    paginationMaxLimit: config.paginationMaxLimit,
    callerOf,
  };
  for (const h of api.handlers(api.registry)) {
    handlers.set(h.declaration.path, h);
    registerCollection(app, h, deps);
  }
  registerRouterActions(app, handlers.get('routers')!, deps);
  registerAddressGroupActions(app, handlers.get('address-groups')!, deps);
  registerLoggableResources(app, deps);
  registerQuotaRoutes(app, deps);
  registerNetworkIpAvailability(app, api.registry.resources.get('network-ip-availabilities')!, deps);
  registerSchedulingRoutes(
    app,
    { agents: handlers.get('agents')!, routers: handlers.get('routers')!, networks: handlers.get('networks')! },
    deps,
  );

  const feed = new FeedHub(store, options.scheduling ?? ((view, host) => hostSchedule(view, services, host)), {
    heartbeatSeconds: config.feedHeartbeat,
    resumeSeconds: 60,
    maxQueued: 10_000,
  });
  app.addHook('onClose', async () => feed.close());
  registerFeedRoutes(app, { store, services, hub: feed, callerOf, metrics });
  const broker = new QueryBroker(feed, services.newId, config.queryTimeout * 1000);
  app.addHook('onClose', async () => broker.close());
  registerQuarkQueryRoutes(app, { store, broker, callerOf });
  registerWeb(app, { store, services, handlers, authenticator, callerOf });

  app.get('/', async (request) => versionsDocument(serverRoot(request, config)));
  app.get('/v2.0', async (request) => resourcesDocument(api.registry, serverRoot(request, config)));
  app.get('/v2.0/', async (request) => resourcesDocument(api.registry, serverRoot(request, config)));
  app.get('/v2.0/extensions', async () => extensionsDocument(api.registry));
  app.get<{ Params: { alias: string } }>('/v2.0/extensions/:alias', async (request) =>
    extensionDocument(api.registry, request.params.alias),
  );
  registerIdentityApi(app, { store, tokens, authenticator: keystone, config, services });

  app.get('/healthz', async () => ({ status: 'ok', revision: store.revision }));
  app.get('/metrics', async (_request, reply) => {
    metrics.revision.set(store.revision);
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  return { app, registry: api.registry, handlers, metrics, services, tokens, feed, routes };
}
