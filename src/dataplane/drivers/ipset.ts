/**
 * ipsets of addresses, changed in place: one `ipset restore` per apply adds and deletes only
 * the members that differ, so a membership change costs O(changed members) and never touches
 * the iptables rules that match the set.
 *
 *   ip netns exec NS ipset restore -exist <<< 'create QIPv4… hash:net family inet
 *   add QIPv4… 10.0.0.5/32'
 */
import type { IpsetItem } from '../compile/plan.js';
import { inNetns, run } from './exec.js';

export interface ObservedSet {
  readonly name: string;
  readonly members: ReadonlySet<string>;
}

/** Parses `ipset save` output, keeping sets whose names start with one of `prefixes`. */
export function parseIpsetSave(text: string, prefixes: readonly string[]): ObservedSet[] {
  const sets = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const [verb, name, member] = line.trim().split(/\s+/);
    if (!name || !prefixes.some((p) => name.startsWith(p))) continue;
    if (verb === 'create') sets.set(name, new Set());
    else if (verb === 'add' && member) sets.get(name)?.add(member);
  }
  return [...sets].map(([name, members]) => ({ name, members }));
}

/** A host address is stored without its /32 or /128. */
function normal(member: string): string {
  return member.replace(/\/(32|128)$/, '');
}

export function ipsetScript(
  desired: readonly IpsetItem[],
  observed: readonly ObservedSet[],
): { create: string; destroy: string } {
  const seen = new Map(observed.map((s) => [s.name, s]));
  const create: string[] = [];
  for (const d of desired) {
    const old = seen.get(d.name);
    if (!old) create.push(`create ${d.name} hash:net family ${d.family === 4 ? 'inet' : 'inet6'}`);
    const want = new Set(d.members.map(normal));
    for (const m of want) if (!old?.members.has(m)) create.push(`add ${d.name} ${m}`);
    for (const m of old?.members ?? []) if (!want.has(m)) create.push(`del ${d.name} ${m}`);
  }
  const wanted = new Set(desired.map((d) => d.name));
  const destroy = observed.filter((s) => !wanted.has(s.name)).map((s) => `destroy ${s.name}`);
  return { create: create.join('\n'), destroy: destroy.join('\n') };
}

export async function observeIpsets(netns: string | null, prefixes: readonly string[]): Promise<ObservedSet[]> {
  const { stdout } = await run(inNetns(netns, ['ipset', 'save']));
  return parseIpsetSave(stdout, prefixes);
}

/** What the host holds after `items` were applied (see iptables.ts observedFrom). */
export function observedSetsFrom(items: readonly IpsetItem[]): ObservedSet[] {
  return items.map((s) => ({ name: s.name, members: new Set(s.members.map(normal)) }));
}

/** Runs one part of an ipsetScript (`ipset restore -exist`); an empty script runs nothing. */
export async function restoreIpsets(netns: string | null, script: string): Promise<void> {
  if (script) await run(inNetns(netns, ['ipset', 'restore', '-exist']), { input: `${script}\n` });
}

/**
 * Creates and fills sets (call before iptables rules that use them), and returns a function
 * that destroys stale sets (call after the rules that used them are gone).
 */
export async function applyIpsets(
  netns: string | null,
  desired: readonly IpsetItem[],
  prefixes: readonly string[],
): Promise<() => Promise<void>> {
  const observed = await observeIpsets(netns, prefixes);
  const { create, destroy } = ipsetScript(desired, observed);
  await restoreIpsets(netns, create);
  return () => restoreIpsets(netns, destroy);
}
