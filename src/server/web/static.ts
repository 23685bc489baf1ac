/**
 * The web view's files (docs/web.md): `GET /ui/` serves the page `npm run build` bundled into
 * dist/ui/ (scripts/build-web.mjs), with everything it needs in the bundle: no CDN, works
 * offline. The files are public; what the page shows comes from the API with the user's token.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
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

/**
 * A built file by name, read when asked: the page loads a handful once per visit, and a
 * rebuilt tree is served without a restart. Only names in the build directory are served.
 */
function readWebFile(name: string): { body: Buffer; type: string } | null {
  const type = TYPES[name.split('.').pop() ?? ''];
  if (!type || !/^[\w.-]+$/.test(name) || name.startsWith('.')) return null;
  try {
    return { body: readFileSync(`${WEB_DIR}${name}`), type };
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
  // The page names its files by absolute path, so it is the same page at /ui and /ui/.
  for (const path of ['/ui', '/ui/'])
    app.get(path, async (_request, reply) => {
      const file = send('index.html');
      reply
        .headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' })
        .type(file.type)
        .send(file.body);
    });
  app.get<{ Params: { file: string } }>('/ui/:file', async (request, reply) => {
    const file = send(request.params.file);
    reply
      .headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' })
      .type(file.type)
      .send(file.body);
  });
}
