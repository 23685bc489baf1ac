/** `quark server`: the Neutron API server. */
import type { Command } from 'commander';
import { loadConfig } from '../model/config.js';
import { ServerConfigSchema } from '../server/config.js';
import { configSources } from './config-file.js';

interface ServerFlags {
  config?: string;
  host?: string;
  port?: string;
  workers?: string;
  db?: string;
  auth?: string;
  publicUrl?: string;
  logLevel?: string;
  logFormat?: string;
}

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('Serve the Neutron v2.0 API (and the identity API) from the store')
    .option(
      '--config <file>',
      'YAML or JSON file with server settings (default /etc/quark/server.yaml if it exists; docs/config.md)',
    )
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'TCP port (default 9696)')
    .option('--workers <n>', 'server processes sharing the port, each a whole server (0: one per core; default 1)')
    .option('--db <path|url>', "SQLite file, ':memory:' or postgres:// URL (a URL with a password: prefer QUARK_DB or the file)")
    .option('--auth <mode>', "'keystone' (default) or 'noauth'")
    .option('--public-url <url>', 'URL clients reach the server at, for the service catalog')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .option('--log-format <format>', 'auto (text on a terminal, else JSON), text or json')
    .action(async (opts: ServerFlags) => {
      const { config: file, ...flags } = opts;
      const config = loadConfig(ServerConfigSchema, configSources(file, 'server', flags));
      // Loaded here, not at the top: every other `quark` command starts without the server's modules.
      const { closeOnSignals, makeLogger, startServer } = await import('../server/main.js');
      const { isWorker, runPrimary, workerCount, workerTransport } = await import('../server/workers.js');
      const logger = makeLogger(config.logLevel, 'quark-server', config.logFormat);
      if (isWorker()) {
        closeOnSignals(await startServer(config, logger, workerTransport()));
        return;
      }
      const count = workerCount(config);
      if (count > 1) {
        await runPrimary(config, count, logger);
        return;
      }
      closeOnSignals(await startServer(config, logger));
    });
}
