/**
 * `quark explain port|network|router|floatingip|security-group|trunk|host ID|NAME [-f json]`: where an
 * API object is realised on each host (or everything one host has), read live through the
 * server (`GET /v2.0/quark/explain/…`), each item in the host's syntax with what it does and
 * whether it matches the agent's plan. Exits 4 when anything drifted, 5 when an agent the object
 * needs could not be asked (the answer is incomplete).
 */
import type { Command } from 'commander';
import type { Explanation } from '../model/explain.js';
import { renderExplanation } from '../trace/render.js';
import { type ConnectFlags, addConnectOptions, connect } from './connect.js';

const KINDS = ['port', 'network', 'router', 'floatingip', 'floating-ip', 'security-group', 'trunk', 'host'];

interface ExplainFlags extends ConnectFlags {
  readonly format: string;
}

export function registerExplainCommand(program: Command): void {
  const c = program
    .command('explain')
    .description('Show where an object lives on the hosts (namespaces, devices, flows, rules…), or what one host has')
    .argument('<kind>', KINDS.join(', '))
    .argument('<object>', 'id or name (host: its name)')
    .option('-f, --format <format>', 'table or json', 'table');
  addConnectOptions(c).action(async (kind: string, object: string, flags: ExplainFlags) => {
    if (!KINDS.includes(kind)) throw new Error(`explain knows ${KINDS.join(', ')}, not ${kind}`);
    const client = connect(flags);
    const path = kind === 'host' ? `hosts/${encodeURIComponent(object)}` : `${kind}/${encodeURIComponent(object)}`;
    const { explanation } = await client.get<{ explanation: Explanation }>(`/v2.0/quark/explain/${path}`);
    process.stdout.write(flags.format === 'json' ? `${JSON.stringify(explanation, null, 2)}\n` : renderExplanation(explanation));
    if (explanation.drift > 0) process.exitCode = 4;
    else if (explanation.missing.length > 0) process.exitCode = 5;
  });
}
