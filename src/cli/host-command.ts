/**
 * `quark host check`: the preflight of a host before (or while) its agent runs — Open vSwitch and
 * its datapath, kernel modules, the tunnel address, the tools of each role, the server and the
 * agent's credentials, the clock — one line each, every problem with its fix. It reads the
 * agent's own settings (/etc/quark/agent.yaml, /etc/quark/agent.env, QUARK_*, flags). Exits 1
 * when anything fails.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { Check } from '../agent/host-check/checks.js';
import { addAgentOptions, agentConfig } from './agent-command.js';
import { agentEnvironment } from './config-file.js';

const MARK: Readonly<Record<Check['status'], string>> = { ok: 'ok  ', info: 'info', warn: 'WARN', fail: 'FAIL' };

export function renderChecks(title: string, checks: readonly Check[]): string {
  const lines = [title];
  for (const c of checks) {
    lines.push(`  ${MARK[c.status]}  ${c.says}`);
    if (c.fix) lines.push(`        fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push(
    failed + warned === 0 ? 'result: ready' : `result: ${failed} problem(s) to fix${warned > 0 ? `, ${warned} warning(s)` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

export function registerHostCommand(program: Command): void {
  const host = program.command('host').description('Look at this host as its agent needs it');
  addAgentOptions(
    host
      .command('check')
      .description(
        "Preflight: Open vSwitch or Linux bridge, datapath, kernel modules, tunnel address, tools, the server and the agent's credentials, clock; each problem with its fix",
      ),
  )
    .option('--no-server', 'do not contact the server')
    .option('-f, --format <format>', 'table or json', 'table')
    .action(async (opts: Record<string, unknown>) => {
      const { server: useServer, format, ...agentOpts } = opts;
      // commander's --no-server and the agent's --server share the key `server`: a string is the URL.
      const flags = typeof useServer === 'string' ? { ...agentOpts, server: useServer } : agentOpts;
      const config = agentConfig(flags, agentEnvironment());
      const { hostChecks } = await import('../agent/host-check/checks.js');
      const { readHostFacts } = await import('../agent/host-check/facts.js');
      const { reachServer } = await import('../agent/host-check/server-reach.js');
      const { validateAgentConfig } = await import('../agent/settings.js');
      const name = config.host || hostname();
      const checks: Check[] = [];
      try {
        validateAgentConfig(config);
      } catch (e) {
        checks.push({ status: 'fail', says: (e as Error).message, fix: 'correct the setting (docs/config.md)' });
      }
      const [facts, server] = await Promise.all([readHostFacts(config), useServer === false ? null : reachServer(config, name)]);
      checks.push(...hostChecks({ config, host: name, facts, server }));
      process.stdout.write(
        format === 'json'
          ? `${JSON.stringify({ host: name, checks }, null, 2)}\n`
          : renderChecks(`quark host check: host ${name}`, checks),
      );
      if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
    });
}
