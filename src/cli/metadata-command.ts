/** `quark metadata-api`: the built-in metadata backend, for clouds without Nova (docs/metadata.md). */
import type { Command } from 'commander';
import { loadConfig } from '../model/config.js';
import { MetadataApiConfigSchema } from '../metadata/config.js';
import { readConfigFile } from './config-file.js';

export function registerMetadataCommand(program: Command): void {
  program
    .command('metadata-api')
    .description("Serve instances' metadata (OpenStack and EC2 formats) behind the metadata agents, as Nova's metadata API")
    .option('--config <file>', 'YAML or JSON file with its settings (see docs/config.md)')
    .option('--host <address>', 'address to listen on')
    .option('--port <port>', 'port to listen on', Number)
    .option('--server <url>', 'URL of the Quark server')
    .option('--instances <file>', 'JSON file of what Nova would know of each instance')
    .option('--log-level <level>', 'log level')
    .action(async (opts: Record<string, unknown>) => {
      const config = loadConfig(MetadataApiConfigSchema, {
        file: readConfigFile(opts.config as string | undefined),
        env: process.env,
        flags: opts,
      });
      const { startMetadataApi } = await import('../metadata/main.js');
      await startMetadataApi(config);
    });
}
