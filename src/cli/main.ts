/**
 * The `quark` command. Each subcommand parses its flags, loads its process's configuration
 * (defaults < config file < QUARK_* environment < flags) and hands over to its layer.
 */
import { Command } from 'commander';
import { QuarkError } from '../model/errors.js';
import { registerAdminCommand } from './admin-command.js';
import { registerAgentCommand } from './agent-command.js';
import { registerExplainCommand } from './explain-command.js';
import { registerLabCommand } from './lab-command.js';
import { registerMetadataCommand } from './metadata-command.js';
import { registerServerCommand } from './server-command.js';
import { registerTraceCommand } from './trace-command.js';
import { registerVifCommand } from './vif-command.js';

export function buildProgram(): Command {
  const program = new Command('quark')
    .description(
      'Software-defined networking for Linux hosts: the Neutron v2.0 API on Open vSwitch, namespaces, iptables and dnsmasq',
    )
    .showHelpAfterError();
  registerServerCommand(program);
  registerAdminCommand(program);
  registerAgentCommand(program);
  registerVifCommand(program);
  registerMetadataCommand(program);
  registerLabCommand(program);
  registerExplainCommand(program);
  registerTraceCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    const message = e instanceof QuarkError ? e.message : e instanceof Error ? e.message : String(e);
    process.stderr.write(`quark: ${message}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
