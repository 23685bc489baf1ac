/**
 * Connection tracking entries in one namespace, with the `conntrack` tool: list them, delete
 * those matching a filter. Deleting what is already gone succeeds.
 *
 *   ip netns exec NS conntrack -L -f ipv4 -w 4097
 *   ip netns exec NS conntrack -D -f ipv4 -w 4097 -s 10.0.0.3 -d 10.0.0.5 -p tcp --sport 40022 --dport 22
 *   ip netns exec qrouter-… conntrack -D -f ipv4 -d 203.0.113.20 -r 10.0.0.4
 */
import type { TrackedConnection } from '../compile/firewall/verdict.js';
import { inNetns, run } from './exec.js';

export type ConntrackEntry = TrackedConnection;

/** Entries to list or delete: every given field must match. */
export interface ConntrackFilter {
  readonly family: 4 | 6;
  readonly zone?: number;
  readonly protocol?: number;
  /** Original direction. */
  readonly src?: string;
  readonly dst?: string;
  readonly sport?: number;
  readonly dport?: number;
  /** Reply direction (after NAT: where the connection really goes). */
  readonly replySrc?: string;
  readonly replyDst?: string;
}

/** conntrack knows these by name, and only by name does it accept their port options. */
const NAMES: Readonly<Record<number, string>> = {
  1: 'icmp',
  6: 'tcp',
  17: 'udp',
  33: 'dccp',
  47: 'gre',
  58: 'icmpv6',
  132: 'sctp',
  136: 'udplite',
};

export function filterArgs(f: ConntrackFilter): string[] {
  const args = ['-f', f.family === 4 ? 'ipv4' : 'ipv6'];
  if (f.zone !== undefined) args.push('-w', String(f.zone));
  if (f.src !== undefined) args.push('-s', f.src);
  if (f.dst !== undefined) args.push('-d', f.dst);
  if (f.replySrc !== undefined) args.push('-r', f.replySrc);
  if (f.replyDst !== undefined) args.push('-q', f.replyDst);
  if (f.protocol !== undefined) args.push('-p', NAMES[f.protocol] ?? String(f.protocol));
  if (f.sport !== undefined) args.push('--sport', String(f.sport));
  if (f.dport !== undefined) args.push('--dport', String(f.dport));
  return args;
}

/**
 * Parses `conntrack -L` lines such as
 * `tcp 6 431999 ESTABLISHED src=10.0.0.3 dst=10.0.0.5 sport=40022 dport=22 src=… zone=4097 use=1`:
 * the protocol number is the second field; the first src/dst/ports/type/code are the original
 * direction; no `zone=` means zone 0.
 */
export function parseConntrack(text: string, family: 4 | 6): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const protocol = Number(fields[1]);
    if (fields.length < 4 || !Number.isInteger(protocol)) continue;
    const first = new Map<string, string>();
    for (const f of fields) {
      const eq = f.indexOf('=');
      if (eq > 0 && !first.has(f.slice(0, eq))) first.set(f.slice(0, eq), f.slice(eq + 1));
    }
    const num = (k: string) => (first.has(k) ? Number(first.get(k)) : null);
    const src = first.get('src');
    const dst = first.get('dst');
    if (!src || !dst) continue;
    out.push({
      zone: num('zone') ?? 0,
      family,
      protocol,
      src,
      dst,
      sport: num('sport'),
      dport: num('dport'),
      icmpType: num('type'),
      icmpCode: num('code'),
    });
  }
  return out;
}

export async function listEntries(netns: string | null, filter: ConntrackFilter): Promise<ConntrackEntry[]> {
  const { stdout } = await run(inNetns(netns, ['conntrack', '-L', ...filterArgs(filter)]), { timeoutMs: 60_000 });
  return parseConntrack(stdout, filter.family);
}

/** Deletes the matching entries; returns how many there were. */
export async function deleteEntries(netns: string | null, filter: ConntrackFilter): Promise<number> {
  // Status 1: nothing matched (already gone).
  const { stderr } = await run(inNetns(netns, ['conntrack', '-D', ...filterArgs(filter)]), { okStatuses: [1] });
  return Number(/(\d+) flow entries have been deleted/.exec(stderr)?.[1] ?? 0);
}
