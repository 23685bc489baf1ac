/**
 * One traced packet in the forms the tools take: an OpenFlow flow for ofproto/trace, and the
 * packet netfilter sees at a hook, for IPv4 and IPv6 (by its addresses). ICMP is an echo request
 * (type 8, ICMPv6 128), TCP a SYN; a reply (`reply` set) is an echo reply (0, ICMPv6 129) or a
 * SYN-ACK, of a connection conntrack knows (ESTABLISHED).
 */
import type { TracePacket, TraceProtocol } from '../model/trace.js';
import { type NetfilterPacket, ipOf } from './iptables-match.js';

export const PROTOCOL_NUMBERS: Readonly<Record<TraceProtocol, number>> = { icmp: 1, tcp: 6, udp: 17 };

/** The packet's IP version, from its destination. */
export const familyOf = (p: Pick<TracePacket, 'dst'>): 4 | 6 => (p.dst.includes(':') ? 6 : 4);

/** ICMP as traced: an echo request, type 8 (IPv4) or 128 (ICMPv6); its reply 0 or 129. */
const echoType = (family: 4 | 6, reply: boolean) => (family === 4 ? (reply ? 0 : 8) : reply ? 129 : 128);

/** Where a packet enters a bridge: a port name, plus the tunnel metadata when it comes from a tunnel. */
export interface BridgeEntry {
  readonly inPort: string;
  readonly tunnel?: { readonly key: number; readonly src: string; readonly dst: string };
  /** The 802.1Q VLAN the frame carries as it enters (a trunk subport's segmentation id). */
  readonly vlan?: number;
}

/** A MAC for a sender outside the cloud whose real MAC the host does not know (locally administered). */
export const UNKNOWN_MAC = '02:00:00:00:00:01';

/** The flow argument of `ovs-appctl ofproto/trace BRIDGE FLOW`. */
export function ofprotoFlow(p: TracePacket, entry: BridgeEntry): string {
  const fields = [`in_port=${entry.inPort}`];
  if (entry.tunnel) {
    fields.push(`tun_id=0x${entry.tunnel.key.toString(16)}`, `tun_src=${entry.tunnel.src}`, `tun_dst=${entry.tunnel.dst}`);
  }
  if (entry.vlan !== undefined) fields.push(`dl_vlan=${entry.vlan}`);
  const v6 = familyOf(p) === 6;
  fields.push(v6 ? `${p.protocol === 'icmp' ? 'icmp6' : `${p.protocol}6`}` : p.protocol);
  fields.push(`dl_src=${p.srcMac ?? UNKNOWN_MAC}`, `dl_dst=${p.dstMac ?? 'ff:ff:ff:ff:ff:ff'}`);
  fields.push(v6 ? `ipv6_src=${p.src}` : `nw_src=${p.src}`, v6 ? `ipv6_dst=${p.dst}` : `nw_dst=${p.dst}`, `nw_ttl=${p.ttl}`);
  // ovs-ofctl names ICMPv6 fields icmpv6_type/code (it prints them back as icmp_type).
  const type = echoType(v6 ? 6 : 4, p.reply !== undefined);
  if (p.protocol === 'icmp') fields.push(v6 ? `icmpv6_type=${type},icmpv6_code=0` : `icmp_type=${type},icmp_code=0`);
  // OVS takes tp_src/tp_dst for TCP only; udp_src/udp_dst (and tcp_src/tcp_dst) name the protocol.
  else fields.push(`${p.protocol}_src=${p.sport ?? 0}`, `${p.protocol}_dst=${p.dport ?? 0}`);
  // SYN (0x002), or SYN-ACK (0x012) for a reply.
  if (p.protocol === 'tcp') fields.push(p.reply ? 'tcp_flags=0x012' : 'tcp_flags=syn');
  return fields.join(',');
}

/** The packet at a netfilter hook: a new connection (ESTABLISHED for a reply), no mark unless given. */
export function netfilterPacket(
  p: TracePacket,
  where: Pick<NetfilterPacket, 'inIf' | 'outIf' | 'physIn' | 'physOut' | 'bridged'>,
  extra: { readonly ctstate?: readonly string[]; readonly mark?: number } = {},
): NetfilterPacket {
  const family = familyOf(p);
  return {
    protocol: p.protocol === 'icmp' && family === 6 ? 58 : PROTOCOL_NUMBERS[p.protocol],
    src: ipOf(p.src),
    dst: ipOf(p.dst),
    sport: p.protocol === 'icmp' ? null : p.sport,
    dport: p.protocol === 'icmp' ? null : p.dport,
    icmpType: p.protocol === 'icmp' ? echoType(family, p.reply !== undefined) : null,
    icmpCode: p.protocol === 'icmp' ? 0 : null,
    tcpFlags: new Set(p.protocol === 'tcp' ? (p.reply ? ['SYN', 'ACK'] : ['SYN']) : []),
    srcMac: p.srcMac,
    ctstate: new Set([p.reply ? 'ESTABLISHED' : 'NEW', ...(extra.ctstate ?? [])]),
    mark: extra.mark ?? 0,
    ...where,
  };
}

/** `tcp/22`, `udp/53`, `icmp`: how verdicts name the traffic. */
export function trafficLabel(p: Pick<TracePacket, 'protocol' | 'dport'>): string {
  return p.protocol === 'icmp' ? 'icmp' : `${p.protocol}/${p.dport ?? 0}`;
}
