/**
 * A router judged from the API alone, for a host whose agent cannot be asked: what the qrouter
 * namespace compiled from the same intent does with a packet. DNAT of its floating IPs, then
 * the route (its interfaces' subnets, its extra routes, else its gateway), then SNAT on the way
 * out of the gateway (a fixed IP's floating IP, else the gateway address when SNAT is on). The
 * reply of a connection it saw has that NAT undone instead (conntrack).
 */
import { parseIp } from '../../model/ip/address.js';
import { cidrContains, parseCidr } from '../../model/ip/cidr.js';
import type { Port, Router, Subnet } from '../../model/resources.js';
import type { ConntrackEntry, DropCause, ObjectRef, TracePacket } from '../../model/trace.js';
import { ipKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import type { Names } from './names.js';

export type RouterStep =
  | {
      readonly kind: 'forward';
      readonly says: string;
      readonly out: Port;
      readonly packet: TracePacket;
      readonly entry: ConntrackEntry | null;
    }
  /** Out of the gateway to an address no port holds: it leaves the cloud. */
  | {
      readonly kind: 'external';
      readonly says: string;
      readonly out: Port;
      readonly packet: TracePacket;
      readonly entry: ConntrackEntry | null;
    }
  | { readonly kind: 'delivered'; readonly says: string; readonly port: Port }
  | { readonly kind: 'dropped'; readonly cause: DropCause };

const on = (s: Subnet, ip: string) => {
  const c = parseCidr(s.cidr);
  const a = parseIp(ip);
  return c !== null && a !== null && c.version === a.version && cidrContains(c, a);
};

/** The port of `network` that answers ARP for `ip`: a port holding it, or the router behind a floating IP. */
function answering(view: ReadView, networkId: string, ip: string): Port | undefined {
  const fip = view.by('floatingip', 'network', networkId).find((f) => f.floating_ip_address === ip);
  if (fip) {
    const router = fip.port_id && fip.router_id ? view.get('router', fip.router_id) : undefined;
    return router?.gw_port_id ? view.get('port', router.gw_port_id) : undefined;
  }
  return view.by('port', 'ip', ipKey(networkId, ip)).find((p) => p.device_owner !== 'network:floatingip');
}

/** Where the router sends `dst`: out of which of its ports, to which next hop. */
function route(view: ReadView, router: Router, ports: readonly Port[], dst: string): { out: Port; via: string } | null {
  let best: { out: Port; via: string; prefix: number } | null = null;
  const consider = (out: Port | undefined, via: string, prefix: number) => {
    if (out && (!best || prefix > best.prefix)) best = { out, via, prefix };
  };
  for (const port of ports) {
    for (const f of port.fixed_ips) {
      const s = view.get('subnet', f.subnet_id);
      if (s && on(s, dst)) consider(port, dst, parseCidr(s.cidr)!.prefixLength);
    }
  }
  for (const r of router.routes) {
    const c = parseCidr(r.destination);
    const d = parseIp(dst);
    if (!c || !d || c.version !== d.version || !cidrContains(c, d)) continue;
    const out = ports.find((p) =>
      p.fixed_ips.some((f) => {
        const s = view.get('subnet', f.subnet_id);
        return s && on(s, r.nexthop);
      }),
    );
    consider(out, r.nexthop, c.prefixLength);
  }
  if (best) return best;
  const gw = router.gw_port_id ? view.get('port', router.gw_port_id) : undefined;
  const family = dst.includes(':') ? 6 : 4;
  const subnet = gw?.fixed_ips.map((f) => view.get('subnet', f.subnet_id)).find((s) => s && s.ip_version === family);
  return gw && subnet?.gateway_ip ? { out: gw, via: subnet.gateway_ip } : null;
}

/**
 * The source nat POSTROUTING gives a new connection, as the router's chains (compile/l3/nat.ts)
 * do: with a gateway, traffic between the router's subnets is left alone unless it was DNATed;
 * the rest takes the floating IP of its source, else the gateway address when it leaves through
 * the gateway with SNAT on, or when it was DNATed from inside (hairpin). IPv4 only.
 */
function snatOf(
  view: ReadView,
  router: Router,
  c: { src: string; dnatted: boolean; outOfGateway: boolean; fromOutside: boolean },
): string | null {
  const gw = router.external_gateway_info?.external_fixed_ips.find((f) => !f.ip_address.includes(':'))?.ip_address;
  if (!gw || c.src.includes(':') || (!c.outOfGateway && !c.dnatted)) return null;
  const fip = view.by('floatingip', 'router', router.id).find((f) => f.fixed_ip_address === c.src && f.port_id);
  if (fip) return fip.floating_ip_address;
  if (c.outOfGateway && router.external_gateway_info?.enable_snat !== false) return gw;
  return c.dnatted && !c.fromOutside ? gw : null;
}

/** A packet entering `router` (on `host`) through its port `into`, by the intent. */
export function routeByIntent(
  view: ReadView,
  names: Names,
  host: string,
  router: Router,
  into: Port,
  p: TracePacket,
): RouterStep {
  const me: ObjectRef = { kind: 'router', id: router.id };
  const who = names.label(me);
  const netns = `qrouter-${router.id}`;
  const ports = view.by('port', 'device', router.id).filter((x) => x.device_owner.startsWith('network:router_'));
  const drop = (code: DropCause['code'], says: string, refs: ObjectRef[] = [me]): RouterStep => ({
    kind: 'dropped',
    cause: { code, says, refs },
  });
  const entry = p.reply?.conntrack.find((e) => e.host === host && e.netns === netns);
  let src = p.src;
  let dst = p.dst;
  const nat: string[] = [];
  if (entry) {
    if (p.src === entry.after.dst) src = entry.before.dst;
    if (p.dst === entry.after.src) dst = entry.before.src;
    nat.push(`conntrack: ${src !== p.src || dst !== p.dst ? `${p.src} → ${p.dst} back to ${src} → ${dst}` : 'no NAT to undo'}`);
  } else if (!p.reply) {
    const fip = view.by('floatingip', 'router', router.id).find((f) => f.floating_ip_address === p.dst && f.port_id);
    if (fip?.fixed_ip_address) {
      dst = fip.fixed_ip_address;
      nat.push(`DNAT ${p.dst} → ${dst}`);
    }
  }
  const own = ports.find((x) => x.fixed_ips.some((f) => f.ip_address === dst));
  if (own && dst === p.dst) return { kind: 'delivered', says: `${who}: ${dst} is its own address`, port: own };
  const way = route(view, router, ports, dst);
  if (!way) return drop('no-route', `${who} has no route to ${dst}`);
  const gateway = way.out.id === router.gw_port_id;
  const snat = p.reply
    ? null
    : snatOf(view, router, { src, dnatted: dst !== p.dst, outOfGateway: gateway, fromOutside: into.id === router.gw_port_id });
  if (snat) {
    nat.push(`SNAT ${src} → ${snat}`);
    src = snat;
  }
  const says = `${who} routes ${dst} out of ${names.label({ kind: 'port', id: way.out.id })}${way.via !== dst ? ` via ${way.via}` : ''} (${nat.join(', ') || 'no NAT'})`;
  const packet: TracePacket = { ...p, src, dst, srcMac: way.out.mac_address, dstMac: null, ttl: p.ttl - 1 };
  const recorded = p.reply ? null : { host, netns, before: { src: p.src, dst: p.dst }, after: { src, dst } };
  const next = answering(view, way.out.network_id, way.via);
  if (next) return { kind: 'forward', says, out: way.out, packet: { ...packet, dstMac: next.mac_address }, entry: recorded };
  if (gateway) return { kind: 'external', says, out: way.out, packet, entry: recorded };
  const net: ObjectRef = { kind: 'network', id: way.out.network_id };
  return drop('no-neighbour', `${who}: no port on ${names.label(net)} holds ${way.via}, so its ARP goes unanswered`, [me, net]);
}
