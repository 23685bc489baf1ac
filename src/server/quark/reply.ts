/**
 * The reply of a traced packet that arrived: from where it arrived back to its sender, as an
 * echo reply or a SYN-ACK of a connection every firewall and router it crossed has in
 * conntrack (ESTABLISHED, NAT undone). A ping that works one way shows here: the request is
 * delivered, its reply dropped (a stateless group, a path the reply takes but the request did
 * not). An answer of a namespace's own service (the metadata proxy) is not traced back.
 */
import type { TracePacket, TraceReply } from '../../model/trace.js';
import type { Endpoint } from './endpoints.js';
import { firstHop } from './first-hop.js';
import { type Followed, type TraceContext, follow } from './follow.js';

export async function traceReply(ctx: TraceContext, forward: Followed, from: Endpoint): Promise<TraceReply | null> {
  const final = forward.final;
  if (!final || (forward.verdict.result !== 'delivered' && forward.verdict.result !== 'left')) return null;
  if (forward.delivered?.service) return null;
  const base: TracePacket = {
    protocol: final.protocol,
    src: final.dst,
    dst: final.src,
    srcMac: null,
    dstMac: null,
    sport: final.dport,
    dport: final.sport,
    ttl: 64,
    reply: { conntrack: forward.conntrack },
  };
  const port = forward.delivered ? ctx.view.get('port', forward.delivered.portId) : undefined;
  const sender: Endpoint = port ? { kind: 'port', port, ip: final.dst, floating: null } : { kind: 'external', ip: final.dst };
  const packet: TracePacket = port ? { ...base, srcMac: port.mac_address } : base;
  const hop = firstHop(ctx.view, ctx.names, sender, from, packet);
  if (hop.kind !== 'walk') {
    return { packet, hops: [], verdict: { result: 'unreachable', says: `the reply: ${hop.says}`, refs: hop.refs }, final: null };
  }
  const back = await follow(ctx, hop, from);
  return {
    packet: hop.packet,
    hops: back.hops,
    verdict: { ...back.verdict, says: `the reply: ${back.verdict.says}` },
    final: back.final,
  };
}
