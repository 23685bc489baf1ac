/**
 * `GET /v2.0/quark/trace`: follows one packet across hosts. The API says where it starts and
 * which MAC it is sent to (first-hop.ts); then host by host (follow.ts) each agent walks it
 * through its real state — or the server's intent does, for a host whose agent cannot be asked
 * (marked as not read live). A packet that arrives has its reply traced back (reply.ts). The
 * verdict names the cause in API terms. With `probe`, the source's agent then sends the real
 * packet.
 */
import { QuarkError } from '../../model/errors.js';
import type {
  ObjectRef,
  ProbeResult,
  TraceEndpoint,
  TracePacket,
  TraceProtocol,
  TraceResult,
  Verdict,
} from '../../model/trace.js';
import { macKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import type { AgentAsker } from './broker.js';
import { type Endpoint, resolveEndpoint } from './endpoints.js';
import { firstHop } from './first-hop.js';
import { type TraceContext, follow } from './follow.js';
import { Names } from './names.js';
import { traceReply } from './reply.js';

export interface TraceRequest {
  readonly from: string;
  readonly to: string;
  readonly protocol: TraceProtocol;
  readonly port: number | null;
  readonly probe: boolean;
  /** Which of the ends' addresses (4 by default; an IPv6 address given as either end makes it 6). */
  readonly ipVersion?: 4 | 6;
  /** Trace the reply of a packet that arrives too (default true). */
  readonly reply?: boolean;
}

/** The source port of traced TCP and UDP packets (any ephemeral port: rules match destinations). */
const SOURCE_PORT = 40000;

function endpointOf(names: Names, e: Endpoint): TraceEndpoint {
  if (e.kind === 'external') return { label: `${e.ip} (outside the cloud)`, ip: e.ip, portId: null, host: null };
  const label = names.label({ kind: 'port', id: e.port.id });
  return {
    label: e.floating ? `${label} via floating IP ${e.ip}` : label,
    ip: e.ip,
    portId: e.port.id,
    host: e.port['binding:host_id'] || null,
  };
}

/**
 * Sends the real packet from the source's namespace. The MAC that answered says who did: on the
 * source's own network it must be the destination's (two tenants may share the address), when
 * routed it is the first hop's (the router's interface).
 */
async function probe(
  broker: AgentAsker,
  view: ReadView,
  names: Names,
  from: Endpoint,
  to: Endpoint,
  p: TracePacket,
): Promise<ProbeResult> {
  if (from.kind !== 'port') {
    return {
      sent: false,
      answered: false,
      answeredBy: null,
      says: 'not sent: the source is outside the cloud, where no agent runs',
    };
  }
  const host = from.port['binding:host_id'];
  if (!broker.hosts().includes(host)) {
    return {
      sent: false,
      answered: false,
      answeredBy: null,
      says: `not sent: no agent of host ${host} is connected to any server`,
    };
  }
  let r: ProbeResult;
  try {
    r = await broker.ask<ProbeResult>(host, { kind: 'probe', portId: from.port.id, packet: p });
  } catch (e) {
    if (!(e instanceof QuarkError) || e.code !== 'AgentUnavailable') throw e;
    return { sent: false, answered: false, answeredBy: null, says: `not sent: ${e.message}` };
  }
  const meant = to.kind === 'port' ? names.label({ kind: 'port', id: to.port.id }) : p.dst;
  const itself = from.port.fixed_ips.some((f) => f.ip_address === p.dst);
  if (r.answered && itself) {
    // The instance answers its own address without sending anything (tenants reuse addresses).
    return {
      ...r,
      says: `${r.says}, but answered by ${names.label({ kind: 'port', id: from.port.id })} itself, not by ${meant}`,
    };
  }
  if (!r.answered || !r.answeredBy) return r;
  const hop = p.dstMac ? view.by('port', 'mac', macKey(from.port.network_id, p.dstMac.toLowerCase()))[0] : undefined;
  const onLink = hop?.fixed_ips.some((f) => f.ip_address === p.dst) === true;
  const expected = onLink && to.kind === 'port' && !to.floating ? to.port.mac_address : p.dstMac;
  const by = view.by('port', 'mac', macKey(from.port.network_id, r.answeredBy.toLowerCase()))[0];
  const who = by ? names.label({ kind: 'port', id: by.id }) : `MAC ${r.answeredBy}`;
  if (expected && r.answeredBy.toLowerCase() === expected.toLowerCase())
    return { ...r, says: `${r.says}, answered through ${who}` };
  return { ...r, says: `${r.says}, but answered by ${who}, not by ${meant}` };
}

export async function trace(broker: AgentAsker, view: ReadView, req: TraceRequest): Promise<TraceResult> {
  const started = performance.now();
  if (req.protocol !== 'icmp' && (req.port === null || req.port < 1 || req.port > 65535)) {
    throw new QuarkError('HTTPBadRequest', `Invalid input for port. Reason: ${req.protocol} needs a destination port (1-65535).`);
  }
  const names = new Names(view);
  const family = req.from.includes(':') || req.to.includes(':') ? 6 : (req.ipVersion ?? 4);
  const from = resolveEndpoint(view, req.from, 'from', null, family);
  const to = resolveEndpoint(view, req.to, 'to', from, family, { protocol: req.protocol, port: req.port });
  const packet: TracePacket = {
    protocol: req.protocol,
    src: from.ip,
    dst: to.ip,
    srcMac: from.kind === 'port' ? from.port.mac_address : null,
    dstMac: null,
    sport: req.protocol === 'icmp' ? null : SOURCE_PORT,
    dport: req.protocol === 'icmp' ? null : req.port,
    ttl: 64,
  };
  const hop = firstHop(view, names, from, to, packet);
  const ctx: TraceContext = { broker, view, names, notLive: new Set() };
  const walked =
    hop.kind === 'walk'
      ? await follow(ctx, hop, to)
      : {
          hops: [],
          verdict: { result: 'unreachable', says: hop.says, refs: hop.refs } as Verdict,
          final: null,
          delivered: null,
          conntrack: [],
        };
  const reply = req.reply === false ? null : await traceReply(ctx, walked, from);
  const sent = hop.kind === 'walk' ? hop.packet : packet;
  const probed = req.probe ? await probe(broker, view, names, from, to, sent) : null;
  const notLive = [...ctx.notLive].sort();
  const caveat =
    notLive.length > 0
      ? ` (not read live on host ${notLive.join(', ')}: its agent is not connected, so this follows the server's intent there)`
      : '';
  const assumes = hop.kind === 'walk' && hop.assumes ? { assumes: hop.assumes } : {};
  const verdict: Verdict = { ...walked.verdict, says: `${walked.verdict.says}${caveat}`, ...assumes };
  const hops = [...walked.hops, ...(reply?.hops ?? [])];
  const refs: ObjectRef[] = [
    ...hops.flatMap((h) => [...h.refs, ...h.evidence.flatMap((e) => e.refs)]),
    ...walked.verdict.refs,
    ...(reply?.verdict.refs ?? []),
  ].map((r) => names.resolve(r));
  if (from.kind === 'port') refs.push({ kind: 'port', id: from.port.id });
  if (to.kind === 'port') refs.push({ kind: 'port', id: to.port.id });
  return {
    from: endpointOf(names, from),
    to: endpointOf(names, to),
    packet: sent,
    hops: walked.hops,
    verdict,
    final: walked.final,
    probe: probed,
    reply,
    notLive,
    names: names.table(refs),
    ms: Math.round(performance.now() - started),
  };
}
