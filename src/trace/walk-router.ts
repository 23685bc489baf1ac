/**
 * A packet entering one of the agent's namespaces through its device. A qdhcp namespace is an
 * end: the DHCP port answers for its own addresses and forwards nothing. A qrouter namespace
 * routes as the kernel does, read from the host: mangle and nat PREROUTING (marks, DNAT of
 * floating IPs and port forwardings, which change the destination port too) evaluated on its
 * real rules, `ip route get` for the route, filter FORWARD, nat POSTROUTING (SNAT), then the
 * next hop's MAC (the API's port, else the neighbour table). A
 * request to 169.254.169.254:80 that nat PREROUTING redirects is delivered to the router's
 * metadata proxy, if filter INPUT lets it in and the agent runs one there. IPv6 goes through
 * ip6tables and is routed the same way (without NAT rules of Quark's). The reply of a
 * connection the router saw has its NAT undone by conntrack (`replied`).
 */
import type { ServicePortItem } from '../dataplane/compile/plan.js';
import type {
  ConntrackEntry,
  DropCause,
  Evidence,
  NeighbourEvidence,
  ObjectRef,
  RouteEvidence,
  TraceHop,
  TracePacket,
} from '../model/trace.js';
import type { HostView, RouteAnswer } from './host-view.js';
import { type ChainVerdict, evaluateChain } from './iptables-eval.js';
import type { SavedTables } from './iptables-save.js';
import { familyOf, netfilterPacket } from './packet.js';
import { ruleEvidence } from './walk-firewall.js';
import { isDevice, namespaceOwner } from '../model/names.js';

export type NamespaceResult =
  | { readonly kind: 'delivered'; readonly hop: TraceHop; readonly portId: string; readonly service?: string }
  | { readonly kind: 'dropped'; readonly hop: TraceHop; readonly cause: DropCause }
  | { readonly kind: 'forward'; readonly hop: TraceHop; readonly out: ServicePortItem; readonly packet: TracePacket };

const hostPart = (cidr: string) => cidr.split('/')[0]!;
const noSets = () => null;

/** The packet inside one namespace, entered through `into`, and whose namespace it is. */
interface Inside {
  readonly view: HostView;
  readonly into: ServicePortItem;
  readonly netns: string;
  readonly owner: ObjectRef;
  /** The owner's label: `router test1-router (3a9566e2)`. */
  readonly who: string;
  readonly packet: TracePacket;
}

/** What the router's tables did before its routing decision: marks (mangle) and DNAT of floating IPs. */
interface Prerouting {
  readonly dnat: ChainVerdict;
  /** The destination after DNAT. */
  readonly dst: string;
  /** The destination port after DNAT (a port forwarding's internal port). */
  readonly dport: number | null;
  readonly evidence: Evidence[];
}

/**
 * Where a DNAT target sends a packet: `10.0.0.5`, `10.0.0.5:22`, or `10.0.0.5:80-90/8000` (a port
 * forwarding's range, shifted from the first external port).
 */
export function dnatTarget(to: string, dport: number | null): { ip: string; port: number | null } {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(to);
  if (!m) return { ip: to, port: dport };
  const first = Number(m[2]);
  if (m[3] === undefined || dport === null) return { ip: m[1]!, port: first };
  const base = m[4] === undefined ? first : Number(m[4]);
  return { ip: m[1]!, port: Math.min(first + (dport - base), Number(m[3])) };
}

function inside(view: HostView, into: ServicePortItem, packet: TracePacket): Inside {
  const origin = view.plan.namespaces.find((n) => n.name === into.netns)?.origin;
  const owner: ObjectRef =
    origin && origin.kind !== 'host' ? { kind: origin.kind, id: origin.id } : { kind: 'port', id: into.portId };
  return { view, into, netns: into.netns, owner, who: view.labels.label(owner), packet };
}

function hop(c: Inside, says: string, result: 'pass' | 'drop', evidence: readonly Evidence[]): TraceHop {
  return { host: c.view.host, where: c.netns, says, result, evidence, refs: [c.owner, ...evidence.flatMap((e) => e.refs)] };
}

function dropped(c: Inside, cause: DropCause, evidence: readonly Evidence[], says = cause.says): NamespaceResult {
  return { kind: 'dropped', hop: hop(c, says, 'drop', evidence), cause };
}

function holder(view: HostView, netns: string, ip: string): ServicePortItem | undefined {
  return view.plan.servicePorts.find(
    (s) => s.netns === netns && [...s.addresses, ...(s.vips ?? [])].some((a) => hostPart(a) === ip),
  );
}

/**
 * An HA router's namespace on a node where keepalived is not master: it holds none of the
 * router's addresses and routes nothing, whatever reaches it (a stale MAC entry upstream).
 */
async function standby(c: Inside): Promise<NamespaceResult | null> {
  if (c.owner.kind !== 'router' || !c.view.plan.daemons.some((d) => d.netns === c.netns && d.service === 'keepalived'))
    return null;
  const state = await c.view.vrrp(c.owner.id);
  if (state === 'MASTER') return null;
  const says = `${c.who} is standby on host ${c.view.host} (keepalived ${state ?? 'not running'}): it holds none of its addresses here; its active node routes`;
  return dropped(c, { code: 'standby', refs: [c.owner], says }, []);
}

/** The netfilter packet at this point of the namespace's path. */
function at(c: Inside, outIf: string | null, extra: { ctstate?: string[]; mark?: number } = {}) {
  return netfilterPacket(c.packet, { inIf: c.into.device, outIf, physIn: null, physOut: null, bridged: false }, extra);
}

/** A qdhcp namespace is an end: the DHCP port answers for its own addresses and forwards nothing. */
function notARouter(c: Inside): NamespaceResult {
  const dst = c.packet.dst;
  const own = holder(c.view, c.netns, dst);
  if (own) return { kind: 'delivered', hop: hop(c, `${c.who}: ${dst} is its own address`, 'pass', []), portId: own.portId };
  return dropped(c, { code: 'no-route', refs: [c.owner], says: `${c.who} does not route: ${dst} is not its address` }, []);
}

function prerouting(c: Inside, tables: SavedTables): Prerouting {
  const mangle = evaluateChain(tables, 'mangle', 'PREROUTING', at(c, null), noSets);
  const dnat = evaluateChain(tables, 'nat', 'PREROUTING', at(c, null, { mark: mangle.mark }), noSets);
  const evidence = [...ruleEvidence(c.view, mangle, c.netns), ...ruleEvidence(c.view, dnat, c.netns)];
  if (dnat.nat?.kind !== 'DNAT') return { dnat, dst: c.packet.dst, dport: c.packet.dport, evidence };
  const target = dnatTarget(dnat.nat.to, c.packet.dport);
  return { dnat, dst: target.ip, dport: target.port, evidence };
}

/** `ip route get DST from SRC iif DEV`, and what it means. */
function routeEvidence(c: Inside, dst: string, route: RouteAnswer, out: ServicePortItem | undefined): RouteEvidence {
  const { type, dev, gateway, error } = route;
  const base = { kind: 'route', netns: c.netns, dst, src: c.packet.src, iif: c.into.device, type, dev, gateway, error } as const;
  if (route.error || (route.type !== 'unicast' && route.type !== 'local'))
    return { ...base, says: route.error ?? route.type, refs: [c.owner] };
  if (route.type === 'local') return { ...base, says: `${dst} is an address of the router itself`, refs: [c.owner] };
  const port = out ? ` (${c.view.labels.label({ kind: 'port', id: out.portId })})` : '';
  return { ...base, says: `routed out of ${route.dev}${port}`, refs: out ? [{ kind: 'port', id: out.portId }] : [] };
}

/**
 * The router keeps the packet (a local route). When the intent forwards this address to a port
 * as a floating IP, its DNAT rule is missing: the router answers the floating IP itself.
 */
function local(c: Inside, pre: Prerouting): NamespaceResult {
  const { dst, evidence } = pre;
  const floating =
    pre.dnat.nat?.kind === 'DNAT'
      ? undefined
      : [...c.view.labels.replica.floatingips.values()].find(
          (f) => f.floating_ip_address === dst && f.port_id && f.router_id === c.owner.id,
        );
  if (!floating) {
    const unforwarded = notForwarded(c, pre);
    if (unforwarded) return unforwarded;
    const own = holder(c.view, c.netns, dst);
    return {
      kind: 'delivered',
      hop: hop(c, `${c.who}: ${dst} is its own address`, 'pass', evidence),
      portId: own?.portId ?? c.into.portId,
    };
  }
  const fip = `floating IP ${dst} (${floating.id.slice(0, 8)})`;
  const planned = c.view.plan.floatingIps.some((f) => f.netns === c.netns && f.floatingIpAddress === dst);
  const why = planned
    ? "the agent's plan has the rule, so the host has drifted"
    : "the agent's plan does not have it yet (the association is newer than its last pass)";
  const says = `${c.who} has no DNAT rule for ${fip} (to ${floating.fixed_ip_address}): the router answers it itself; ${why} (quark explain floatingip ${dst})`;
  return dropped(c, { code: 'missing-nat', refs: [c.owner, { kind: 'floatingip', id: floating.id }], says }, evidence);
}

/**
 * A TCP or UDP connection to a floating IP of port forwardings that no DNAT rule took: the
 * router answers it itself (a reset, or a port unreachable). Either no forwarding has its port,
 * or the host lacks the rule of one that has.
 */
function notForwarded(c: Inside, pre: Prerouting): NamespaceResult | null {
  const { dst, evidence } = pre;
  const p = c.packet;
  if (pre.dnat.nat || p.protocol === 'icmp' || p.dport === null) return null;
  const replica = c.view.labels.replica;
  const fip = [...replica.floatingips.values()].find((f) => f.floating_ip_address === dst && f.router_id === c.owner.id);
  const forwardings = fip ? [...(replica.portForwardings?.values() ?? [])].filter((x) => x.floatingip_id === fip.id) : [];
  if (!fip || forwardings.length === 0) return null;
  const within = (range: string) => {
    const [a, b = a] = range.split(':').map(Number) as [number, number?];
    return p.dport! >= a && p.dport! <= b;
  };
  const meant = forwardings.find((x) => x.protocol === p.protocol && within(x.external_port_range));
  const refs: ObjectRef[] = [c.owner, { kind: 'floatingip', id: fip.id }];
  const what = `${p.protocol}/${p.dport} to floating IP ${dst} (${fip.id.slice(0, 8)})`;
  if (meant) {
    const pf: ObjectRef = { kind: 'port_forwarding', id: meant.id };
    const planned = (c.view.plan.portForwardings ?? []).some((x) => x.origin.id === meant.id);
    const why = planned
      ? "the agent's plan has the rule, so the host has drifted"
      : "the agent's plan does not have it yet (the forwarding is newer than its last pass)";
    const says = `${c.who} has no DNAT rule for ${c.view.labels.label(pf)}: it answers ${what} itself; ${why} (quark explain floatingip ${dst})`;
    return dropped(c, { code: 'missing-nat', refs: [...refs, pf], says }, evidence);
  }
  const list = forwardings
    .map((x) => `${x.protocol}/${x.external_port_range.replace(/^(\d+):\1$/, '$1').replace(':', '-')}`)
    .sort()
    .join(', ');
  const says = `${c.who} answers ${what} itself: its port forwardings take ${list}, none this port`;
  return dropped(c, { code: 'not-forwarded', refs, says }, evidence);
}

/**
 * The MAC of `ip` on the network behind `out`: a floating IP's router (its gateway answers ARP
 * for it), else the API's port that holds it, else the namespace's neighbours.
 */
async function nextHop(c: Inside, out: ServicePortItem, ip: string): Promise<NeighbourEvidence> {
  const base = { kind: 'neighbour', netns: c.netns, ip, dev: out.device } as const;
  const replica = c.view.labels.replica;
  const network = replica.ports.get(out.portId)?.network_id;
  const fip = [...replica.floatingips.values()].find((f) => f.floating_network_id === network && f.floating_ip_address === ip);
  if (fip) {
    const ref: ObjectRef = { kind: 'floatingip', id: fip.id };
    const router = fip.port_id && fip.router_id ? replica.routers.get(fip.router_id) : undefined;
    const gateway = router?.gw_port_id ? replica.ports.get(router.gw_port_id) : undefined;
    if (!gateway)
      return {
        ...base,
        mac: null,
        source: 'none',
        says: `${c.view.labels.label(ref)} points nowhere: nothing answers its ARP`,
        refs: [ref],
      };
    const says = `${c.view.labels.label(ref)} is answered by the gateway of ${c.view.labels.label({ kind: 'router', id: router!.id })}`;
    return { ...base, mac: gateway.mac_address, source: 'port', says, refs: [ref] };
  }
  for (const p of replica.ports.values()) {
    if (p.device_owner === 'network:floatingip') continue;
    if (p.network_id === network && p.fixed_ips.some((f) => f.ip_address === ip)) {
      const port: ObjectRef = { kind: 'port', id: p.id };
      return { ...base, mac: p.mac_address, source: 'port', says: `${c.view.labels.label(port)} holds ${ip}`, refs: [] };
    }
  }
  const n = (await c.view.neighbours(out.netns)).find((x) => x.ip === ip && x.dev === out.device);
  return n
    ? { ...base, mac: n.mac, source: 'neighbour-table', says: `neighbour table: ${ip} lladdr ${n.mac}`, refs: [] }
    : { ...base, mac: null, source: 'none', says: `no port and no neighbour entry for ${ip}`, refs: [] };
}

/** Routed on: filter FORWARD, nat POSTROUTING (SNAT), then the next hop's MAC. */
async function forward(c: Inside, tables: SavedTables, pre: Prerouting, route: RouteAnswer, out: ServicePortItem | undefined) {
  const { dst, dport, evidence } = pre;
  const dev = route.dev!;
  const dnatted = pre.dnat.nat?.kind === 'DNAT' ? ['DNAT'] : [];
  const filter = evaluateChain(tables, 'filter', 'FORWARD', at(c, dev, { ctstate: dnatted, mark: pre.dnat.mark }), noSets);
  evidence.push(...ruleEvidence(c.view, filter, c.netns));
  if (filter.verdict !== 'ACCEPT' || !out) {
    const why = out ? `its filter FORWARD chain dropped it` : `${dev} is not one of its ports`;
    return dropped(c, { code: out ? 'firewall' : 'no-route', refs: [c.owner], says: `${c.who}: ${why}` }, evidence);
  }
  const snat = evaluateChain(tables, 'nat', 'POSTROUTING', at(c, dev, { ctstate: dnatted, mark: filter.mark }), noSets);
  evidence.push(...ruleEvidence(c.view, snat, c.netns));
  const src = snat.nat?.kind === 'SNAT' ? snat.nat.to : c.packet.src;
  const hopIp = route.gateway ?? dst;
  const mac = await nextHop(c, out, hopIp);
  evidence.push(mac);
  const forwarding = pre.evidence.flatMap((e) => e.refs).find((r) => r.kind === 'port_forwarding');
  const dnat =
    dport !== c.packet.dport
      ? `DNAT ${c.packet.dst}:${c.packet.dport} → ${dst}:${dport}${forwarding ? ` by ${c.view.labels.label(forwarding)}` : ''}`
      : `DNAT ${c.packet.dst} → ${dst}`;
  const nat = [dnatted.length > 0 ? dnat : '', snat.nat?.kind === 'SNAT' ? `SNAT ${c.packet.src} → ${src}` : 'no SNAT'];
  const says = `${c.who} routes ${dst} out of ${dev}${route.gateway ? ` via ${route.gateway}` : ''} (${nat.filter(Boolean).join(', ')})`;
  if (!mac.mac && !isDevice('qg-', out.device)) {
    const network = c.view.labels.replica.ports.get(out.portId)?.network_id;
    const on = network ? ` on ${c.view.labels.label({ kind: 'network', id: network })}` : '';
    const cause: DropCause = {
      code: 'no-neighbour',
      refs: [c.owner, ...(network ? [{ kind: 'network', id: network } as const] : [])],
      says: `${c.who}: no port${on} holds ${hopIp}, so its ARP goes unanswered`,
    };
    return dropped(c, cause, evidence, `${says}; ${cause.says}`);
  }
  const packet: TracePacket = { ...c.packet, src, dst, dport, srcMac: out.mac, dstMac: mac.mac, ttl: c.packet.ttl - 1 };
  return { kind: 'forward', hop: hop(c, says, 'pass', evidence), out, packet } as const;
}

/**
 * Redirected to a port of the router itself (Neutron's metadata REDIRECT): filter INPUT decides,
 * and the agent's metadata proxy listening there (haproxy) takes it, to hand it to the host's
 * metadata agent.
 */
function redirected(c: Inside, tables: SavedTables, pre: Prerouting): NamespaceResult {
  const port = pre.dnat.nat!.to;
  const input = evaluateChain(tables, 'filter', 'INPUT', at(c, null, { mark: pre.dnat.mark }), noSets);
  const evidence = [...pre.evidence, ...ruleEvidence(c.view, input, c.netns)];
  if (input.verdict !== 'ACCEPT') {
    const says = `${c.who}: its filter INPUT chain dropped the request redirected to port ${port}`;
    return dropped(c, { code: 'firewall', refs: [c.owner], says }, evidence);
  }
  const proxy = c.view.plan.daemons.find((d) => d.netns === c.netns && d.service === 'haproxy');
  if (!proxy) {
    const says = `${c.who} redirects ${c.packet.dst} to port ${port}, but the agent runs no metadata proxy there`;
    return dropped(c, { code: 'no-route', refs: [c.owner], says }, evidence);
  }
  const service = `the metadata proxy of ${c.who} (haproxy on port ${port} in ${c.netns}), which hands it to the host's metadata agent`;
  const says = `${c.who} redirects ${c.packet.dst}:${c.packet.dport} to port ${port}: ${service}`;
  return { kind: 'delivered', hop: hop(c, says, 'pass', evidence), portId: c.into.portId, service };
}

/**
 * The reply of a connection whose first packet crossed this router: conntrack undoes what the
 * router's NAT did to the first packet (the nat table is not read again, NAT is decided once),
 * and filter FORWARD sees it ESTABLISHED. The route is looked up for the untranslated
 * destination, as the kernel does after conntrack's reverse NAT in PREROUTING.
 */
async function replied(c: Inside, tables: SavedTables, entry: ConntrackEntry): Promise<NamespaceResult> {
  const p = c.packet;
  const src = p.src === entry.after.dst ? entry.before.dst : p.src;
  const dst = p.dst === entry.after.src ? entry.before.src : p.dst;
  const route = await c.view.routeGet(c.netns, dst, p.src, c.into.device);
  const out =
    route.type === 'unicast' ? c.view.plan.servicePorts.find((s) => s.netns === c.netns && s.device === route.dev) : undefined;
  const evidence: Evidence[] = [routeEvidence(c, dst, route, out)];
  if (route.error || route.type !== 'unicast' || !out) {
    const says = `${c.who} has no route for the reply to ${dst} (${route.error ?? route.type})`;
    return dropped(c, { code: 'no-route', refs: [c.owner], says }, evidence);
  }
  const filter = evaluateChain(tables, 'filter', 'FORWARD', at(c, out.device), noSets);
  evidence.push(...ruleEvidence(c.view, filter, c.netns));
  if (filter.verdict !== 'ACCEPT') {
    const says = `${c.who}: its filter FORWARD chain dropped the reply`;
    return dropped(c, { code: 'firewall', refs: [c.owner], says }, evidence);
  }
  const mac = await nextHop(c, out, route.gateway ?? dst);
  evidence.push(mac);
  const nat = [src !== p.src ? `source ${p.src} → ${src}` : '', dst !== p.dst ? `destination ${p.dst} → ${dst}` : '']
    .filter(Boolean)
    .join(', ');
  const says = `${c.who} routes the reply to ${dst} out of ${out.device} (conntrack: ${nat || 'no NAT to undo'})`;
  if (!mac.mac && !out.device.startsWith('qg-')) {
    const cause: DropCause = { code: 'no-neighbour', refs: [c.owner], says: `${c.who}: nothing answers the ARP for ${dst}` };
    return dropped(c, cause, evidence, `${says}; ${cause.says}`);
  }
  const packet: TracePacket = { ...p, src, dst, srcMac: out.mac, dstMac: mac.mac, ttl: p.ttl - 1 };
  return { kind: 'forward', hop: hop(c, says, 'pass', evidence), out, packet };
}

/**
 * A packet entering one of the agent's namespaces through `into`: delivered to the namespace's
 * own address, dropped (with why), or routed on out of another of its ports.
 */
export async function enterNamespace(view: HostView, into: ServicePortItem, p: TracePacket): Promise<NamespaceResult> {
  const c = inside(view, into, p);
  if (namespaceOwner(c.netns)?.kind !== 'router') return notARouter(c);
  const notActive = await standby(c);
  if (notActive) return notActive;
  const tables = await view.iptables(c.netns, familyOf(p));
  const entry = p.reply?.conntrack.find((e) => e.host === view.host && e.netns === c.netns);
  if (entry) return replied(c, tables, entry);
  const pre = prerouting(c, tables);
  if (pre.dnat.nat?.kind === 'REDIRECT') return redirected(c, tables, pre);
  const route = await view.routeGet(c.netns, pre.dst, p.src, into.device);
  const out =
    route.type === 'unicast' ? view.plan.servicePorts.find((s) => s.netns === c.netns && s.device === route.dev) : undefined;
  pre.evidence.push(routeEvidence(c, pre.dst, route, out));
  if (route.error || (route.type !== 'unicast' && route.type !== 'local')) {
    const says = `${c.who} has no route to ${pre.dst} (${route.error ?? route.type})`;
    return dropped(c, { code: 'no-route', refs: [c.owner], says }, pre.evidence);
  }
  if (route.type === 'local') return local(c, pre);
  return forward(c, tables, pre, route, out);
}
