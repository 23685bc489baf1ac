/**
 * The security group filter of the hybrid plug: a frame between an instance's tap and its qvb
 * crosses the qbr bridge, so the host's filter FORWARD chain sees it (br_netfilter), with the
 * tap as physdev-in (egress: the instance sends) or physdev-out (ingress: it receives). The real
 * iptables-save and ipset contents decide, read by the evaluator; the verdict names the rule.
 */
import { FIREWALL_CHAIN_PREFIX, FIREWALL_FALLBACK_CHAIN, portChain, qbrBridge, qvbDevice, tapDevice } from '../model/names.js';
import type { DropCause, ObjectRef, RuleEvidence, TraceHop, TracePacket } from '../model/trace.js';
import { memberTest } from '../dataplane/compile/firewall/verdict.js';
import { describeRule } from './describe-rule.js';
import type { HostView } from './host-view.js';
import { type ChainVerdict, evaluateChain } from './iptables-eval.js';
import type { SetLookup } from './iptables-match.js';
import type { SavedRule, SavedTables } from './iptables-save.js';
import { familyOf, netfilterPacket, trafficLabel } from './packet.js';

export interface FilterResult {
  readonly hop: TraceHop;
  readonly dropped: DropCause | null;
}

export async function setLookup(view: HostView, netns: string | null): Promise<SetLookup> {
  const sets = await view.ipsets(netns);
  const tests = new Map<string, ReturnType<typeof memberTest>>();
  return (name) => {
    const members = sets.get(name);
    if (!members) return null;
    const t = tests.get(name) ?? memberTest(members);
    tests.set(name, t);
    return t;
  };
}

/** The rules of a chain verdict that the packet matched, as evidence. */
export function ruleEvidence(view: HostView, v: ChainVerdict, netns: string | null): RuleEvidence[] {
  return v.hits.map((h) => savedRule(view, netns, h.table, h.chain, h.rule, true));
}

function savedRule(
  view: HostView,
  netns: string | null,
  table: string,
  chain: string,
  rule: SavedRule,
  matched: boolean,
): RuleEvidence {
  const words = describeRule(view.labels, rule.text);
  return {
    kind: 'rule',
    netns,
    table,
    chain,
    rule: rule.text,
    matched,
    says: words.says,
    refs: words.refs,
    counters: { packets: rule.packets, bytes: rule.bytes },
  };
}

/** The security group rules of the group chain the packet fell out of, which none matched. */
function unmatched(view: HostView, v: ChainVerdict, tables: SavedTables): RuleEvidence[] {
  // The group chain, or a logged port's own copy of it (quark-fw-l…).
  const chain = [...v.hits]
    .reverse()
    .find((h) => h.chain.startsWith(`${FIREWALL_CHAIN_PREFIX}g`) || h.chain.startsWith(`${FIREWALL_CHAIN_PREFIX}l`))?.chain;
  const rules = chain ? (tables.get('filter')?.get(chain)?.rules ?? []) : [];
  return rules
    .filter((r) => r.text.includes('--comment "rule ') || r.text.includes('--comment rule '))
    .map((r) => savedRule(view, null, 'filter', chain!, r, false));
}

function dropCause(view: HostView, portId: string, direction: 'ingress' | 'egress', v: ChainVerdict, p: TracePacket): DropCause {
  const port: ObjectRef = { kind: 'port', id: portId };
  const groups = (view.plan.firewallPorts.find((f) => f.portId === portId)?.groups ?? []).map(
    (id): ObjectRef => ({ kind: 'security_group', id }),
  );
  const chain = v.decidedBy?.chain ?? '';
  const peer = direction === 'ingress' ? `from ${p.src}` : `to ${p.dst}`;
  if (chain === FIREWALL_FALLBACK_CHAIN) {
    return {
      code: direction === 'ingress' ? 'ingress-rules' : 'egress-rules',
      refs: [...groups, port],
      says: `no ${direction} rule of the security groups of ${view.labels.label(port)} allows ${trafficLabel(p)} ${peer}`,
    };
  }
  if (chain === portChain('s', portId)) {
    return {
      code: 'anti-spoofing',
      refs: [port],
      says: `anti-spoofing of ${view.labels.label(port)}: it may not send from ${p.src} with MAC ${p.srcMac}`,
    };
  }
  const rule = v.decidedBy ? `-A ${chain} ${v.decidedBy.rule.text}` : 'the chain policy';
  return { code: 'firewall', refs: [port], says: `the host firewall dropped it (${rule})` };
}

/**
 * On a Linux bridge host the tap is in its network's bridge, with the frame's other end on the
 * same bridge (the VXLAN device, another tap): one FORWARD pass holds both ends' chains, which
 * the trace shows as the sender's egress hop and the receiver's ingress hop.
 */
export interface BridgeSide {
  readonly bridge: string;
  /** The frame's other port on that bridge. */
  readonly other: string;
}

/**
 * Filters the frame between the instance of `portId` and br-int (hybrid plug: across its qbr),
 * or between its tap and `side.other` in its network's bridge, in `direction` of the instance.
 */
export async function filterPort(
  view: HostView,
  portId: string,
  direction: 'ingress' | 'egress',
  p: TracePacket,
  side?: BridgeSide,
): Promise<FilterResult> {
  const tap = tapDevice(portId);
  const other = side?.other ?? qvbDevice(portId);
  const qbr = side?.bridge ?? qbrBridge(portId);
  const where = { inIf: qbr, outIf: qbr, bridged: true } as const;
  const ends = direction === 'egress' ? { physIn: tap, physOut: other } : { physIn: other, physOut: tap };
  const tables = await view.iptables(null, familyOf(p));
  const v = evaluateChain(tables, 'filter', 'FORWARD', netfilterPacket(p, { ...where, ...ends }), await setLookup(view, null));
  const evidence = [...ruleEvidence(view, v, null), ...(v.verdict === 'ACCEPT' ? [] : unmatched(view, v, tables))];
  const port: ObjectRef = { kind: 'port', id: portId };
  const unreadable = v.unreadable.length > 0 ? ` (rules it could not read: ${v.unreadable.join('; ')})` : '';
  const dropped = v.verdict === 'ACCEPT' ? null : dropCause(view, portId, direction, v, p);
  const allowedBy = v.hits.find((h) => h.rule.text.includes('--comment "rule ') || h.rule.text.includes('--comment rule '));
  const known = v.hits.find((h) => /--(?:ct)?state \S*ESTABLISHED/.test(h.rule.text));
  const says = dropped
    ? dropped.says
    : allowedBy
      ? `${direction} of ${view.labels.label(port)}: ${describeRule(view.labels, allowedBy.rule.text).says}`
      : known
        ? `${direction} of ${view.labels.label(port)}: allowed as a packet of a connection conntrack knows (ESTABLISHED)`
        : `${direction} of ${view.labels.label(port)}: allowed (${v.decidedBy ? describeRule(view.labels, v.decidedBy.rule.text).says : 'chain policy'})`;
  const refs = [port, ...evidence.flatMap((e) => e.refs)];
  const hop: TraceHop = {
    host: view.host,
    where: `iptables filter FORWARD on ${qbr}`,
    says: `${says}${unreadable}`,
    result: dropped ? 'drop' : 'pass',
    evidence,
    refs,
  };
  return { hop, dropped };
}
