/**
 * OpenFlow flows of one bridge through ovs-ofctl. The whole desired table set is applied with
 * one atomic bundle, so a bridge never passes through a state where a table is empty:
 *
 *   ovs-ofctl -O OpenFlow14 --bundle replace-flows br-tun flows.txt
 *
 * ovs-ofctl computes the difference itself and sends only the changed flows.
 */
import { formatCookie } from '../compile/cookies.js';
import type { FlowItem } from '../compile/plan.js';
import { run } from './exec.js';

export interface OvsEnvironment {
  /** OVS run directory with db.sock and the bridges' .mgmt sockets; null for the default. */
  readonly rundir: string | null;
}

function env(ovs: OvsEnvironment): Record<string, string> | undefined {
  return ovs.rundir ? { OVS_RUNDIR: ovs.rundir } : undefined;
}

/** One flow as an ovs-ofctl flow line. */
export function flowLine(f: FlowItem): string {
  const match = f.match ? `,${f.match}` : '';
  return `cookie=${formatCookie(f.cookie)},table=${f.table},priority=${f.priority}${match},actions=${f.actions}`;
}

/** Replaces every flow of `bridge` with `flows`, atomically. */
export async function replaceFlows(ovs: OvsEnvironment, bridge: string, flows: readonly FlowItem[]): Promise<void> {
  const text = `${flows.map(flowLine).join('\n')}\n`;
  await run(['ovs-ofctl', '-O', 'OpenFlow14', '--bundle', 'replace-flows', bridge, '-'], { input: text, env: env(ovs) });
}

export interface DumpedFlow {
  readonly cookie: bigint;
  readonly table: number;
  readonly priority: number;
  readonly packets: number;
  readonly bytes: number;
  /** The rest of the line: match and actions, as ovs-ofctl prints them. */
  readonly text: string;
}

/** `ovs-ofctl dump-flows BRIDGE`: the flows with their counters. */
export async function dumpFlows(ovs: OvsEnvironment, bridge: string): Promise<DumpedFlow[]> {
  const { stdout } = await run(['ovs-ofctl', '-O', 'OpenFlow14', '--names', 'dump-flows', bridge], { env: env(ovs) });
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('cookie='))
    .map(parseFlowLine);
}

function field(line: string, name: string): string | undefined {
  return new RegExp(`(?:^|[ ,])${name}=([^ ,]+)`).exec(line)?.[1];
}

export function parseFlowLine(line: string): DumpedFlow {
  const priority = field(line, 'priority');
  return {
    cookie: BigInt(field(line, 'cookie') ?? '0'),
    table: Number(field(line, 'table') ?? 0),
    priority: priority === undefined ? 32768 : Number(priority),
    packets: Number(field(line, 'n_packets') ?? 0),
    bytes: Number(field(line, 'n_bytes') ?? 0),
    text: line,
  };
}
