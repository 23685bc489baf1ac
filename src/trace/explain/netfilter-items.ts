/**
 * Explain's iptables and ipset section: every rule of every chain the agent owns (`quark-`), in
 * the host's own tables (the firewall) and in each router namespace (NAT), with its counters,
 * tied to the port, security group (and rule), router or floating IP it exists for, in plain
 * words, and compared with the plan rule by rule: a planned rule the chain lacks is missing, a
 * rule the plan does not have is extra, an owned chain the plan no longer has is stale. The
 * jumps from built-in chains and the members of the remote-group ipsets are compared too.
 */
import { groupRulesChain, namespaceOwner } from '../../model/names.js';
import type { HostItem, ItemStatus } from '../../model/explain.js';
import type { ObjectRef } from '../../model/trace.js';
import type { IptablesChainItem } from '../../dataplane/compile/plan.js';
import { describeRule } from '../describe-rule.js';
import type { ExplainView } from '../host-view.js';
import type { SavedChain, SavedRule, SavedTables } from '../iptables-save.js';

const OWNED = 'quark-';

/** The security groups behind each group-rules chain (a chain may serve a set of groups). */
function groupChains(view: ExplainView): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of view.plan.firewallPorts) {
    if (p.groups.length === 0) continue;
    for (const d of ['i', 'o'] as const) out.set(groupRulesChain(d, p.groups), [...p.groups]);
  }
  return out;
}

function chainOwners(view: ExplainView, chain: string, planned: IptablesChainItem | undefined): ObjectRef[] {
  const groups = groupChains(view).get(chain);
  if (groups) return groups.map((id) => ({ kind: 'security_group', id }));
  const o = planned?.origin;
  if (!o) return [];
  return [o.kind === 'host' ? { kind: 'host', id: view.host } : { kind: o.kind, id: o.id }];
}

/** Rule text → how many times the plan wants it (a chain may repeat a rule). */
function counts(rules: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rules) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

function dedupe(refs: readonly ObjectRef[]): ObjectRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.kind}:${r.id}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function tableItems(view: ExplainView, netns: string | null, family: 4 | 6, tables: SavedTables): HostItem[] {
  const out: HostItem[] = [];
  const where = `${netns ? `netns ${netns} ` : ''}${family === 4 ? 'iptables' : 'ip6tables'}`;
  const planned = view.plan.iptables.filter((c) => c.netns === netns && c.family === family);
  const chainKey = (table: string, chain: string) => `${table} ${chain}`;
  const plannedBy = new Map(planned.map((c) => [chainKey(c.table, c.chain), c]));
  const seen = new Set<string>();
  for (const [table, chains] of tables) {
    for (const chain of chains.values()) {
      if (chain.name.startsWith(OWNED)) {
        seen.add(chainKey(table, chain.name));
        out.push(...chainItems(view, where, table, chain, plannedBy.get(chainKey(table, chain.name))));
      } else {
        out.push(...hookItems(view, where, table, chain, planned));
      }
    }
  }
  for (const c of planned) {
    if (seen.has(chainKey(c.table, c.chain))) continue;
    const owners = chainOwners(view, c.chain, c);
    for (const rule of c.rules) {
      out.push(ruleItem(view, `${where} ${c.table}`, c.chain, rule, 'missing', owners, { note: 'its chain is missing' }));
    }
  }
  return out;
}

/** One rule of an owned chain, tied to the chain's owners and the objects the rule names. */
function ruleItem(
  view: ExplainView,
  where: string,
  chain: string,
  rule: string,
  status: ItemStatus,
  owners: readonly ObjectRef[],
  extra: { note?: string; saved?: SavedRule } = {},
): HostItem {
  const w = describeRule(view.labels, rule);
  return {
    section: 'iptables',
    where,
    text: `-A ${chain} ${rule}`,
    says: extra.note ? `${w.says} (${extra.note})` : w.says,
    owners: dedupe([...owners, ...w.refs]),
    status,
    ...(extra.saved ? { packets: extra.saved.packets, bytes: extra.saved.bytes } : {}),
  };
}

function chainItems(
  view: ExplainView,
  where: string,
  table: string,
  chain: SavedChain,
  planned: IptablesChainItem | undefined,
): HostItem[] {
  const owners = chainOwners(view, chain.name, planned);
  const wanted = counts(planned?.rules ?? []);
  const out: HostItem[] = [];
  for (const r of chain.rules) {
    const left = wanted.get(r.text) ?? 0;
    const status: ItemStatus = !planned ? 'stale' : left > 0 ? 'ok' : 'extra';
    if (left > 0) wanted.set(r.text, left - 1);
    const note = status === 'stale' ? 'a chain the plan no longer has' : undefined;
    out.push(ruleItem(view, `${where} ${table}`, chain.name, r.text, status, owners, { note, saved: r }));
  }
  for (const [text, n] of wanted) {
    for (let i = 0; i < n; i++) out.push(ruleItem(view, `${where} ${table}`, chain.name, text, 'missing', owners));
  }
  return out;
}

/** The jumps from a built-in chain to owned chains, against the plan's hooks. */
function hookItems(
  view: ExplainView,
  where: string,
  table: string,
  chain: SavedChain,
  planned: readonly IptablesChainItem[],
): HostItem[] {
  const wanted = planned.filter((c) => c.table === table && c.hooks.includes(chain.name));
  const out: HostItem[] = [];
  const found = new Set<string>();
  for (const r of chain.rules) {
    const target = /^-j (quark-\S+)$/.exec(r.text)?.[1];
    if (!target) continue;
    found.add(target);
    const p = wanted.find((c) => c.chain === target);
    out.push({
      section: 'iptables',
      where: `${where} ${table}`,
      text: `-A ${chain.name} ${r.text}`,
      says: `${chain.name} hands every packet to ${target} first`,
      owners: chainOwners(view, target, p),
      status: p ? 'ok' : 'extra',
      packets: r.packets,
      bytes: r.bytes,
    });
  }
  for (const c of wanted) {
    if (found.has(c.chain)) continue;
    out.push({
      section: 'iptables',
      where: `${where} ${table}`,
      text: `-A ${chain.name} -j ${c.chain}`,
      says: `${chain.name} should hand every packet to ${c.chain}`,
      owners: chainOwners(view, c.chain, c),
      status: 'missing',
    });
  }
  return out;
}

/** The firewall's chains (host tables, both families) and the routers' NAT chains. */
export async function iptablesItems(view: ExplainView): Promise<HostItem[]> {
  const out: HostItem[] = [];
  const hostFamilies = [...new Set(view.plan.iptables.filter((c) => c.netns === null).map((c) => c.family))];
  for (const f of hostFamilies.length > 0 ? hostFamilies : ([4] as const))
    out.push(...tableItems(view, null, f, await view.iptables(null, f)));
  for (const ns of view.plan.namespaces.filter((n) => namespaceOwner(n.name)?.kind === 'router')) {
    const tables = await view.iptables(ns.name, 4).catch(() => null);
    if (tables) out.push(...tableItems(view, ns.name, 4, tables));
  }
  return out;
}

/** Remote-group ipsets and their members, each member tied to the ports that hold the address. */
export async function ipsetItems(view: ExplainView): Promise<HostItem[]> {
  const planned = view.plan.ipsets.filter((s) => s.netns === null);
  if (planned.length === 0) return [];
  const observed = await view.ipsets(null);
  const out: HostItem[] = [];
  // Members of the group holding the address (tenants may reuse addresses: only the group's own count).
  const holders = (groupId: string, ip: string): ObjectRef[] =>
    [...view.labels.replica.ports.values()]
      .filter((p) => p.security_groups.includes(groupId))
      .filter((p) => p.fixed_ips.some((f) => f.ip_address === ip) || p.allowed_address_pairs.some((a) => a.ip_address === ip))
      .map((p) => ({ kind: 'port', id: p.id }));
  for (const s of planned) {
    const group: ObjectRef = { kind: 'security_group', id: s.origin.id };
    const have = observed.get(s.name);
    out.push({
      section: 'ipset',
      where: 'ipset',
      text: `create ${s.name} hash:net family ${s.family === 4 ? 'inet' : 'inet6'}`,
      says: `addresses of the members of ${view.labels.label(group)} (for rules that name it as remote group)`,
      owners: [group],
      status: have ? 'ok' : 'missing',
    });
    const members = new Set(have ?? []);
    for (const m of s.members) {
      out.push({
        section: 'ipset',
        where: 'ipset',
        text: `add ${s.name} ${m}`,
        says: `${m} is a member of ${view.labels.label(group)}`,
        owners: [group, ...holders(s.origin.id, m)],
        status: members.has(m) ? 'ok' : 'missing',
      });
      members.delete(m);
    }
    for (const m of members) {
      out.push({
        section: 'ipset',
        where: 'ipset',
        text: `add ${s.name} ${m}`,
        says: `${m} is in the set but not a member of ${view.labels.label(group)}`,
        owners: [group, ...holders(s.origin.id, m)],
        status: 'extra',
      });
    }
  }
  return out;
}
