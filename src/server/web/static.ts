/**
 * The web view's files (docs/web.md): `GET /ui/` serves the page `npm run build` bundled into
 * dist/ui/ (scripts/build-web.mjs), with everything it needs in the bundle: no CDN, works
 * offline. The files are public; what the page shows comes from the API with the user's token.
 */
import { readFileSync, readdirSync } from 'node:fs';
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

interface WebFile {
  readonly body: Buffer;
  readonly type: string;
}

/** The built files, read once at start; an unbuilt tree serves none and says so. */
function loadFiles(): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  let names: string[] = [];
  try {
    names = readdirSync(WEB_DIR);
  } catch {
    return files;
  }
  for (const name of names) {
    const type = TYPES[name.split('.').pop() ?? ''];
    if (type) files.set(name, { body: readFileSync(`${WEB_DIR}${name}`), type });
  }
  return files;
}

export function registerWebFiles(app: FastifyInstance): void {
  const files = loadFiles();
  const send = (name: string) => {
    const file = files.get(name);
    if (!file) {
      const why = files.size === 0 ? ' (the web view is not built: npm run build)' : '';
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
