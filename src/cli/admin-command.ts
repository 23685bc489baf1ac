/** `quark admin`: administration commands; `bootstrap` is in admin-bootstrap.ts, loaded when it runs. */
import type { Command } from 'commander';
import { defaultCloudsYamlPath } from '../client/clouds-yaml.js';
import type { BootstrapFlags } from './admin-bootstrap.js';

export function registerAdminCommand(program: Command): void {
  const admin = program.command('admin').description('Administration of a deployment');
  admin
    .command('bootstrap')
    .description('Create the admin user and project (idempotent), write clouds.yaml and print OS_* variables')
    .option('--password <password>', 'the admin password to set (default: keep the known one, or generate one)')
    .option('--config <file>', 'server config file, for db, host, port and publicUrl')
    .option('--db <path|url>', "the server's store: SQLite file or postgres:// URL")
    .option('--url <url>', 'the server URL clients use (default from the server config: http://127.0.0.1:9696)')
    .option('--clouds-yaml <path>', `clouds.yaml to update (default ${defaultCloudsYamlPath()})`)
    .option('--no-clouds-yaml', 'do not write clouds.yaml')
    .option('--cloud <name>', 'name of the clouds.yaml entry', 'quark')
    .action(async (flags: BootstrapFlags) => {
      // Loaded here: the store and identity modules are needed by this command only.
      const { bootstrap } = await import('./admin-bootstrap.js');
      await bootstrap(flags);
    });
}
