/**
 * Reads `iptables-save -c` whole (every table and chain, built-in policies, rules with their
 * packet and byte counters), for the evaluator and for explain. The agent's own driver reads
 * only the chains it owns; here the host's other rules matter too, since they see the packet.
 *
 *   *filter
 *   :FORWARD ACCEPT [0:0]
 *   :quark-fw-sg-chain - [0:0]
 *   [88:10344] -A FORWARD -j quark-fw-FORWARD
 */

export interface SavedRule {
  readonly chain: string;
  /** The rule after `-A <chain> `, exactly as iptables-save prints it. */
  readonly text: string;
  readonly args: readonly string[];
  readonly packets: number;
  readonly bytes: number;
}

export interface SavedChain {
  readonly name: string;
  /** ACCEPT or DROP for built-in chains; null for user chains. */
  readonly policy: string | null;
  readonly rules: SavedRule[];
}

export type SavedTables = ReadonlyMap<string, ReadonlyMap<string, SavedChain>>;

/** Splits a rule into arguments the way a shell would: double quotes group, backslash escapes. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      has = true;
    } else if (c === '"') {
      quoted = !quoted;
      has = true;
    } else if (!quoted && /\s/.test(c)) {
      if (has) out.push(current);
      current = '';
      has = false;
    } else {
      current += c;
      has = true;
    }
  }
  if (has) out.push(current);
  return out;
}

export function parseIptablesSave(text: string): Map<string, Map<string, SavedChain>> {
  const tables = new Map<string, Map<string, SavedChain>>();
  let table: Map<string, SavedChain> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      table = new Map();
      tables.set(line.slice(1), table);
      continue;
    }
    if (!table) continue;
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/) as [string, string | undefined];
      table.set(name, { name, policy: policy && policy !== '-' ? policy : null, rules: [] });
      continue;
    }
    const m = /^(?:\[(\d+):(\d+)\]\s+)?-A\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const chain = m[3]!;
    const entry = table.get(chain) ?? { name: chain, policy: null, rules: [] };
    table.set(chain, entry);
    entry.rules.push({ chain, text: m[4]!, args: splitArgs(m[4]!), packets: Number(m[1] ?? 0), bytes: Number(m[2] ?? 0) });
  }
  return tables;
}
