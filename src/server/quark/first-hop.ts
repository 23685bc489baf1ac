/**
 * Where a traced packet starts and which MAC it is sent to, from the API alone, as the sender
 * would decide: an instance sends to the holder of the destination when it is on its own
 * network (on-link), else to its subnet's host route or gateway (what DHCP or the router's
 * advertisements told it); a host outside the cloud reaches addresses of external networks
 * (floating IPs, router gateways) and projects' IPv6 addresses behind a router, answered by the
 * router's gateway port. When the intent has no such next hop the
 * trace ends here, with the cause in API terms.
 */
import { type IpAddress, formatIp, parseIp } from '../../model/ip/address.js';
import { type Cidr, cidrContains, parseCidr } from '../../model/ip/cidr.js';
import { type Port, type Subnet, isRouterInterface } from '../../model/resources.js';
import type { ObjectRef, RouteAssumption, TracePacket, TraceStart } from '../../model/trace.js';
import { ipKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import { bindingProblem } from '../plugin/port-binding.js';
import type { Endpoint } from './endpoints.js';
import type { Names } from './names.js';

export type FirstHop =
  | {
      readonly kind: 'walk';
      readonly host: string;
      readonly start: TraceStart;
      readonly packet: TracePacket;
      /** What the path takes for granted outside the cloud (the sender's route to a project's subnet). */
      readonly assumes?: RouteAssumption;
    }
  | { readonly kind: 'unreachable'; readonly says: string; readonly refs: readonly ObjectRef[] };

const cidrOf = (s: Subnet): Cidr | null => parseCidr(s.cidr);
const on = (s: Subnet, ip: IpAddress) => {
  const c = cidrOf(s);
  return c !== null && c.version === ip.version && cidrContains(c, ip);
};

function holder(view: ReadView, networkId: string, ip: string): Port | undefined {
  return view.by('port', 'ip', ipKey(networkId, ip))[0];
}

function unreachable(says: string, refs: ObjectRef[]): FirstHop {
  return { kind: 'unreachable', says, refs };
}

/** The next hop an instance uses for `dst`: a host route (longest prefix) or the gateway. */
function nextHop(subnet: Subnet, dst: IpAddress): string | null {
  let best: { prefix: number; nexthop: string } | null = null;
  for (const r of subnet.host_routes) {
    const c = parseCidr(r.destination);
    if (c && c.version === dst.version && cidrContains(c, dst) && (!best || c.prefixLength > best.prefix)) {
      best = { prefix: c.prefixLength, nexthop: r.nexthop };
    }
  }
  return best?.nexthop ?? subnet.gateway_ip;
}

function fromPort(
  view: ReadView,
  names: Names,
  from: Extract<Endpoint, { kind: 'port' }>,
  to: Endpoint,
  p: TracePacket,
): FirstHop {
  const port = from.port;
  const me: ObjectRef = { kind: 'port', id: port.id };
  const host = port['binding:host_id'];
  if (!host || (port['binding:vif_type'] !== 'ovs' && port['binding:vif_type'] !== 'bridge')) {
    // Why the binding failed, by what the host's L2 agent can carry (its liveness aside).
    const why =
      port['binding:vif_type'] === 'binding_failed' ? bindingProblem(view, port, new Date().toISOString(), Infinity) : null;
    const failed = why ? ` (binding failed: ${why})` : host ? ` (binding failed on host ${host})` : '';
    return unreachable(`${names.label(me)} is not bound to a host with an L2 agent${failed}, so it sends nothing`, [me]);
  }
  const dst = parseIp(p.dst)!;
  const subnets = view.by('subnet', 'network', port.network_id);
  const net: ObjectRef = { kind: 'network', id: port.network_id };
  const own = subnets.find((s) => on(s, parseIp(p.src)!));
  const local = subnets.find((s) => on(s, dst));
  let target: Port | undefined;
  if (local) {
    target = holder(view, port.network_id, p.dst);
    // The destination port, when it is on another network than the source (tenants reuse addresses).
    const other =
      to.kind === 'port' && to.port.network_id !== port.network_id
        ? `${names.label({ kind: 'port', id: to.port.id })} is on ${names.label({ kind: 'network', id: to.port.network_id })}`
        : null;
    if (target?.id === port.id) {
      const why = other ? `; ${other}, another network with the same addresses, which no router can join to this one` : '';
      return unreachable(`${names.label(me)} holds ${p.dst} itself on ${names.label(net)}, so the packet never leaves it${why}`, [
        me,
        net,
      ]);
    }
    if (!target) {
      return unreachable(
        `${p.dst} is on ${names.label(net)} (on-link for ${names.label(me)}), but no port of that network holds it, so nothing answers its ARP${other ? `; ${other}, which is another network` : ''}`,
        [net, me],
      );
    }
  } else {
    const subnet: ObjectRef | null = own ? { kind: 'subnet', id: own.id } : null;
    const hop = own ? nextHop(own, dst) : null;
    if (!own || !hop) {
      return unreachable(
        `${subnet ? names.label(subnet) : names.label(net)} has no gateway, so ${names.label(me)} has no route to ${p.dst}`,
        subnet ? [subnet, me] : [net, me],
      );
    }
    target = holder(view, port.network_id, hop);
    if (!target) {
      return unreachable(
        `no router: ${names.label(subnet!)} has gateway ${hop}, but no router has an interface on it, so ${names.label(me)} cannot reach ${p.dst}`,
        [subnet!, net],
      );
    }
  }
  return { kind: 'walk', host, start: { at: 'port', portId: port.id }, packet: { ...p, dstMac: target.mac_address } };
}

/**
 * The router that a host outside reaches a fixed address through, if it routes the address's
 * subnet via that router's gateway: the router with an interface on the subnet and a gateway.
 * IPv6 is routed without NAT (the lab's internet host routes each prefix so); IPv4 likewise
 * for a sender that routes the subnet there.
 */
function routedVia(
  view: ReadView,
  names: Names,
  dst: IpAddress,
  to: Endpoint,
): { gateway: Port; assumes: RouteAssumption } | { ambiguous: string } | null {
  const found: { gateway: Port; assumes: RouteAssumption }[] = [];
  for (const s of view.all('subnet')) {
    if (!on(s, dst) || (to.kind === 'port' && to.port.network_id !== s.network_id)) continue;
    const qr = view.by('port', 'subnet', s.id).find(isRouterInterface);
    const router = qr ? view.get('router', qr.device_id) : undefined;
    const gateway = router?.gw_port_id ? view.get('port', router.gw_port_id) : undefined;
    const via = gateway?.fixed_ips.find((f) => parseIp(f.ip_address)?.version === dst.version)?.ip_address;
    if (!router || !gateway || !via) continue;
    const says = `the sender routes ${s.cidr} via ${via}, the gateway of ${names.label({ kind: 'router', id: router.id })} (the cloud announces no such route)`;
    found.push({ gateway, assumes: { says, destination: s.cidr, via } });
  }
  if (found.length > 1)
    return { ambiguous: `${formatIp(dst)} is behind ${found.length} routers (projects reuse addresses): give a port id` };
  return found[0] ?? null;
}

function fromOutside(view: ReadView, names: Names, to: Endpoint, p: TracePacket): FirstHop {
  const dst = parseIp(p.dst)!;
  const physnetOf = (id: string) => view.get('network', id)?.['provider:physical_network'];
  if (to.kind === 'external' && to.floating) {
    const fip: ObjectRef = { kind: 'floatingip', id: to.floating.id };
    return unreachable(`${names.label(fip)} is not associated with any port: nothing answers for ${p.dst}`, [fip]);
  }
  const externals = view.all('network').filter((n) => n['router:external']);
  const network = externals.find((n) => view.by('subnet', 'network', n.id).some((s) => on(s, dst)));
  const routed = network ? null : routedVia(view, names, dst, to);
  if (routed && 'ambiguous' in routed) return unreachable(routed.ambiguous, []);
  if (routed && physnetOf(routed.gateway.network_id)) {
    const router: ObjectRef = { kind: 'router', id: routed.gateway.device_id };
    if (!routed.gateway['binding:host_id'])
      return unreachable(`${names.label(router)} is hosted nowhere: its gateway port is bound to no host`, [router]);
    return {
      kind: 'walk',
      host: routed.gateway['binding:host_id'],
      start: { at: 'external', physnet: physnetOf(routed.gateway.network_id)! },
      packet: { ...p, srcMac: null, dstMac: routed.gateway.mac_address },
      assumes: routed.assumes,
    };
  }
  if (!network) {
    const hint =
      to.kind === 'port' && !to.floating
        ? `; ${names.label({ kind: 'port', id: to.port.id })} is reached from outside through a floating IP${view.count('floatingip', 'port', to.port.id) === 0 ? ' (it has none)' : ''}, or through its router's gateway (no router with a gateway serves it)`
        : '';
    return unreachable(
      `${p.dst} is not an address of an external network nor behind a router with a gateway: from outside the cloud only floating IPs, router gateways and the subnets behind them can be reached${hint}`,
      to.kind === 'port' ? [{ kind: 'port', id: to.port.id }] : [],
    );
  }
  const fip = view.all('floatingip').find((f) => f.floating_ip_address === p.dst);
  const router = fip?.router_id ? view.get('router', fip.router_id) : undefined;
  const answering = router?.gw_port_id ? view.get('port', router.gw_port_id) : holder(view, network.id, p.dst);
  const physnet = network['provider:physical_network'];
  if (!answering || !physnet) {
    const what = fip
      ? `floating IP ${p.dst} has no router with a gateway to answer for it`
      : `no port of ${names.label({ kind: 'network', id: network.id })} holds ${p.dst}`;
    return unreachable(what, [{ kind: 'network', id: network.id }]);
  }
  if (!answering['binding:host_id']) {
    // Nothing answers for the address: the router's gateway port is on no host (no live L3 agent took the router).
    const owner = router ? names.label({ kind: 'router', id: router.id }) : names.label({ kind: 'port', id: answering.id });
    return unreachable(
      `${owner} is hosted nowhere: its gateway port is bound to no host, so no L3 agent answers for ${p.dst} (is one alive? GET /v2.0/agents)`,
      [router ? { kind: 'router', id: router.id } : { kind: 'port', id: answering.id }],
    );
  }
  return {
    kind: 'walk',
    host: answering['binding:host_id'],
    start: { at: 'external', physnet },
    packet: { ...p, srcMac: null, dstMac: answering.mac_address },
  };
}

export function firstHop(view: ReadView, names: Names, from: Endpoint, to: Endpoint, p: TracePacket): FirstHop {
  return from.kind === 'port' ? fromPort(view, names, from, to, p) : fromOutside(view, names, to, p);
}
