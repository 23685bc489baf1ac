/**
 * iptables chains and ipsets of a plan as `iptables-save` and `ipset save` print them, so
 * golden files and `quark agent show` read like the host: per table the owned chains, the jumps
 * from built-in chains, then each chain's rules (built-in chains first, then chains by name).
 */
import type { IpsetItem, IptablesChainItem, IptablesTable } from './plan.js';

const TABLE_ORDER: readonly IptablesTable[] = ['filter', 'mangle', 'nat', 'raw'];
/** Built-in chains in the order iptables-save lists their rules. */
const BUILTIN_ORDER = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

export function renderIptablesSave(chains: readonly IptablesChainItem[]): string[] {
  const lines: string[] = [];
  for (const table of TABLE_ORDER) {
    const owned = chains.filter((c) => c.table === table).sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
    if (owned.length === 0) continue;
    lines.push(`*${table}`);
    for (const c of owned) lines.push(`:${c.chain} - [0:0]`);
    const hooks = owned.flatMap((c) => c.hooks.map((h) => ({ builtin: h, chain: c.chain })));
    hooks.sort((a, b) => BUILTIN_ORDER.indexOf(a.builtin) - BUILTIN_ORDER.indexOf(b.builtin));
    for (const h of hooks) lines.push(`-A ${h.builtin} -j ${h.chain}`);
    // A rule without matches or target (a metering label's counter) prints as `-A <chain>`.
    for (const c of owned) for (const r of c.rules) lines.push(`-A ${c.chain} ${r}`.trimEnd());
    lines.push('COMMIT');
  }
  return lines;
}

/** Each family's owned chains in one namespace (null: the host's own tables), indented. */
export function renderIptables(chains: readonly IptablesChainItem[], netns: string | null, indent: string): string[] {
  const lines: string[] = [];
  for (const family of [4, 6] as const) {
    const own = chains.filter((c) => c.netns === netns && c.family === family);
    if (own.length === 0) continue;
    lines.push(`${indent}${family === 4 ? 'iptables-save' : 'ip6tables-save'}:`);
    for (const l of renderIptablesSave(own)) lines.push(`${indent}  ${l}`);
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
