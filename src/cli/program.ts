/**
 * The `quark` command's tree. Each subcommand parses its flags, loads its process's configuration
 * (defaults < config file < QUARK_* environment < flags) and hands over to its layer.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAdminCommand } from './admin-command.js';
import { registerAgentCommand } from './agent-command.js';
import { registerExplainCommand } from './explain-command.js';
import { registerHostCommand } from './host-command.js';
import { registerLabCommand } from './lab-command.js';
import { registerMetadataCommand } from './metadata-command.js';
import { registerServerCommand } from './server-command.js';
import { registerTraceCommand } from './trace-command.js';
import { registerVifCommand } from './vif-command.js';

/** The version of the installed package (package.json sits two levels above dist/cli). */
export function quarkVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('quark')
    .description(
      'Software-defined networking for Linux hosts: the Neutron v2.0 API on Open vSwitch, namespaces, iptables and dnsmasq',
    )
    .version(`quark ${quarkVersion()} (Node.js ${process.version})`, '-V, --version', 'print the version and exit')
    .showHelpAfterError();
  registerServerCommand(program);
  registerAdminCommand(program);
  registerAgentCommand(program);
  registerHostCommand(program);
  registerVifCommand(program);
  registerMetadataCommand(program);
  registerLabCommand(program);
  registerExplainCommand(program);
  registerTraceCommand(program);
  return program;
}
