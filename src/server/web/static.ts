/**
 * The web view's files (docs/web.md): `GET /ui/` serves the page `npm run build` bundled into
 * dist/ui/ (scripts/build-web.mjs), with everything it needs in the bundle: no CDN, works
 * offline. The files are public; what the page shows comes from the API with the user's token.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';

/** dist/ui, beside dist/server (this file runs as dist/server/web/static.js). */
const WEB_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/**
 * The page runs only its own script and talks only to this server: a injected script or a
 * framing page could otherwise act with the user's token.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface WebFile {
  readonly body: Buffer;
  readonly type: string;
  /** Lets a browser revalidate instead of downloading (and keep its compiled code for the script). */
  readonly etag: string;
  readonly mtimeMs: number;
}

const files = new Map<string, WebFile>();

/**
 * A built file by name, kept until the file changes: a rebuilt tree is served without a
 * restart. Only plain names of the build directory are served.
 */
function readWebFile(name: string): WebFile | null {
  const type = TYPES[name.split('.').pop() ?? ''];
  if (!type || !/^[\w.-]+$/.test(name) || name.startsWith('.')) return null;
  try {
    const path = `${WEB_DIR}${name}`;
    const { mtimeMs } = statSync(path);
    const kept = files.get(name);
    if (kept?.mtimeMs === mtimeMs) return kept;
    const body = readFileSync(path);
    const file = { body, type, etag: `"${createHash('sha1').update(body).digest('base64url')}"`, mtimeMs };
    files.set(name, file);
    return file;
  } catch {
    return null;
  }
}

export function registerWebFiles(app: FastifyInstance): void {
  const send = (name: string) => {
    const file = readWebFile(name);
    if (!file) {
      const why = existsSync(WEB_DIR) ? '' : ' (the web view is not built: npm run build)';
      throw new QuarkError('HTTPNotFound', `The resource could not be found: /ui/${name}${why}`);
    }
    return file;
  };
  const serve = (request: FastifyRequest, reply: FastifyReply, name: string) => {
    const file = send(name);
    reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache', etag: file.etag });
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.type(file.type).send(file.body);
  };
  // The page names its files by absolute path, so it is the same page at /ui and /ui/.
  for (const path of ['/ui', '/ui/']) app.get(path, async (request, reply) => serve(request, reply, 'index.html'));
  app.get<{ Params: { file: string } }>('/ui/:file', async (request, reply) => serve(request, reply, request.params.file));
}
