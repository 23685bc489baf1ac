/**
 * `quark trace` and `quark explain` in the terminal: a trace as a tree of hops, host by host,
 * each with the flows, rules and routes that decided it and their counters, ending in the
 * verdict; an explanation as each host's items by section, status first, each with its
 * operator syntax and what it does in plain words. Pure: the CLI prints what this returns.
 */
import type { Explanation, HostItem, ItemSection } from '../model/explain.js';
import { VXLAN_DEVICE_PREFIX } from '../model/names.js';
import type { Evidence, TraceHop, TraceResult, Verdict } from '../model/trace.js';

export interface RenderOptions {
  /** Show the evidence under each hop (flows, rules, routes). */
  readonly evidence: boolean;
}

function counters(e: { packets?: number; bytes?: number }): string {
  return e.packets === undefined ? '' : `  [${e.packets} pkts, ${e.bytes ?? 0} bytes]`;
}

/** Evidence in the host's own syntax: a flow as ofproto/trace names it, a rule as iptables-save prints it, the route and neighbour lookups. */
export function evidenceText(e: Evidence): string {
  switch (e.kind) {
    case 'flow': {
      const match = e.match === null ? ' (no flow matched)' : e.match ? ` ${e.match}` : '';
      const cookie = e.cookie === null ? '' : ` cookie=${e.cookie}`;
      return `${e.tableName} priority=${e.priority ?? '-'}${match} actions=${e.actions.join(',')}${cookie}`;
    }
    case 'rule':
      return `${e.netns ? `[${e.netns}] ` : ''}${e.table === 'filter' ? '' : `-t ${e.table} `}-A ${e.chain} ${e.rule}`;
    case 'route': {
      const lookup = `ip route get ${e.dst} from ${e.src} iif ${e.iif}`;
      if (e.type === 'local' && !e.error) return `${lookup}: local`;
      if (e.type === 'unicast' && !e.error) return `${lookup}: ${e.gateway ? `via ${e.gateway} ` : ''}dev ${e.dev}`;
      return lookup;
    }
    case 'neighbour':
      return `neighbour ${e.ip} dev ${e.dev}`;
    case 'fdb':
      return `bridge fdb ${e.table.startsWith(VXLAN_DEVICE_PREFIX) ? 'dev' : 'br'} ${e.table} ${e.mac}: ${e.entries.join('; ') || 'no entry'}`;
  }
}

/** What the evidence means; a security group rule the packet did not match says so. */
export function evidenceWords(e: Evidence): string {
  return e.kind === 'rule' && !e.matched ? `${e.says} — does not match` : e.says;
}

function evidenceLines(e: Evidence, indent: string): string[] {
  const c = 'counters' in e && e.counters ? counters(e.counters) : '';
  return [`${indent}${evidenceText(e)}${c}`, `${indent}    ↳ ${evidenceWords(e)}`];
}

const VERDICT_WORD: Readonly<Record<TraceResult['verdict']['result'], string>> = {
  delivered: 'DELIVERED',
  left: 'LEFT THE CLOUD',
  dropped: 'DROPPED',
  unreachable: 'UNREACHABLE',
  misdelivered: 'NOT DELIVERED',
  incomplete: 'INCOMPLETE',
};

function hopLines(hops: readonly TraceHop[], options: RenderOptions, last: boolean): string[] {
  const lines: string[] = [];
  hops.forEach((h, i) => {
    const end = last && i === hops.length - 1;
    const mark = h.result === 'drop' ? '✗' : '✓';
    const intent = h.intent ? ' [not read live]' : '';
    lines.push(`${end ? '└─' : '├─'} ${h.host}  ${h.where}  ${mark} ${h.says}${intent}`);
    if (options.evidence) for (const e of h.evidence) lines.push(...evidenceLines(e, `${end ? '   ' : '│  '}   `));
  });
  return lines;
}

/** Whether the packet arrived, and its reply too when it was traced. */
export function traceArrived(t: TraceResult): boolean {
  const arrived = (r: Verdict['result']) => r === 'delivered' || r === 'left';
  return arrived(t.verdict.result) && (!t.reply || arrived(t.reply.verdict.result));
}

export function renderTrace(t: TraceResult, options: RenderOptions = { evidence: true }): string {
  const p = t.packet;
  const what = p.protocol === 'icmp' ? 'icmp echo' : `${p.protocol} ${p.sport} → ${p.dport}`;
  // A label that already names the address (a host outside the cloud, a floating IP) is not followed by it again.
  const end = (e: { label: string; ip: string }) =>
    e.label.split(/[^0-9a-f.:]+/i).includes(e.ip) ? e.label : `${e.label} (${e.ip})`;
  const lines = [`trace ${what} from ${end(t.from)} to ${end(t.to)}`];
  lines.push(...hopLines(t.hops, options, true));
  lines.push(`verdict: ${VERDICT_WORD[t.verdict.result]} — ${t.verdict.says}`);
  if (t.verdict.assumes) lines.push(`assuming: ${t.verdict.assumes.says}`);
  if (t.final && (t.final.src !== p.src || t.final.dst !== p.dst)) lines.push(`after NAT: ${t.final.src} → ${t.final.dst}`);
  const reply = t.reply ?? null;
  if (reply) {
    const r = reply.packet;
    const answer = r.protocol === 'icmp' ? 'icmp echo reply' : `${r.protocol} ${r.sport} → ${r.dport} (SYN-ACK)`;
    lines.push(`reply ${answer} from ${r.src} to ${r.dst}`);
    lines.push(...hopLines(reply.hops, options, true));
    lines.push(`reply verdict: ${VERDICT_WORD[reply.verdict.result]} — ${reply.verdict.says}`);
  }
  if (t.probe) lines.push(`probe: ${t.probe.sent ? `${t.probe.answered ? 'ANSWERED' : 'NO ANSWER'} — ` : ''}${t.probe.says}`);
  const notLive = t.notLive ?? [];
  if (notLive.length > 0)
    lines.push(`not read live: ${notLive.join(', ')} (no agent to ask; those hops follow the server's intent)`);
  lines.push(`(${t.ms} ms)`);
  return `${lines.join('\n')}\n`;
}

const SECTION_ORDER: readonly ItemSection[] = [
  'namespace',
  'bridge',
  'ovs-port',
  'local-vlan',
  'device',
  'address',
  'route',
  'flow',
  'qos',
  'fdb',
  'neighbour',
  'iptables',
  'ipset',
  'process',
  'dnsmasq',
];

const SECTION_TITLE: Readonly<Record<ItemSection, string>> = {
  namespace: 'namespaces',
  bridge: 'bridges',
  'ovs-port': 'OVS ports',
  'local-vlan': 'local VLANs',
  device: 'devices',
  address: 'addresses',
  route: 'routes',
  flow: 'OpenFlow flows',
  fdb: 'forwarding entries (bridge fdb)',
  neighbour: 'neighbour entries (ip neigh)',
  iptables: 'iptables',
  ipset: 'ipsets',
  process: 'processes',
  dnsmasq: 'DHCP reservations',
  qos: 'bandwidth limits (QoS)',
};

/** Sections whose items are listed under where they live (bridge, table, namespace). */
const GROUPED: ReadonlySet<ItemSection> = new Set(['flow', 'fdb', 'neighbour', 'iptables', 'route', 'address', 'dnsmasq']);

function itemLines(i: HostItem): string[] {
  const status = i.status === 'ok' ? '  ok   ' : `  ${i.status.toUpperCase().padEnd(7)}`;
  return [`${status} ${i.text}${counters(i)}`, `           ↳ ${i.says}`];
}

export function renderExplanation(x: Explanation): string {
  const drift = x.drift === 0 ? 'no drift' : `DRIFT: ${x.drift} item(s) differ from the plan`;
  const missing = x.missing;
  const head =
    missing.length === 0
      ? `${x.hosts.length} host(s), ${drift}`
      : `INCOMPLETE: ${missing.length} agent(s) it needs could not be asked; ${x.hosts.length} host(s) answered, ${drift}`;
  const lines = [`explain ${x.subject.label}: ${head}`];
  for (const h of x.hosts) {
    lines.push('', `host ${h.host} (${h.roles.join(', ')})`);
    for (const section of SECTION_ORDER) {
      const items = h.items.filter((i) => i.section === section);
      if (items.length === 0) continue;
      lines.push(`  ${SECTION_TITLE[section]}`);
      let where = '';
      for (const i of items) {
        if (GROUPED.has(section) && i.where !== where) lines.push(`   [${i.where}]`);
        where = i.where;
        lines.push(...itemLines(i));
      }
    }
  }
  for (const u of x.unanswered) lines.push('', `host ${u.host}: NO ANSWER — ${u.reason}`);
  for (const m of missing)
    lines.push('', `MISSING the ${m.role} agent${m.host ? ` of host ${m.host}` : ''}, for ${m.for}: ${m.reason}`);
  if (missing.length > 0 && x.intent.length > 0) lines.push('', 'what the API says meanwhile:', ...x.intent.map((l) => `  ${l}`));
  lines.push(`(${x.ms} ms)`);
  return `${lines.join('\n')}\n`;
}
