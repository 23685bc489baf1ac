/**
 * iptables in one namespace: the agent owns chains whose names start with its prefixes and
 * replaces them atomically, one `iptables-restore --noflush` per family per apply:
 *
 *   ip netns exec qrouter-… iptables-restore --noflush <<EOF
 *   *nat
 *   :quark-l3-snat - [0:0]
 *   -A quark-l3-snat -o qg-3c9b4a1e-2f -j SNAT --to-source 203.0.113.10
 *   COMMIT
 *   EOF
 *
 * `:chain - [0:0]` creates or flushes a chain, so each owned chain is rewritten whole; chains
 * whose rules did not change are left out. Built-in chains keep their other rules: the agent
 * only inserts one jump per hook and removes jumps to chains it deletes.
 */
import type { IptablesChainItem, IptablesTable } from '../compile/plan.js';
import { inNetns, run } from './exec.js';

export interface ObservedChain {
  readonly table: IptablesTable;
  readonly chain: string;
  readonly rules: readonly string[];
}

export interface ObservedTables {
  /** Chains owned by the agent (by prefix), with their rules. */
  readonly chains: readonly ObservedChain[];
  /** Jumps from built-in chains to owned chains: `table builtin target`. */
  readonly hooks: ReadonlySet<string>;
}

const BUILTIN = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING']);
const bin = (family: 4 | 6, tool: 'save' | 'restore') => (family === 4 ? `iptables-${tool}` : `ip6tables-${tool}`);

/** Parses iptables-save output, keeping chains that start with one of `prefixes`. */
export function parseSave(text: string, prefixes: readonly string[]): ObservedTables {
  const owned = (c: string) => prefixes.some((p) => c.startsWith(p));
  const chains = new Map<string, { table: IptablesTable; chain: string; rules: string[] }>();
  const hooks = new Set<string>();
  let table: IptablesTable = 'filter';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim() as IptablesTable;
    else if (line.startsWith(':')) {
      const chain = line.slice(1).split(' ')[0]!;
      if (owned(chain)) chains.set(`${table} ${chain}`, { table, chain, rules: [] });
    } else if (line.startsWith('-A ')) {
      const rest = line.slice(3);
      const chain = rest.split(' ')[0]!;
      const rule = rest.slice(chain.length + 1);
      const entry = chains.get(`${table} ${chain}`);
      if (entry) entry.rules.push(rule);
      else if (BUILTIN.has(chain)) {
        const m = /^-j (\S+)$/.exec(rule);
        if (m && owned(m[1]!)) hooks.add(`${table} ${chain} ${m[1]}`);
      }
    }
  }
  return { chains: [...chains.values()], hooks };
}

/** `iptables-save` in a namespace (null: the current one). */
export async function observeIptables(netns: string | null, family: 4 | 6, prefixes: readonly string[]): Promise<ObservedTables> {
  const { stdout } = await run(inNetns(netns, [bin(family, 'save')]));
  return parseSave(stdout, prefixes);
}

/** Everything `iptables-save -c` prints in a namespace: all tables, with counters (explain and trace read it). */
export async function saveWithCounters(netns: string | null, family: 4 | 6 = 4): Promise<string> {
  const { stdout } = await run(inNetns(netns, [bin(family, 'save'), '-c']));
  return stdout;
}

/**
 * The edit that turns a chain's rules `from` into `to` in place, or null when rewriting the
 * chain is no longer: the rules the two share at the start and at the end stay, the middle
 * keeps its longest common subsequence; the others are deleted by their text (`-D chain RULE`,
 * which removes the first rule so written wherever it is), from the last, then the new ones
 * inserted at their final positions, in order (everything before each is then in place). So
 * adding or removing a port touches its own few rules, not the hundreds of rules of the other
 * ports in the same chains: with 100 ports, rewriting the FORWARD, sg-chain, INPUT and zone
 * chains took `iptables-restore` 130-450 ms on the loaded 2-core machine (BENCHMARKS.md,
 * Wiring). Positions come from what the caller says the chain holds; a full resync reads the
 * host, so a chain changed by hand is put right there.
 */
export function chainEdit(chain: string, from: readonly string[], to: readonly string[]): string[] | null {
  let head = 0;
  while (head < from.length && head < to.length && from[head] === to[head]) head++;
  let tail = 0;
  while (tail < from.length - head && tail < to.length - head && from[from.length - 1 - tail] === to[to.length - 1 - tail])
    tail++;
  const a = from.slice(head, from.length - tail);
  const b = to.slice(head, to.length - tail);
  // A rewrite is `:chain` and one line per rule; past these sizes the edit cannot be shorter.
  if (a.length * b.length > 250_000 || Math.abs(a.length - b.length) >= to.length + 1) return null;
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const keptA = new Set<number>();
  const keptB = new Set<number>();
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      keptA.add(i++);
      keptB.add(j++);
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) i++;
    else j++;
  }
  const out: string[] = [];
  const deleted = a.filter((_, i) => !keptA.has(i));
  // `-D` by text takes the first such rule: only safe where the text is there once.
  if (deleted.some((r) => from.indexOf(r) !== from.lastIndexOf(r))) return null;
  for (let i = a.length - 1; i >= 0; i--) if (!keptA.has(i)) out.push(`-D ${chain} ${a[i]}`);
  for (let j = 0; j < b.length; j++) if (!keptB.has(j)) out.push(`-I ${chain} ${head + j + 1} ${b[j]}`);
  return out.length < to.length + 1 ? out : null;
}

/**
 * The iptables-restore input that turns `observed` into `desired`, or null when they already
 * agree. Desired chains with unchanged rules are not touched; a chain that changed a little is
 * edited in place (chainEdit), one that changed a lot is rewritten.
 */
export function restoreScript(desired: readonly IptablesChainItem[], observed: ObservedTables): string | null {
  const byTable = new Map<IptablesTable, string[]>();
  const emit = (t: IptablesTable, line: string) => {
    const lines = byTable.get(t) ?? [];
    lines.push(line);
    byTable.set(t, lines);
  };
  const seen = new Map(observed.chains.map((c) => [`${c.table} ${c.chain}`, c]));
  const wanted = new Set(desired.map((d) => `${d.table} ${d.chain}`));
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((r, i) => r === b[i]);
  const edits = new Map<IptablesChainItem, string[] | null>();
  for (const d of desired) {
    const old = seen.get(`${d.table} ${d.chain}`);
    if (old && same(old.rules, d.rules)) continue;
    edits.set(d, old ? chainEdit(d.chain, old.rules, d.rules) : null);
  }
  // Declare (and so flush) every chain rewritten first, so rules may jump to chains defined later.
  for (const [d, edit] of edits) if (edit === null) emit(d.table, `:${d.chain} - [0:0]`);
  for (const [d, edit] of edits) {
    if (edit === null) for (const r of d.rules) emit(d.table, `-A ${d.chain} ${r}`.trimEnd());
    else for (const line of edit) emit(d.table, line.trimEnd());
  }
  for (const d of desired) {
    for (const builtin of d.hooks) {
      if (!observed.hooks.has(`${d.table} ${builtin} ${d.chain}`)) emit(d.table, `-I ${builtin} 1 -j ${d.chain}`);
    }
  }
  const wantedHooks = new Set(desired.flatMap((d) => d.hooks.map((h) => `${d.table} ${h} ${d.chain}`)));
  for (const h of observed.hooks) {
    if (wantedHooks.has(h)) continue;
    const [t, builtin, target] = h.split(' ') as [IptablesTable, string, string];
    emit(t, `-D ${builtin} -j ${target}`);
  }
  // Stale chains: flush all first (they may jump to each other), then delete.
  const stale = observed.chains.filter((c) => !wanted.has(`${c.table} ${c.chain}`));
  for (const c of stale) emit(c.table, `:${c.chain} - [0:0]`);
  for (const c of stale) emit(c.table, `-X ${c.chain}`);
  if (byTable.size === 0) return null;
  return `${[...byTable].map(([t, lines]) => `*${t}\n${lines.join('\n')}\nCOMMIT`).join('\n')}\n`;
}

/**
 * What the host holds after `items` were applied: lets a caller that applied them skip
 * iptables-save on its next pass (a full resync observes again).
 */
export function observedFrom(items: readonly IptablesChainItem[]): ObservedTables {
  return {
    chains: items.map((c) => ({ table: c.table, chain: c.chain, rules: c.rules })),
    hooks: new Set(items.flatMap((c) => c.hooks.map((h) => `${c.table} ${h} ${c.chain}`))),
  };
}

/**
 * Applies the difference for one family in one namespace; returns whether anything changed.
 * `known`: what the caller knows the host holds, instead of reading iptables-save.
 */
export async function applyIptables(
  netns: string | null,
  family: 4 | 6,
  desired: readonly IptablesChainItem[],
  prefixes: readonly string[],
  known?: ObservedTables,
): Promise<boolean> {
  const observed = known ?? (await observeIptables(netns, family, prefixes));
  const script = restoreScript(desired, observed);
  if (script === null) return false;
  await run(inNetns(netns, [bin(family, 'restore'), '--noflush']), { input: script });
  return true;
}
