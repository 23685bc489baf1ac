/**
 * `quark trace --from X --to Y [--proto P] [--dport N] [--probe] [-f json]`: the path of one
 * packet across the hosts, read from their real state through the server
 * (`GET /v2.0/quark/trace`), as a tree of hops ending in a verdict. With `--lab`, `internet`
 * names the lab's internet host and `vm3.floating` an instance's floating IP.
 */
import type { Command } from 'commander';
import type { TraceResult } from '../model/trace.js';
import { renderTrace } from '../trace/render.js';
import { labExtra } from '../lab/up.js';
import { type ConnectFlags, addConnectOptions, connect, loadLab } from './connect.js';

interface TraceFlags extends ConnectFlags {
  readonly from: string;
  readonly to: string;
  readonly proto: string;
  readonly dport?: string;
  readonly probe?: boolean;
  readonly format: string;
  readonly evidence: boolean;
  readonly ipv6?: boolean;
}

/** Lab shorthands: `internet` (its IPv6 address with --ipv6), `<instance>.floating`. */
function labAddress(lab: string | undefined, name: string, ipv6 = false): string {
  if (!lab) return name;
  const l = loadLab(lab);
  if (name === 'internet') return (ipv6 ? l.fabric.internetIp6 : null) ?? l.fabric.internetIp;
  if (name.endsWith('.floating')) {
    const i = labExtra(l).instances.find((x) => x.name === name.slice(0, -'.floating'.length));
    if (i?.floatingIp) return i.floatingIp;
  }
  return name;
}

export function registerTraceCommand(program: Command): void {
  const c = program
    .command('trace')
    .description('Follow a packet hop by hop across the hosts and say whether it arrives, and why not')
    .requiredOption('--from <source>', 'instance (port name, port id, instance id) or IP address')
    .requiredOption('--to <destination>', 'instance or IP address (a floating IP to go through it)')
    .option('--proto <protocol>', 'icmp, tcp or udp', 'icmp')
    .option('--dport <port>', 'destination port (tcp, udp)')
    .option('-6, --ipv6', "trace IPv6: the instances' IPv6 addresses (implied by an IPv6 address)")
    .option('--probe', 'also send the real packet from the source namespace')
    .option('--no-evidence', 'hide the flows and rules under each hop')
    .option('-f, --format <format>', 'table (a tree) or json', 'table');
  addConnectOptions(c).action(async (flags: TraceFlags) => {
    const client = connect(flags);
    const q = new URLSearchParams({
      from: labAddress(flags.lab, flags.from, flags.ipv6),
      to: labAddress(flags.lab, flags.to, flags.ipv6),
      protocol: flags.proto,
    });
    if (flags.ipv6) q.set('ip_version', '6');
    if (flags.dport) q.set('port', flags.dport);
    if (flags.probe) q.set('probe', 'true');
    const { trace } = await client.get<{ trace: TraceResult }>(`/v2.0/quark/trace?${q}`);
    process.stdout.write(
      flags.format === 'json' ? `${JSON.stringify(trace, null, 2)}\n` : renderTrace(trace, { evidence: flags.evidence }),
    );
    const ok = trace.verdict.result === 'delivered' || trace.verdict.result === 'left';
    if (!ok) process.exitCode = 3;
  });
}
