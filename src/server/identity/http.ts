/**
 * What every identity route shares: its dependencies, the caller of the request, URLs for
 * `links`, Keystone's list envelope, query filters, and body checks with Keystone's wording.
 */
import type { FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import type { Store } from '../../store/store.js';
import type { Caller } from '../caller.js';
import type { ServerConfig } from '../config.js';
import { type PolicyAction, type Target, allowed } from '../policy.js';
import type { Services } from '../plugin/context.js';
import type { KeystoneAuthenticator } from './authenticator.js';
import type { TokenService } from './tokens.js';

export interface IdentityDeps {
  readonly store: Store;
  readonly tokens: TokenService;
  readonly authenticator: KeystoneAuthenticator;
  readonly config: ServerConfig;
  readonly services: Services;
}

/** Scheme, host and port clients reach this server at: `publicUrl`, or the request's own. */
export function serverRoot(request: FastifyRequest, config: ServerConfig): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  return `${request.protocol}://${request.host}`;
}

/** The URL of the identity API the request came in through (`…/identity/v3` or `…/v3`). */
export function apiBase(request: FastifyRequest, config: ServerConfig, prefix: string): string {
  return `${serverRoot(request, config)}${prefix}`;
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new QuarkError('InternalError', 'identity route without a caller');
  return request.caller;
}

/** Refuses with Keystone's 403 unless the identity policy allows `action`. */
export function enforceIdentity(action: PolicyAction, caller: Caller, target: Target = { projectId: '' }): void {
  if (!allowed(action, caller, target)) {
    throw new QuarkError('ForbiddenAction', `You are not authorized to perform the requested action: ${action}.`);
  }
}

export function listBody(collection: string, items: readonly object[], self: string) {
  return { [collection]: items, links: { self, previous: null, next: null } };
}

export type Query = Readonly<Record<string, string | string[] | undefined>>;

export function queryValue(query: unknown, key: string): string | undefined {
  const v = (query as Query)[key];
  return Array.isArray(v) ? v[0] : v;
}

/** Keystone's boolean filters accept true/false in any case, and 0/1. */
export function queryBool(query: unknown, key: string): boolean | undefined {
  const v = queryValue(query, key);
  if (v === undefined) return undefined;
  return !['false', '0', 'no', 'off'].includes(v.toLowerCase());
}

/** Keeps the records that match every filter given (undefined filters match all). */
export function matches<T>(record: T, filters: readonly [unknown, (r: T) => unknown][]): boolean {
  return filters.every(([want, get]) => want === undefined || get(record) === want);
}

/** Keystone ids: 32 hex characters. */
export function newIdentityId(services: Services): string {
  return services.newId().replace(/-/g, '');
}
