/**
 * Read-your-writes across the servers of one database (docs/scale-out.md). Every answer tells
 * the client the revision the answering server's view had (cookie `quark-revision`, header
 * `X-Quark-Revision`); a request that brings one back (the cookie, which the `openstack` CLI's
 * HTTP session and browsers keep, or the header) is answered only once this server's view holds
 * it, after one catch-up if it does not yet. So a client that wrote through one server and
 * reads through another sees its write, and never sees the cloud go back in time. Servers hear
 * each other's commits within milliseconds anyway; this covers the request that is faster.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store } from '../store/store.js';

export const REVISION_COOKIE = 'quark-revision';
export const REVISION_HEADER = 'x-quark-revision';

/** The revision a request brings back (the larger of cookie and header), or 0. */
export function revisionOf(request: FastifyRequest): number {
  const header = Number(request.headers[REVISION_HEADER]);
  const cookie = new RegExp(`(?:^|;\\s*)${REVISION_COOKIE}=(\\d+)`).exec(request.headers.cookie ?? '');
  const fromCookie = cookie ? Number(cookie[1]) : 0;
  return Math.max(Number.isSafeInteger(header) ? header : 0, Number.isSafeInteger(fromCookie) ? fromCookie : 0);
}

/**
 * Adds the revision to every answer of a server whose store is shared, and makes requests that
 * bring one wait for it. `needsStore` says which requests read the store at all.
 */
export function registerReadYourWrites(
  app: FastifyInstance,
  store: Store,
  needsStore: (request: FastifyRequest) => boolean,
): void {
  if (!store.shared) return;
  // Writes catch up under the write lock anyway: only reads need to wait.
  app.addHook('preHandler', async (request) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !needsStore(request)) return;
    await store.reach(revisionOf(request));
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!needsStore(request)) return payload;
    const revision = Math.max(store.revision, revisionOf(request));
    reply.header(REVISION_HEADER, String(revision));
    reply.header('set-cookie', `${REVISION_COOKIE}=${revision}; Path=/; HttpOnly; SameSite=Lax`);
    return payload;
  });
}
