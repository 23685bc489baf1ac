/**
 * The wire format of `quark trace` and `quark explain` (docs/explain-trace.md): what the server
 * asks an agent about its host, what the agent answers, and what the API returns. Shared by the
 * server, the agents, the client and the CLI; plain data only.
 */
import type { TunnelType } from './names.js';

/** The kinds of API object a flow, rule, device or hop can be tied to (`host`: the host itself). */
export type RefKind =
  | 'host'
  | 'network'
  | 'subnet'
  | 'port'
  | 'router'
  | 'floatingip'
  | 'security_group'
  | 'security_group_rule'
  | 'address_group'
  | 'log'
  | 'port_forwarding'
  | 'conntrack_helper'
  | 'metering_label'
  | 'local_ip'
  | 'trunk';

/** An API object, by kind and id. `id` may be the first 10 hex digits of an id (flow cookies carry no more). */
export interface ObjectRef {
  readonly kind: RefKind;
  readonly id: string;
}

/** `port:3c9b…`: how refs are keyed in `names` maps and query filters. */
export const refKey = (r: ObjectRef): string => `${r.kind}:${r.id}`;

export type TraceProtocol = 'icmp' | 'tcp' | 'udp';

/**
 * What one router namespace did to a connection's first packet: the packet as it came in and
 * as it went out. Conntrack keeps it: the reply is translated back (NAT is decided once, on the
 * first packet), and a namespace the first packet crossed sees the reply as ESTABLISHED.
 */
export interface ConntrackEntry {
  readonly host: string;
  readonly netns: string;
  readonly before: { readonly src: string; readonly dst: string };
  readonly after: { readonly src: string; readonly dst: string };
}

/**
 * The first packet of a connection, as it looks at one point of its path (NAT rewrites the
 * addresses, routers the MACs). IPv4 or IPv6, by its addresses. ICMP is an echo request (ICMPv6
 * for IPv6); TCP a SYN. With `reply`, it is the answer instead (an echo reply, a SYN-ACK), of a
 * connection whose first packet crossed the routers of `reply.conntrack`: the security groups'
 * conntrack knows it (ESTABLISHED), and routers undo their NAT.
 */
export interface TracePacket {
  readonly protocol: TraceProtocol;
  readonly src: string;
  readonly dst: string;
  /** Unknown (null) where the sender is outside the cloud: the agent fills it from neighbour tables. */
  readonly srcMac: string | null;
  readonly dstMac: string | null;
  readonly sport: number | null;
  readonly dport: number | null;
  readonly ttl: number;
  readonly reply?: { readonly conntrack: readonly ConntrackEntry[] };
}

/** Where an agent starts walking a packet on its host. */
export type TraceStart =
  /** Sent by the instance (or namespace) behind a port bound here. */
  | { readonly at: 'port'; readonly portId: string }
  /** Arrives through the tunnel from `fromIp` with key `key`. */
  | { readonly at: 'tunnel'; readonly fromIp: string; readonly key: number; readonly type: TunnelType }
  /** Arrives from outside the cloud on the provider bridge of `physnet`. */
  | { readonly at: 'external'; readonly physnet: string };

/** The packets and bytes a host counted for a flow or rule. */
export interface Counters {
  readonly packets: number;
  readonly bytes: number;
}

/**
 * What an OpenFlow action does to the packet's way: its VLAN tag, its tunnel key, where it goes
 * out. `resubmit` and `learn` only move it on in the pipeline, `other` is anything else.
 */
export type FlowEffect = 'tag' | 'untag' | 'set-tunnel-key' | 'output' | 'switch' | 'drop' | 'resubmit' | 'learn' | 'other';

interface EvidenceWords {
  /** What it means, in plain words with the names of the objects (the agent knows them). */
  readonly says: string;
  /** The API objects it exists for or names. */
  readonly refs: readonly ObjectRef[];
}

/** An OpenFlow flow the packet matched, as ofproto/trace shows it. */
export interface FlowEvidence extends EvidenceWords {
  readonly kind: 'flow';
  readonly bridge: string;
  readonly table: number;
  /** Neutron's name of the table with its number: `UCAST_TO_TUN(20)`. */
  readonly tableName: string;
  readonly priority: number | null;
  /** The match as OVS prints it ('' matches everything); null when no flow matched (the table's miss). */
  readonly match: string | null;
  readonly actions: readonly string[];
  /** The flow's cookie in hex (`0x5155…`): it encodes the object the flow exists for. */
  readonly cookie: string | null;
  /** What the flow's actions do to the packet's way, in order. */
  readonly effects: readonly FlowEffect[];
  /** Remarks of ofproto/trace that the words do not repeat. */
  readonly notes: readonly string[];
  readonly counters: Counters | null;
}

/** An iptables rule the packet met, as `iptables-save -c` prints it. */
export interface RuleEvidence extends EvidenceWords {
  readonly kind: 'rule';
  /** The namespace whose tables hold it; null for the host's own. */
  readonly netns: string | null;
  readonly table: string;
  readonly chain: string;
  /** The rule after `-A <chain> `, exactly as iptables-save prints it. */
  readonly rule: string;
  /** True for a rule the packet matched; false for a security group rule it did not match (listed when none allowed it). */
  readonly matched: boolean;
  readonly counters: Counters | null;
}

/** The kernel's route for the packet in a namespace (`ip route get DST from SRC iif IIF`). */
export interface RouteEvidence extends EvidenceWords {
  readonly kind: 'route';
  readonly netns: string;
  readonly dst: string;
  readonly src: string;
  readonly iif: string;
  /** `unicast`, `local`, `unreachable`…; null when the lookup failed. */
  readonly type: string | null;
  readonly dev: string | null;
  readonly gateway: string | null;
  /** What `ip route get` answered when it found no route. */
  readonly error: string | null;
}

/** The next hop's MAC: from the API's port that holds the address, else the namespace's neighbour table. */
export interface NeighbourEvidence extends EvidenceWords {
  readonly kind: 'neighbour';
  readonly netns: string;
  readonly ip: string;
  readonly dev: string;
  readonly mac: string | null;
  readonly source: 'port' | 'neighbour-table' | 'none';
}

/**
 * A forwarding-database lookup of a Linux bridge host: the bridge's own (`bridge fdb show br
 * brq…`: which port a MAC is behind) or a VXLAN device's (`bridge fdb show dev vxlan-1001`:
 * which remote VTEP a MAC, or the flooding entry, sends to).
 */
export interface FdbEvidence extends EvidenceWords {
  readonly kind: 'fdb';
  /** The bridge or VXLAN device whose table was read. */
  readonly table: string;
  /** The MAC looked up (`00:00:00:00:00:00`: the VXLAN device's flooding entries). */
  readonly mac: string;
  /** The entries found, as `bridge fdb show` prints them; empty when none matched (the frame floods). */
  readonly entries: readonly string[];
}

/**
 * A flow, rule, route, neighbour or forwarding entry that decided a hop, as data: where it is,
 * its fields and counters, the objects it refers to, and what it means. Clients render it (the
 * CLI as the host's own syntax, docs/explain-trace.md).
 */
export type Evidence = FlowEvidence | RuleEvidence | RouteEvidence | NeighbourEvidence | FdbEvidence;

/** One step of the path on one host. */
export interface TraceHop {
  readonly host: string;
  /** `br-int`, `iptables (qbr3c9b4a1e-2f)`, `qrouter-…`. */
  readonly where: string;
  /** What happened there, in plain words. */
  readonly says: string;
  readonly result: 'pass' | 'drop';
  readonly evidence: readonly Evidence[];
  readonly refs: readonly ObjectRef[];
  /**
   * Set when the host could not be read (its agent is not connected): the hop says what the
   * server's intent makes of the packet there, not what the host really has.
   */
  readonly intent?: true;
}

/** Why a packet stopped, in terms an agent can state; the server names the objects. */
export type DropCode =
  | 'egress-rules'
  | 'ingress-rules'
  | 'anti-spoofing'
  | 'firewall'
  | 'not-plugged'
  | 'not-wired'
  | 'flow-drop'
  | 'no-route'
  | 'no-neighbour'
  | 'missing-nat'
  /** A connection to a floating IP of port forwardings on a port none of them forwards: the router answers it. */
  | 'not-forwarded'
  | 'unknown';

export interface DropCause {
  readonly code: DropCode;
  /** The objects responsible: security groups, the port, the router… */
  readonly refs: readonly ObjectRef[];
  readonly says: string;
}

/** How a walk on one host ended (a flooded packet may leave several ways). */
export type HostExit =
  | {
      readonly kind: 'tunnel';
      readonly remoteIp: string;
      readonly key: number;
      readonly type: TunnelType;
      readonly packet: TracePacket;
    }
  /**
   * Reached a port's owner: an instance, a DHCP server, a router itself; `service` names the
   * process of the namespace that takes it (the metadata proxy behind a router's redirect).
   */
  | { readonly kind: 'delivered'; readonly portId: string; readonly packet: TracePacket; readonly service?: string }
  /** Left the cloud through a provider bridge's physical interface. */
  | { readonly kind: 'external'; readonly bridge: string; readonly device: string; readonly packet: TracePacket }
  | { readonly kind: 'dropped'; readonly cause: DropCause };

/** An agent's answer to a trace query. */
export interface HostTrace {
  readonly host: string;
  readonly hops: readonly TraceHop[];
  readonly exits: readonly HostExit[];
  /** The router namespaces the packet crossed on the host, and what each did to it (for its reply). */
  readonly conntrack?: readonly ConntrackEntry[];
}

/** A real packet sent from the source's namespace. */
export interface ProbeResult {
  readonly sent: boolean;
  /** An answer came back (an echo reply, a TCP SYN-ACK or RST, a UDP reply or port unreachable). */
  readonly answered: boolean;
  /** The MAC that answered, when the destination is on the source's own subnet (tells overlapping addresses apart). */
  readonly answeredBy: string | null;
  readonly says: string;
}

/** A route outside the cloud that a verdict takes for granted. */
export interface RouteAssumption {
  readonly says: string;
  readonly destination: string;
  readonly via: string;
}

export type VerdictResult = 'delivered' | 'left' | 'dropped' | 'unreachable' | 'misdelivered' | 'incomplete';

export interface Verdict {
  /**
   * delivered: reached the destination; left: left the cloud towards an external destination;
   * dropped: a flow or rule dropped it; unreachable: the intent has no path (no router, no route,
   * nobody holds the address); misdelivered: another port with the same address got it;
   * incomplete: the walk stopped at a host whose agent could not be asked (the verdict names it).
   */
  readonly result: VerdictResult;
  /** The cause in API terms (names, projects, rules). */
  readonly says: string;
  readonly refs: readonly ObjectRef[];
  /**
   * What the verdict takes for granted outside the cloud, which the server cannot see: that the
   * sender routes `destination` (a project's subnet) via `via` (a router's gateway address).
   */
  readonly assumes?: RouteAssumption;
}

/** One end of a trace as the server resolved it. */
export interface TraceEndpoint {
  readonly label: string;
  readonly ip: string;
  /** The port, when the end is a port (instance, router, DHCP). */
  readonly portId: string | null;
  readonly host: string | null;
}

/** The answer to a traced packet that arrived, walked back from where it arrived. */
export interface TraceReply {
  readonly packet: TracePacket;
  readonly hops: readonly TraceHop[];
  readonly verdict: Verdict;
  readonly final: TracePacket | null;
}

/** `GET /v2.0/quark/trace`. */
export interface TraceResult {
  readonly from: TraceEndpoint;
  readonly to: TraceEndpoint;
  readonly packet: TracePacket;
  readonly hops: readonly TraceHop[];
  readonly verdict: Verdict;
  /** The packet as it was delivered or left the cloud (after NAT); null when it stopped. */
  readonly final: TracePacket | null;
  readonly probe: ProbeResult | null;
  /** The reply, when the packet arrived and the reply was asked for; null otherwise. */
  readonly reply: TraceReply | null;
  /** Hosts whose agent was not connected: their hops come from the server's intent, not read live. */
  readonly notLive: readonly string[];
  /** Labels of every object the hops and verdict refer to (`port:<id>` → `port vm2 (270c41a8)`). */
  readonly names: Readonly<Record<string, string>>;
  readonly ms: number;
}
