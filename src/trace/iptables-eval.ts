/**
 * Runs a packet through one built-in chain of one table, as netfilter would: rules in order,
 * jumps (`-j chain`) and gotos (`-g chain`, whose RETURN goes back to the caller's caller),
 * RETURN, the built-in policy, terminating targets (ACCEPT, DROP, REJECT, DNAT, SNAT,
 * MASQUERADE, REDIRECT) and the ones that only change the packet's state (MARK, CT, LOG).
 *
 * The result names every rule that matched, in order, and the one that decided; a rule the
 * matcher cannot read is skipped and reported, so callers can say the verdict is uncertain.
 */
import type { SavedChain, SavedRule, SavedTables } from './iptables-save.js';
import { type NetfilterPacket, type SetLookup, matchRule } from './iptables-match.js';

export interface RuleHit {
  readonly table: string;
  readonly chain: string;
  /** 1-based, as `iptables -L --line-numbers` counts. */
  readonly index: number;
  readonly rule: SavedRule;
  readonly target: string;
}

export interface ChainVerdict {
  /** ACCEPT, DROP or REJECT; NAT targets accept. */
  readonly verdict: 'ACCEPT' | 'DROP' | 'REJECT';
  /** Every rule that matched, in the order the packet met them. */
  readonly hits: readonly RuleHit[];
  /** The rule that decided; null when the built-in chain's policy did (or the table has no such chain). */
  readonly decidedBy: RuleHit | null;
  /** What a NAT target did: `to` is the address (DNAT, SNAT) or, for REDIRECT, the local port. */
  readonly nat: { readonly kind: 'SNAT' | 'DNAT' | 'MASQUERADE' | 'REDIRECT'; readonly to: string } | null;
  /** The mark after the chain (MARK targets). */
  readonly mark: number;
  /** Rules skipped because the matcher could not read them. */
  readonly unreadable: readonly string[];
}

function target(args: readonly string[]): { kind: 'jump' | 'goto' | 'none'; name: string; options: Map<string, string> } {
  const t = args.findIndex((a) => a === '-j' || a === '--jump' || a === '-g' || a === '--goto');
  if (t < 0) return { kind: 'none', name: '', options: new Map() };
  const options = new Map<string, string>();
  for (let i = t + 2; i < args.length; i++) {
    if (args[i]!.startsWith('--')) options.set(args[i]!, args[i + 1] ?? '');
  }
  return { kind: args[t] === '-g' || args[t] === '--goto' ? 'goto' : 'jump', name: args[t + 1] ?? '', options };
}

function setXmark(mark: number, spec: string): number {
  const [v, m] = spec.split('/');
  const mask = m === undefined ? 0xffffffff : Number(m);
  return ((mark & ~mask) ^ Number(v)) >>> 0;
}

const MAX_STEPS = 100_000;

export function evaluateChain(
  tables: SavedTables,
  table: string,
  builtin: string,
  packet: NetfilterPacket,
  sets: SetLookup,
): ChainVerdict {
  const chains = tables.get(table) ?? new Map<string, SavedChain>();
  const hits: RuleHit[] = [];
  const unreadable: string[] = [];
  let mark = packet.mark;
  const done = (verdict: ChainVerdict['verdict'], decidedBy: RuleHit | null, nat: ChainVerdict['nat'] = null): ChainVerdict => ({
    verdict,
    hits,
    decidedBy,
    nat,
    mark,
    unreadable,
  });
  const policy = () => done(chains.get(builtin)?.policy === 'DROP' ? 'DROP' : 'ACCEPT', null);
  const stack: { chain: string; next: number }[] = [{ chain: builtin, next: 0 }];
  for (let steps = 0; stack.length > 0 && steps < MAX_STEPS; steps++) {
    const frame = stack[stack.length - 1]!;
    const rules = chains.get(frame.chain)?.rules ?? [];
    if (frame.next >= rules.length) {
      stack.pop();
      continue;
    }
    const rule = rules[frame.next++]!;
    const m = matchRule(rule.args, { ...packet, mark }, sets);
    if ('unknown' in m) {
      unreadable.push(`${frame.chain} #${frame.next}: ${m.unknown} (${rule.text})`);
      continue;
    }
    if (!m.matched) continue;
    const t = target(rule.args);
    const hit: RuleHit = { table, chain: frame.chain, index: frame.next, rule, target: t.name };
    hits.push(hit);
    switch (t.name) {
      case 'ACCEPT':
      case 'DROP':
      case 'REJECT':
        return done(t.name, hit);
      case 'RETURN':
        stack.pop();
        continue;
      case 'DNAT':
        return done('ACCEPT', hit, { kind: 'DNAT', to: t.options.get('--to-destination') ?? '' });
      case 'SNAT':
        return done('ACCEPT', hit, { kind: 'SNAT', to: t.options.get('--to-source') ?? '' });
      case 'MASQUERADE':
        return done('ACCEPT', hit, { kind: 'MASQUERADE', to: '' });
      case 'REDIRECT':
        return done('ACCEPT', hit, { kind: 'REDIRECT', to: t.options.get('--to-ports') ?? '' });
      case 'MARK':
        mark = setXmark(mark, t.options.get('--set-xmark') ?? t.options.get('--set-mark') ?? '0');
        continue;
      case 'CT':
      case 'LOG':
      case 'NFLOG':
      case 'NOTRACK':
      case '':
        continue;
    }
    if (!chains.has(t.name)) {
      unreadable.push(`${frame.chain} #${frame.next}: target ${t.name}`);
      continue;
    }
    if (t.kind === 'goto') stack.pop();
    stack.push({ chain: t.name, next: 0 });
  }
  return policy();
}
