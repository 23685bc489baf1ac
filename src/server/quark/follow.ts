/**
 * Follows a packet from host to host: each host's agent walks it through its real state until
 * it leaves the host, and a tunnel exit leads to the host behind the tunnel's remote address —
 * the one that holds the packet's destination MAC when the bridge flooded it into several
 * tunnels. A host whose agent cannot be asked (not connected, or not answering) is walked by
 * the server's intent instead (intent-walk.ts), and the trace says so: traffic keeps flowing
 * through what the host last applied. Only a host no agent ever reported from, where nothing
 * was ever applied, ends the walk INCOMPLETE. The walk ends delivered, left the cloud, dropped
 * or incomplete; the verdict names the cause in API terms.
 */
import { QuarkError } from '../../model/errors.js';
import type {
  ConntrackEntry,
  HostExit,
  HostTrace,
  ObjectRef,
  TraceHop,
  TracePacket,
  TraceStart,
  Verdict,
} from '../../model/trace.js';
import { macKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import type { AgentAsker } from './broker.js';
import type { Endpoint } from './endpoints.js';
import { intentHost } from './intent-walk.js';
import type { Names } from './names.js';
import { agentRecord, missingAgent } from './needed-agents.js';
import { tunnelHost, tunnelIpOf } from './tunnels.js';
import { deliveredVerdict, dropVerdict, leftVerdict } from './verdict.js';

/** A path crosses few hosts (instance host, network node, instance host); this bounds loops. */
const MAX_HOSTS = 8;

export interface TraceContext {
  readonly broker: AgentAsker;
  readonly view: ReadView;
  readonly names: Names;
  /** Hosts walked by the intent because their agent could not be asked. */
  readonly notLive: Set<string>;
}

export interface Leg {
  readonly host: string;
  readonly start: TraceStart;
  readonly packet: TracePacket;
}

export interface Followed {
  readonly hops: TraceHop[];
  readonly verdict: Verdict;
  readonly final: TracePacket | null;
  /** The port the packet reached, and the service that took it, when delivered. */
  readonly delivered: { readonly portId: string; readonly service?: string } | null;
  /** What each router the packet crossed did to it, for its reply. */
  readonly conntrack: readonly ConntrackEntry[];
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

/**
 * The verdict when the walk reaches a host no agent ever reported from: where it stopped, why,
 * and what the API says lies beyond.
 */
function incomplete(ctx: TraceContext, leg: Leg, to: Endpoint, why: string): Verdict {
  const { names } = ctx;
  const at: ObjectRef = leg.start.at === 'port' ? { kind: 'port', id: leg.start.portId } : { kind: 'host', id: leg.host };
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
    says: `the packet cannot be followed on host ${leg.host}, ${entering}: ${why}. From the API alone: ${beyond}`,
    refs: at.kind === 'host' ? [] : [at],
  };
}

/**
 * The host's walk: by its agent; by the intent when the agent cannot be asked now; or, on a
 * host no L2 agent ever reported from, the reason it cannot be followed at all.
 */
async function walkOn(ctx: TraceContext, leg: Leg): Promise<HostTrace | { readonly never: string }> {
  const byIntent = (why: string) => {
    ctx.notLive.add(leg.host);
    return intentHost(ctx.view, ctx.names, leg.host, leg.start, leg.packet, why);
  };
  const connected = new Set(ctx.broker.hosts());
  if (!connected.has(leg.host)) {
    const at: ObjectRef = leg.start.at === 'port' ? { kind: 'port', id: leg.start.portId } : { kind: 'host', id: leg.host };
    const gap = missingAgent(ctx.view, ctx.names, { host: leg.host, role: 'l2', for: at }, connected);
    const known = agentRecord(ctx.view, 'l2', leg.host) !== undefined;
    const why = gap?.reason ?? `no agent of host ${leg.host} is connected`;
    return known ? byIntent(why) : { never: why };
  }
  try {
    return await ctx.broker.ask<HostTrace>(leg.host, { kind: 'trace', start: leg.start, packet: leg.packet });
  } catch (e) {
    if (e instanceof QuarkError && e.code === 'AgentUnavailable') return byIntent(e.message.replace(/\.$/, ''));
    throw e;
  }
}

export async function follow(ctx: TraceContext, first: Leg, to: Endpoint): Promise<Followed> {
  const { view, names } = ctx;
  const hops: TraceHop[] = [];
  const conntrack: ConntrackEntry[] = [];
  const end = (verdict: Verdict, final: TracePacket | null = null, delivered: Followed['delivered'] = null): Followed => ({
    hops,
    verdict,
    final,
    delivered,
    conntrack,
  });
  let leg: Leg | null = first;
  for (let visits = 0; leg && visits < MAX_HOSTS; visits++) {
    const answer = await walkOn(ctx, leg);
    if ('never' in answer) return end(incomplete(ctx, leg, to, answer.never));
    hops.push(...answer.hops);
    conntrack.push(...(answer.conntrack ?? []));
    const exits = answer.exits;
    const delivered = exits.find((e) => e.kind === 'delivered');
    if (delivered) {
      const verdict = deliveredVerdict(names, delivered.portId, to, delivered.packet, leg.host, delivered.service);
      const service = delivered.service ? { service: delivered.service } : {};
      return end(verdict, delivered.packet, { portId: delivered.portId, ...service });
    }
    const external = exits.find((e): e is Extract<HostExit, { kind: 'external' }> => e.kind === 'external');
    const tunnels = exits.filter((e): e is Extract<HostExit, { kind: 'tunnel' }> => e.kind === 'tunnel');
    const wanted =
      tunnels.find((t) => tunnelHost(view, t.remoteIp) === expectedHost(view, t.key, t.packet)) ??
      (tunnels.length === 1 ? tunnels[0] : undefined);
    if (wanted) {
      const next = tunnelHost(view, wanted.remoteIp);
      const fromIp = tunnelIpOf(view, leg.host);
      if (!next || !fromIp) {
        const says = `the tunnel from host ${leg.host} leads to ${wanted.remoteIp}, where no agent reports`;
        return end({ result: 'dropped', says, refs: [] });
      }
      leg = { host: next, start: { at: 'tunnel', fromIp, key: wanted.key, type: wanted.type }, packet: wanted.packet };
      continue;
    }
    if (external) return end(leftVerdict(names, external, to, first.packet, leg.host), external.packet);
    const dropped = exits.find((e) => e.kind === 'dropped');
    return end(
      dropped
        ? dropVerdict(names, dropped.cause, leg.packet, leg.host)
        : {
            result: 'dropped',
            says: `flooded on host ${leg.host} into tunnels none of which leads to the destination`,
            refs: [],
          },
    );
  }
  return end({ result: 'dropped', says: `the path crosses more than ${MAX_HOSTS} hosts (a loop?)`, refs: [] });
}
