/**
 * Runs `quark server`: opens the store, serves the API, and shuts down gracefully on SIGTERM or
 * SIGINT (stop accepting, finish requests in flight, close the store).
 */
import { mkdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { type LogFormat, formatLogLine, wantsText } from '../model/log-format.js';
import { Store } from '../store/store.js';
import { buildApp } from './app.js';
import type { ServerConfig } from './config.js';

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
): Promise<RunningServer> {
  if (config.db !== ':memory:' && !config.db.includes('://')) mkdirSync(dirname(config.db), { recursive: true });
  const store = await Store.open({ url: config.db, changeLogRetention: config.changeLogRetention });
  const { app } = await buildApp({ config, store, logger, processMetrics: true });
  const [first, ...more] = config.host.split(',').map((h) => h.trim());
  await app.listen({ host: first!, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // Further addresses (the lab's controller listens on loopback and on its management address)
  // get plain HTTP servers that hand every request to the same application.
  const extra: Server[] = [];
  for (const host of more) {
    const server = createServer((req, res) => app.routing(req, res));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
    extra.push(server);
  }
  const url = `http://${first!.includes(':') ? `[${first}]` : first}:${port}`;
  logger.info({ url, also: more, db: config.db, auth: config.auth, revision: store.revision }, 'quark server listening');
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
