/**
 * How the API reads request bodies, before anything else looks at them: every body is JSON
 * whatever Content-Type a client sends (curl's default is form data); its size is bounded while
 * it is read (fastify's bodyLimit: 413, from Content-Length before a byte is read when the
 * client sends one), and its nesting depth before it is parsed (400): a 12 KB body of 6,000
 * nested arrays otherwise reaches recursive code and fails there with a RangeError.
 */
import type { FastifyInstance } from 'fastify';
import { QuarkError } from '../model/errors.js';

export interface BodyLimits {
  /** Bytes, for every route but the identity API's. */
  readonly maxBytes: number;
  /** Bytes, for the identity API (its token route takes unauthenticated bodies). */
  readonly maxIdentityBytes: number;
  /** Most arrays and objects one inside another. */
  readonly maxDepth: number;
}

/**
 * Whether the JSON text nests arrays and objects at most `max` deep. Counts brackets outside
 * strings; runs before parsing, in one pass, so a body too deep costs no more than its bytes.
 */
export function withinDepth(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return false;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return true;
}

export function acceptJsonBodies(app: FastifyInstance, limits: BodyLimits, identityPrefixes: readonly string[]): void {
  // Routes are declared after this runs; each gets its limit as it is added.
  app.addHook('onRoute', (route) => {
    if (identityPrefixes.some((p) => route.url === p || route.url.startsWith(`${p}/`))) route.bodyLimit = limits.maxIdentityBytes;
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString();
    if (text.trim() === '') return done(null, undefined);
    if (!withinDepth(text, limits.maxDepth)) {
      return done(new QuarkError('HTTPBadRequest', `Request body nests deeper than ${limits.maxDepth} levels.`), undefined);
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new QuarkError('HTTPBadRequest', 'Malformed request body'), undefined);
    }
  });
}
