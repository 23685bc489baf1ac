/**
 * `quark trace --from X --to Y [--proto P] [--dport N] [--probe] [-f json]`: the path of one
 * packet across the hosts, read from their real state through the server
 * (`GET /v2.0/quark/trace`), as a tree of hops ending in a verdict, then its reply's. Exits 3
 * when the packet or its reply does not arrive. With `--lab`, `internet` names the lab's
 * internet host and `vm3.floating` the floating IP an instance has now, and a route the verdict
 * assumes outside the cloud is checked on the lab's internet host.
 */
import type { Command } from 'commander';
import type { QuarkClient } from '../client/client.js';
import { QuarkError } from '../model/errors.js';
import type { FloatingIp } from '../model/resources.js';
import type { TraceResult } from '../model/trace.js';
import { renderTrace, traceArrived } from '../trace/render.js';
import { internetRoute } from '../lab/status.js';
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
  readonly reply: boolean;
}

/**
 * Lab shorthands: `internet` (its IPv6 address with --ipv6), `<instance>.floating` (the
 * floating IP the instance has now, read from the API: it may have moved since `lab up`).
 */
async function labAddress(client: QuarkClient, lab: string | undefined, name: string, ipv6 = false): Promise<string> {
  if (!lab) return name;
  const l = loadLab(lab);
  if (name === 'internet') return (ipv6 ? l.fabric.internetIp6 : null) ?? l.fabric.internetIp;
  if (!name.endsWith('.floating')) return name;
  const instance = name.slice(0, -'.floating'.length);
  const i = labExtra(l).instances.find((x) => x.name === instance);
  if (!i) throw new QuarkError('InvalidInput', `Invalid input: no instance ${instance} in lab ${lab}.`);
  const { floatingips } = await client.get<{ floatingips: FloatingIp[] }>(`/v2.0/floatingips?port_id=${i.portId}`);
  if (!floatingips[0]) throw new QuarkError('InvalidInput', `Invalid input: ${instance} has no floating IP now.`);
  return floatingips[0].floating_ip_address;
}

/**
 * In a lab, whether the route a verdict assumes outside the cloud exists: the lab's internet
 * host is that outside, and its routing table can be read.
 */
async function labAssumption(lab: string, t: TraceResult): Promise<{ line: string; holds: boolean } | null> {
  const assumed = t.verdict.assumes;
  const l = loadLab(lab);
  if (!assumed || (t.from.ip !== l.fabric.internetIp && t.from.ip !== l.fabric.internetIp6)) return null;
  const via = await internetRoute(l, t.to.ip);
  if (via === assumed.via)
    return { line: `lab: the internet host routes ${t.to.ip} via ${via}: the assumption holds\n`, holds: true };
  const where = via === null ? 'has no route to it' : via === 'direct' ? 'sends it on its own link' : `routes it via ${via}`;
  return {
    line: `lab: the internet host ${where}, not via ${assumed.via}: the real packet never reaches the router (route ${assumed.destination} via ${assumed.via} there, or set routed_from_internet on the router in the scenario)\n`,
    holds: false,
  };
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
    .option('--no-reply', 'do not trace the reply of a packet that arrives')
    .option('--no-evidence', 'hide the flows and rules under each hop')
    .option('-f, --format <format>', 'table (a tree) or json', 'table');
  addConnectOptions(c).action(async (flags: TraceFlags) => {
    const client = connect(flags);
    const q = new URLSearchParams({
      from: await labAddress(client, flags.lab, flags.from, flags.ipv6),
      to: await labAddress(client, flags.lab, flags.to, flags.ipv6),
      protocol: flags.proto,
    });
    if (flags.ipv6) q.set('ip_version', '6');
    if (flags.dport) q.set('port', flags.dport);
    if (flags.probe) q.set('probe', 'true');
    if (!flags.reply) q.set('reply', 'false');
    const { trace } = await client.get<{ trace: TraceResult }>(`/v2.0/quark/trace?${q}`);
    const held = flags.lab ? await labAssumption(flags.lab, trace) : null;
    process.stdout.write(
      flags.format === 'json'
        ? `${JSON.stringify(trace, null, 2)}\n`
        : `${renderTrace(trace, { evidence: flags.evidence })}${held?.line ?? ''}`,
    );
    if (!traceArrived(trace) || held?.holds === false) process.exitCode = 3;
  });
}
