/**
 * The packet and byte counters of chosen chains in one namespace, summed over each chain's rules
 * (a metering label's counter chain has one rule matching everything):
 *
 *   ip netns exec qrouter-… iptables-save -c -t filter
 *   [1520:1583726] -A quark-meter-l-081f8b51-0bd4-
 *
 * Read only: the counters are never zeroed, so explain shows them whole and no packet is lost
 * between a read and a reset (the metering reporter keeps what it already sent).
 */
import { inNetns, run } from './exec.js';

export interface ChainCounters {
  readonly packets: number;
  readonly bytes: number;
}

/** Counters of the `chains` in `iptables-save -c` output; a chain that has no rules is left out. */
export function parseChainCounters(text: string, chains: ReadonlySet<string>): Map<string, ChainCounters> {
  const out = new Map<string, ChainCounters>();
  for (const line of text.split('\n')) {
    const m = /^\[(\d+):(\d+)\] -A (\S+)/.exec(line);
    if (!m || !chains.has(m[3]!)) continue;
    const before = out.get(m[3]!) ?? { packets: 0, bytes: 0 };
    out.set(m[3]!, { packets: before.packets + Number(m[1]), bytes: before.bytes + Number(m[2]) });
  }
  return out;
}

export async function readChainCounters(
  netns: string,
  family: 4 | 6,
  table: string,
  chains: ReadonlySet<string>,
): Promise<Map<string, ChainCounters>> {
  const { stdout } = await run(inNetns(netns, [family === 4 ? 'iptables-save' : 'ip6tables-save', '-c', '-t', table]));
  return parseChainCounters(stdout, chains);
}
