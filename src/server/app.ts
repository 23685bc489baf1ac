/**
 * The HTTP application: Neutron v2.0 routes generated from the resource handlers, version and
 * extension documents, the identity API (identity/), health and metrics, and the error mapping
 * that makes every failure a NeutronError (Keystone's body for 401s and the identity API), with
 * the server's limits on bodies and connections (docs/config.md). Building the app does not
 * listen; `startServer` does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerOptions } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { QuarkError } from '../model/errors.js';
import type { ApiRegistry } from '../model/api/registry.js';
import { type Store, serviceUnavailable } from '../store/store.js';
import { registerAddressGroupActions } from './api/address-group-actions.js';
import { registerCollection } from './api/collection-routes.js';
import { registerSubCollection } from './api/sub-collection-routes.js';
import { registerMeteringCounters } from './api/metering-counters.js';
import { dropJsonSuffix } from './api/format-suffix.js';
import { registerLoggableResources } from './api/loggable-resources.js';
import { registerNetworkIpAvailability } from './api/network-ip-availability.js';
import { registerQuotaRoutes } from './api/quotas.js';
import { registerRouterActions } from './api/router-actions.js';
import { registerTrunkActions } from './api/trunk-actions.js';
import { registerSubnetPoolActions } from './api/subnetpool-actions.js';
import { registerReadOnlyLists } from './api/read-only-lists.js';
import { registerQosRuleTypes } from './api/qos-rule-types.js';
import { registerFlavorProfiles } from './api/flavor-profiles.js';
import { registerSchedulingRoutes } from './api/scheduling.js';
import type { AnyResourceHandler } from './api/resource.js';
import { extensionDocument, extensionsDocument, resourcesDocument, versionsDocument } from './api/versions.js';
import { type Authenticator, type Caller, noauth } from './caller.js';
import type { ServerConfig } from './config.js';
import { ServerMetrics } from './metrics.js';
import { RouteTable } from './route-table.js';
import { AddressAllocator } from './plugin/address-allocator.js';
import { SegmentAllocator } from './plugin/segment-allocator.js';
import type { Services } from './plugin/context.js';
import { neutronApi } from './neutron-api.js';
import { KeystoneAuthenticator } from './identity/authenticator.js';
import { IDENTITY_PATH } from './identity/catalog.js';
import { IDENTITY_PREFIXES, registerIdentityApi } from './identity/identity-api.js';
import { IDENTITY_ROOTS, answerClientError, answerErrors, answerFrameworkError } from './error-answers.js';
import { type BodyLimits, acceptJsonBodies } from './json-body.js';
import { serverRoot } from './identity/http.js';
import { TokenService } from './identity/tokens.js';
import { AgentReaper } from './agent-reaper.js';
import { FeedHub, type Scheduling } from './feed/hub.js';
import { registerFeedRoutes } from './feed/routes.js';
import { hostSchedule } from './plugin/host-schedule.js';
import { QueryBroker } from './quark/broker.js';
import { registerQuarkQueryRoutes } from './quark/routes.js';
import { registerReadYourWrites } from './read-your-writes.js';
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
  /** Records agents dead when their heartbeats stop (tests call `sweep()` with their own clock). */
  readonly reaper: AgentReaper;
  /** Every route the app serves (the authorization matrix test and the fuzz test walk them). */
  readonly routes: RouteTable;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

/** URL patterns that answer without the store: documents, health, metrics, the web view's files, identity version documents. */
const STORELESS_ROUTES: ReadonlySet<string> = new Set([
  '/',
  '/v2.0',
  '/v2.0/',
  '/v2.0/extensions',
  '/v2.0/extensions/:alias',
  '/healthz',
  '/livez',
  '/metrics',
  '/ui',
  '/ui/',
  '/ui/:file',
  IDENTITY_PATH,
  `${IDENTITY_PATH}/`,
  ...IDENTITY_PREFIXES.flatMap((p) => [p, `${p}/`]),
]);

export async function buildApp(options: AppOptions): Promise<QuarkApp> {
  const { config, store } = options;
  const services = servicesOf(options);
  const metrics = new ServerMetrics({ processMetrics: options.processMetrics ?? false });
  const identity = identityOf(options, services);
  const app = createFastify(options);
  const routes = trackRoutes(app);
  acceptJsonBodies(app, bodyLimitsOf(config), IDENTITY_ROOTS);
  identifyCallers(app, store, identity.authenticator);
  registerReadYourWrites(app, store, (request) => {
    const url = request.routeOptions.url;
    return url !== undefined && !STORELESS_ROUTES.has(url);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  answerErrors(app, routes, (request) => `${serverRoot(request, config)}${IDENTITY_PATH}/v3`);
  const neutron = registerNeutronApi(app, store, services, config);
  const { feed, reaper } = registerAgentApi(app, options, services, metrics);
  registerWeb(app, { store, services, handlers: neutron.handlers, authenticator: identity.authenticator, callerOf });
  registerDocuments(app, neutron.registry, config);
  registerIdentityApi(app, { store, tokens: identity.tokens, authenticator: identity.keystone, config, services });
  registerHealth(app, store, metrics);
  return {
    app,
    routes,
    registry: neutron.registry,
    handlers: neutron.handlers,
    metrics,
    services,
    tokens: identity.tokens,
    feed,
    reaper,
  };
}

function servicesOf(options: AppOptions): Services {
  return {
    config: options.config,
    addresses: new AddressAllocator(),
    segments: new SegmentAllocator(),
    randomBytes: (n) => randomBytes(n),
    newId: () => randomUUID(),
    now: () => new Date(),
    ...options.services,
  };
}

/** Tokens and who validates them. The identity API always uses tokens; `auth` decides for the network API. */
function identityOf(options: AppOptions, services: Services) {
  const { config, store } = options;
  const tokens = new TokenService(store, { expiration: config.tokenExpiration, now: services.now });
  const keystone = new KeystoneAuthenticator(tokens, store, config.tokenCacheTime, services.now);
  const authenticator = options.authenticator ?? (config.auth === 'keystone' ? keystone : noauth);
  return { tokens, keystone, authenticator };
}

/** The fastify instance with the server's limits (docs/config.md) and error answers for what no route sees. */
function createFastify(options: AppOptions): FastifyInstance {
  const { config } = options;
  const app: FastifyInstance = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    // One log line per request would cost more than the request; latency goes to /metrics instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBodyBytes,
    // Fastify's own 503 while closing has its own body; identifyCallers answers those instead.
    return503OnClosing: false,
    keepAliveTimeout: config.keepAliveTimeout * 1000,
    connectionTimeout: config.connectionTimeout * 1000,
    requestTimeout: config.requestTimeout * 1000,
    // Tags are path parameters of up to 255 characters, three times that %-encoded.
    routerOptions: { maxParamLength: 1024 },
    http: httpServerOptions(config),
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError(() => app.log),
    rewriteUrl: (req) => dropJsonSuffix(req.url ?? '/'),
  });
  app.server.maxConnections = config.maxConnections;
  return app;
}

/** Node's HTTP server options from the configuration (also for the extra listeners of main.ts). */
export function httpServerOptions(config: ServerConfig): ServerOptions {
  const requestTimeout = config.requestTimeout * 1000;
  return {
    // Node refuses a headers timeout longer than the request timeout.
    headersTimeout: requestTimeout > 0 ? Math.min(config.headersTimeout * 1000, requestTimeout) : config.headersTimeout * 1000,
    requestTimeout,
    keepAliveTimeout: config.keepAliveTimeout * 1000,
    // How often Node looks for requests past these timeouts (its default is 30 s).
    connectionsCheckingInterval: 1000,
    // Node answers an HTTP/1.1 request without Host with a bare 400 of its own; identifyCallers
    // refuses it with a NeutronError instead.
    requireHostHeader: false,
  };
}

function bodyLimitsOf(config: ServerConfig): BodyLimits {
  return { maxBytes: config.maxBodyBytes, maxIdentityBytes: config.maxIdentityBodyBytes, maxDepth: config.maxBodyDepth };
}

function trackRoutes(app: FastifyInstance): RouteTable {
  const routes = new RouteTable();
  app.addHook('onRoute', (route) => routes.add(route.url, route.method));
  return routes;
}

/**
 * Before any route runs: refuse with 503 what needs a store that cannot serve it (or a server
 * that is stopping), then learn who calls the network API. By the matched route, not the raw
 * URL: `/%762.0/…` routes to /v2.0 too.
 */
function identifyCallers(app: FastifyInstance, store: Store, authenticator: Authenticator): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    if (request.raw.httpVersion === '1.1' && !request.headers.host) {
      throw new QuarkError('HTTPBadRequest', 'An HTTP/1.1 request needs a Host header.');
    }
    if (closing) {
      reply.header('connection', 'close');
      throw serviceUnavailable();
    }
    if (url !== undefined && !STORELESS_ROUTES.has(url) && !store.readable) throw serviceUnavailable();
    if (url?.startsWith('/v2.0')) request.caller = await authenticator.authenticate(request.headers);
  });
}

/** The Neutron resources, their actions, quotas, IP availability and scheduling. */
function registerNeutronApi(app: FastifyInstance, store: Store, services: Services, config: ServerConfig) {
  const api = neutronApi();
  const handlers = new Map<string, AnyResourceHandler>();
  const deps = { store, services, paginationMaxLimit: config.paginationMaxLimit, callerOf };
  for (const h of api.handlers(api.registry)) {
    handlers.set(h.declaration.path, h);
    if (!h.declaration.parent) registerCollection(app, h, deps);
  }
  for (const h of handlers.values()) {
    const parent =
      h.declaration.parent && [...handlers.values()].find((p) => p.declaration.member === h.declaration.parent!.member);
    if (parent) registerSubCollection(app, h, parent, deps);
  }
  registerRouterActions(app, handlers.get('routers')!, deps);
  registerSubnetPoolActions(app, handlers.get('subnetpools')!, deps);
  registerReadOnlyLists(app, api.registry.resources, deps);
  registerQosRuleTypes(app, api.registry.resources.get('qos/rule-types')!, deps);
  registerFlavorProfiles(app, deps);
  registerAddressGroupActions(app, handlers.get('address-groups')!, deps);
  registerTrunkActions(app, handlers.get('trunks')!, deps);
  registerLoggableResources(app, deps);
  registerQuotaRoutes(app, deps);
  registerMeteringCounters(app, deps);
  registerNetworkIpAvailability(app, api.registry.resources.get('network-ip-availabilities')!, deps);
  registerSchedulingRoutes(
    app,
    { agents: handlers.get('agents')!, routers: handlers.get('routers')!, networks: handlers.get('networks')! },
    deps,
  );
  return { registry: api.registry, handlers };
}

/** Every /v2.0 route has a caller once the onRequest hook ran; refuse rather than trust a gap. */
function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new QuarkError('NotAuthenticated', 'The request you have made requires authentication.');
  return request.caller;
}

/** What agents talk to: the feed, their reports, and the explain/trace queries relayed to them. */
function registerAgentApi(
  app: FastifyInstance,
  options: AppOptions,
  services: Services,
  metrics: ServerMetrics,
): { feed: FeedHub; reaper: AgentReaper } {
  const { config, store } = options;
  const feed = new FeedHub(store, options.scheduling ?? ((view, host) => hostSchedule(view, services, host)), {
    heartbeatSeconds: config.feedHeartbeat,
    resumeSeconds: 60,
    maxQueued: 10_000,
  });
  app.addHook('onClose', async () => feed.close());
  registerFeedRoutes(app, { store, services, hub: feed, callerOf, metrics });
  const broker = new QueryBroker(feed, store, services.newId, {
    timeoutMs: config.queryTimeout * 1000,
    announceMs: config.feedHeartbeat * 1000,
  });
  app.addHook('onClose', async () => broker.close());
  registerQuarkQueryRoutes(app, { store, broker, callerOf });
  const reaper = new AgentReaper(store, services, options.logger ?? null);
  app.addHook('onClose', async () => reaper.close());
  return { feed, reaper };
}

/** The version and extension documents. */
function registerDocuments(app: FastifyInstance, registry: ApiRegistry, config: ServerConfig): void {
  app.get('/', async (request) => versionsDocument(serverRoot(request, config)));
  app.get('/v2.0', async (request) => resourcesDocument(registry, serverRoot(request, config)));
  app.get('/v2.0/', async (request) => resourcesDocument(registry, serverRoot(request, config)));
  app.get('/v2.0/extensions', async () => extensionsDocument(registry));
  app.get<{ Params: { alias: string } }>('/v2.0/extensions/:alias', async (request) =>
    extensionDocument(registry, request.params.alias),
  );
}

/**
 * `/healthz`: ready to serve, i.e. the store's database answers (503 while it does not, for a
 * load balancer to send clients elsewhere). `/livez`: the process serves HTTP at all (for a
 * supervisor that restarts hung processes; a database outage must not restart every server).
 */
function registerHealth(app: FastifyInstance, store: Store, metrics: ServerMetrics): void {
  app.get('/healthz', async () => {
    const health = await store.check();
    if (health.state !== 'up') throw serviceUnavailable();
    return { status: 'ok', revision: store.revision };
  });
  app.get('/livez', async () => ({ status: 'ok' }));
  metrics.watchMetering(() => store.view.all('metering_counter'));
  app.get('/metrics', async (_request, reply) => {
    metrics.revision.set(store.revision);
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
