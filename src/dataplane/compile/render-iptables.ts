/**
 * iptables chains and ipsets of a plan as `iptables-save` and `ipset save` print them, one
 * block per namespace and family, so golden files and `quark agent show` read like the host.
 * Hooks appear as the jump the agent inserts at the top of the built-in chain.
 */
import type { IpsetItem, IptablesChainItem } from './plan.js';

const TABLE_ORDER = ['raw', 'mangle', 'nat', 'filter'];

export function renderIptables(chains: readonly IptablesChainItem[]): string[] {
  const lines: string[] = [];
  const groups = new Map<string, IptablesChainItem[]>();
  for (const c of chains) {
    const key = `${c.netns ?? ''}\u0000${c.family}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const [key, items] of groups) {
    const [netns, family] = key.split('\u0000');
    lines.push(`# ${family === '4' ? 'iptables-save' : 'ip6tables-save'}${netns ? ` (netns ${netns})` : ''}`);
    for (const table of TABLE_ORDER) {
      const inTable = items.filter((c) => c.table === table);
      if (inTable.length === 0) continue;
      lines.push(`*${table}`);
      for (const c of [...inTable].sort((a, b) => (a.chain < b.chain ? -1 : 1))) lines.push(`:${c.chain} - [0:0]`);
      for (const c of inTable) for (const h of c.hooks) lines.push(`-A ${h} -j ${c.chain}`);
      for (const c of inTable) for (const r of c.rules) lines.push(`-A ${c.chain} ${r}`);
      lines.push('COMMIT');
    }
  }
  return lines;
}

export function renderIpsets(sets: readonly IpsetItem[]): string[] {
  const lines: string[] = [];
  for (const s of sets) {
    lines.push(`create ${s.name} hash:net family ${s.family === 4 ? 'inet' : 'inet6'}${s.netns ? `  # netns ${s.netns}` : ''}`);
    for (const m of s.members) lines.push(`add ${s.name} ${m}`);
  }
  return lines;
}
