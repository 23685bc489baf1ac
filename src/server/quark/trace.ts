/**
 * `GET /v2.0/quark/trace`: follows one packet across hosts. The API says where it starts and
 * which MAC it is sent to (first-hop.ts); then each host's agent walks it through its real
 * state until it leaves the host, and a tunnel exit leads to the host behind the tunnel's
 * remote address — the one that holds the packet's destination MAC when the bridge flooded it
 * into several tunnels. The walk ends delivered, left the cloud, or dropped; the verdict names
 * the cause in API terms. With `probe`, the source's agent then sends the real packet.
 */
import { QuarkError } from '../../model/errors.js';
import type {
  HostExit,
  HostTrace,
  ObjectRef,
  ProbeResult,
  TraceEndpoint,
  TraceHop,
  TracePacket,
  TraceProtocol,
  TraceResult,
  TraceStart,
  Verdict,
} from '../../model/trace.js';
import { macKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import type { AgentAsker } from './broker.js';
import { type Endpoint, resolveEndpoint } from './endpoints.js';
import { firstHop } from './first-hop.js';
import { Names } from './names.js';
import { missingAgent } from './needed-agents.js';
import { deliveredVerdict, dropVerdict, leftVerdict } from './verdict.js';

export interface TraceRequest {
  readonly from: string;
  readonly to: string;
  readonly protocol: TraceProtocol;
  readonly port: number | null;
  readonly probe: boolean;
  /** Which of the ends' addresses (4 by default; an IPv6 address given as either end makes it 6). */
  readonly ipVersion?: 4 | 6;
}

/** A path crosses few hosts (instance host, network node, instance host); this bounds loops. */
const MAX_HOSTS = 8;
/** The source port of traced TCP and UDP packets (any ephemeral port: rules match destinations). */
const SOURCE_PORT = 40000;

function tunnelHost(view: ReadView, ip: string): string | null {
  const agent = view.all('agent').find((a) => a.agent_type === 'Open vSwitch agent' && a.configurations.tunneling_ip === ip);
  return agent?.host ?? null;
}

/** The host of the port that holds the packet's destination MAC on the network of tunnel key `key`. */
function expectedHost(view: ReadView, key: number, p: TracePacket): string | null {
  if (!p.dstMac) return null;
  const net = view
    .all('network')
    .find(
      (n) =>
        (n['provider:network_type'] === 'gre' || n['provider:network_type'] === 'vxlan') && n['provider:segmentation_id'] === key,
    );
  const port = net ? view.by('port', 'mac', macKey(net.id, p.dstMac))[0] : undefined;
  return port?.['binding:host_id'] || null;
}

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

interface Leg {
  readonly host: string;
  readonly start: TraceStart;
  readonly packet: TracePacket;
}

/**
 * The verdict when the walk reaches a host whose agent is not connected: where it stopped, why,
 * and what the API says lies beyond.
 */
function incomplete(view: ReadView, names: Names, leg: Leg, to: Endpoint, connected: ReadonlySet<string>): Verdict | null {
  const at: ObjectRef = leg.start.at === 'port' ? { kind: 'port', id: leg.start.portId } : { kind: 'host', id: leg.host };
  const gap = missingAgent(view, names, { host: leg.host, role: 'l2', for: at }, connected);
  if (!gap) return null;
  const entering =
    leg.start.at === 'port'
      ? `where ${names.label(at)} sends it`
      : leg.start.at === 'tunnel'
        ? `which it enters through the tunnel from ${leg.start.fromIp} (key ${leg.start.key})`
        : `which answers for ${leg.packet.dst} on physical network ${leg.start.physnet}`;
  const beyond =
    to.kind === 'port'
      ? `${names.label({ kind: 'port', id: to.port.id })} is bound to ${to.port['binding:host_id'] ? `host ${to.port['binding:host_id']}` : 'no host'}`
      : `${to.ip} is outside the cloud`;
  return {
    result: 'incomplete',
    says: `the packet cannot be followed on host ${leg.host}, ${entering}: ${gap.reason}. From the API alone: ${beyond}`,
    refs: at.kind === 'host' ? [] : [at],
  };
}

async function follow(broker: AgentAsker, view: ReadView, names: Names, first: Leg, to: Endpoint) {
  const hops: TraceHop[] = [];
  const connected = new Set(broker.hosts());
  let leg: Leg | null = first;
  for (let visits = 0; leg && visits < MAX_HOSTS; visits++) {
    const gap = incomplete(view, names, leg, to, connected);
    if (gap) return { hops, verdict: gap, final: null };
    const answer: HostTrace = await broker.ask<HostTrace>(leg.host, { kind: 'trace', start: leg.start, packet: leg.packet });
    hops.push(...answer.hops);
    const exits = answer.exits;
    const delivered = exits.find((e) => e.kind === 'delivered');
    if (delivered)
      return {
        hops,
        verdict: deliveredVerdict(names, delivered.portId, to, delivered.packet, leg.host, delivered.service),
        final: delivered.packet,
      };
    const external = exits.find((e): e is Extract<HostExit, { kind: 'external' }> => e.kind === 'external');
    const tunnels = exits.filter((e): e is Extract<HostExit, { kind: 'tunnel' }> => e.kind === 'tunnel');
    const wanted =
      tunnels.find((t) => tunnelHost(view, t.remoteIp) === expectedHost(view, t.key, t.packet)) ??
      (tunnels.length === 1 ? tunnels[0] : undefined);
    if (wanted) {
      const next = tunnelHost(view, wanted.remoteIp);
      const fromIp = view.all('agent').find((a) => a.host === leg!.host && a.agent_type === 'Open vSwitch agent')
        ?.configurations.tunneling_ip;
      if (!next || typeof fromIp !== 'string') {
        const verdict: Verdict = {
          result: 'dropped',
          says: `the tunnel from host ${leg.host} leads to ${wanted.remoteIp}, where no agent reports`,
          refs: [],
        };
        return { hops, verdict, final: null };
      }
      leg = { host: next, start: { at: 'tunnel', fromIp, key: wanted.key, type: wanted.type }, packet: wanted.packet };
      continue;
    }
    if (external) return { hops, verdict: leftVerdict(names, external, to, first.packet, leg.host), final: external.packet };
    const dropped = exits.find((e) => e.kind === 'dropped');
    const verdict: Verdict = dropped
      ? dropVerdict(names, dropped.cause, leg.packet, leg.host)
      : { result: 'dropped', says: `flooded on host ${leg.host} into tunnels none of which leads to the destination`, refs: [] };
    return { hops, verdict, final: null };
  }
  return {
    hops,
    verdict: { result: 'dropped', says: `the path crosses more than ${MAX_HOSTS} hosts (a loop?)`, refs: [] } as Verdict,
    final: null,
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
  const r = await broker.ask<ProbeResult>(host, { kind: 'probe', portId: from.port.id, packet: p });
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
  const to = resolveEndpoint(view, req.to, 'to', from, family);
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
  const walked =
    hop.kind === 'walk'
      ? await follow(broker, view, names, hop, to)
      : { hops: [], verdict: { result: 'unreachable', says: hop.says, refs: hop.refs } as Verdict, final: null };
  const sent = hop.kind === 'walk' ? hop.packet : packet;
  const probed = req.probe ? await probe(broker, view, names, from, to, sent) : null;
  const refs: ObjectRef[] = [
    ...walked.hops.flatMap((h) => [...h.refs, ...h.evidence.flatMap((e) => e.refs)]),
    ...walked.verdict.refs,
  ].map((r) => names.resolve(r));
  if (from.kind === 'port') refs.push({ kind: 'port', id: from.port.id });
  if (to.kind === 'port') refs.push({ kind: 'port', id: to.port.id });
  return {
    from: endpointOf(names, from),
    to: endpointOf(names, to),
    packet: sent,
    hops: walked.hops,
    verdict: walked.verdict,
    final: walked.final,
    probe: probed,
    names: names.table(refs),
    ms: Math.round(performance.now() - started),
  };
}
