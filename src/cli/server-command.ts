/** `quark server`: the Neutron API server. */
import type { Command } from 'commander';
import { loadConfig } from '../model/config.js';
import { ServerConfigSchema } from '../server/config.js';
import { readConfigFile } from './config-file.js';

interface ServerFlags {
  config?: string;
  host?: string;
  port?: number;
  db?: string;
  auth?: string;
  publicUrl?: string;
  logLevel?: string;
}

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('Serve the Neutron v2.0 API (and the identity API) from the store')
    .option('--config <file>', 'YAML or JSON file with server settings (see docs/config.md)')
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'TCP port (default 9696)', (v) => Number(v))
    .option('--db <path|url>', "SQLite file, ':memory:' or postgres:// URL")
    .option('--auth <mode>', "'keystone' (default) or 'noauth'")
    .option('--public-url <url>', 'URL clients reach the server at, for the service catalog')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .action(async (opts: ServerFlags) => {
      const config = loadConfig(ServerConfigSchema, {
        file: readConfigFile(opts.config),
        env: process.env,
        flags: {
          host: opts.host,
          port: opts.port,
          db: opts.db,
          auth: opts.auth,
          publicUrl: opts.publicUrl,
          logLevel: opts.logLevel,
        },
      });
      // Loaded here, not at the top: every other `quark` command starts without the server's modules.
      const { closeOnSignals, startServer } = await import('../server/main.js');
      const server = await startServer(config);
      closeOnSignals(server);
    });
}
