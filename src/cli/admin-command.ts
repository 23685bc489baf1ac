/** `quark admin`: administration commands; `bootstrap` is in admin-bootstrap.ts, loaded when it runs. */
import type { Command } from 'commander';
import { defaultCloudsYamlPath } from '../client/clouds-yaml.js';
import type { BootstrapFlags } from './admin-bootstrap.js';

export function registerAdminCommand(program: Command): void {
  const admin = program.command('admin').description('Administration of a deployment');
  admin
    .command('bootstrap')
    .description(
      "Create the admin user and project and the agents' user (idempotent), write clouds.yaml and print OS_* variables",
    )
    .option(
      '--password <password>',
      'the admin password to set (default: keep the known one, or generate one; or QUARK_ADMIN_PASSWORD)',
    )
    .option(
      '--config <file>',
      "the server's config file, for db, host, port and publicUrl (default /etc/quark/server.yaml if it exists)",
    )
    .option('--db <path|url>', "the server's store: SQLite file or postgres:// URL (default from the server's config)")
    .option('--create-db', 'create the SQLite database if it does not exist (otherwise a missing file is an error)')
    .option('--url <url>', "the server URL clients use (default from the server's config: publicUrl, else host and port)")
    .option('--clouds-yaml <path>', `clouds.yaml to update (default ${defaultCloudsYamlPath()})`)
    .option('--no-clouds-yaml', 'do not write clouds.yaml')
    .option('--cloud <name>', 'name of the clouds.yaml entry', 'quark')
    .option('--agent-user <name>', "the agents' user, with the admin role on project service", 'quark-agent')
    .option('--no-agent-user', "do not create the agents' user")
    .option('--agent-password <password>', 'its password (default: keep it, or generate one; or QUARK_AGENT_PASSWORD)')
    .option('--agent-env <file>', "write the agents' QUARK_USERNAME, QUARK_PASSWORD, QUARK_PROJECT_NAME to this file (mode 0600)")
    .action(async (flags: BootstrapFlags) => {
      // Loaded here: the store and identity modules are needed by this command only.
      const { bootstrap } = await import('./admin-bootstrap.js');
      await bootstrap(flags);
    });
}
