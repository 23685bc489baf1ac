/**
 * Runs `quark server`: opens the store, serves the API, and shuts down gracefully on SIGTERM or
 * SIGINT (stop accepting, finish requests in flight, close the store). A database that fails
 * while the server runs never stops it: requests get 503 until the database is back.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { type LogFormat, formatLogLine, wantsText } from '../model/log-format.js';
import { type PeerTransport, Store, hasPassword } from '../store/store.js';
import { buildApp, httpServerOptions } from './app.js';
import type { ServerConfig } from './config.js';
import { answerClientError } from './error-answers.js';

export interface RunningServer {
  readonly url: string;
  readonly store: Store;
  close(): Promise<void>;
}

/** pino on stderr: JSON lines, or readable text on a terminal or with `logFormat: text` (model/log-format.ts). */
export function makeLogger(level: string, name: string, format: LogFormat = 'auto'): Logger {
  if (wantsText(format, process.stderr.isTTY === true))
    return pino({ name, level }, { write: (line: string) => process.stderr.write(formatLogLine(line)) });
  return pino({ name, level }, pino.destination({ fd: 2, sync: false }));
}

export async function startServer(
  config: ServerConfig,
  logger = makeLogger(config.logLevel, 'quark-server', config.logFormat),
  /** A worker's channel to the other workers of `quark server --workers N` (workers.ts). */
  peers?: PeerTransport,
): Promise<RunningServer> {
  if (process.argv.some(hasPassword)) {
    logger.warn(
      'the database password is on the command line, where every user sees it (ps): put the URL in QUARK_DB or the config file',
    );
  }
  if (config.db !== ':memory:' && !config.db.includes('://')) mkdirSync(dirname(config.db), { recursive: true });
  const store = await Store.open({
    url: config.db,
    changeLogRetention: config.changeLogRetention,
    timeouts: { connectMs: config.dbConnectTimeout * 1000, statementMs: config.dbStatementTimeout * 1000 },
    ...(peers ? { peers } : {}),
  });
  store.onHealth((health) => {
    if (health.state === 'up') logger.info({ db: store.target }, 'store available again');
    else logger.error({ db: store.target, since: health.since, cause: health.cause }, 'store unavailable: answering 503');
  });
  const { app } = await buildApp({ config, store, logger, processMetrics: true });
  const maxConnections = connectionLimit(config.maxConnections, logger);
  app.server.maxConnections = maxConnections;
  const [first, ...more] = config.host.split(',').map((h) => h.trim());
  await app.listen({ host: first!, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // Further addresses (the lab's controller listens on loopback and on its management address)
  // get plain HTTP servers with the same limits that hand every request to the same application.
  const extra: Server[] = [];
  for (const host of more) {
    const server = createServer(httpServerOptions(config), (req, res) => app.routing(req, res));
    server.setTimeout(config.connectionTimeout * 1000);
    server.maxConnections = maxConnections;
    server.on(
      'clientError',
      answerClientError(() => app.log),
    );
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
    extra.push(server);
  }
  const url = `http://${first!.includes(':') ? `[${first}]` : first}:${port}`;
  logger.info({ url, also: more, db: store.target, auth: config.auth, revision: store.revision }, 'quark server listening');
  let closing: Promise<void> | null = null;
  return {
    url,
    store,
    close: () => {
      closing ??= (async () => {
        for (const server of extra) server.closeAllConnections();
        await Promise.all(extra.map((server) => new Promise((resolve) => server.close(resolve))));
        await app.close();
        await store.close();
        logger.info('quark server stopped');
        logger.flush();
      })();
      return closing;
    },
  };
}

/**
 * `maxConnections`, lowered below the process's open file limit when that is smaller: past the
 * limit, accept() fails and new clients wait in the kernel's queue, where a refused connection
 * at least fails at once. Leaves room for the database, log and agent-query descriptors.
 */
function connectionLimit(configured: number, logger: Logger): number {
  const reserve = 128;
  let files: number | null = null;
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    files = line ? Number(line[1]) : null;
  } catch {
    // Not Linux: keep the configured limit.
  }
  if (files === null || configured <= files - reserve) return configured;
  const limit = Math.max(16, files - reserve);
  logger.warn(
    { maxConnections: configured, openFileLimit: files, using: limit },
    'maxConnections lowered below the open file limit',
  );
  return limit;
}

/** Stops the server on the first SIGTERM/SIGINT; a second one exits at once. */
export function closeOnSignals(server: RunningServer): void {
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
