/**
 * Where a traced packet starts and which MAC it is sent to, from the API alone, as the sender
 * would decide: an instance sends to the holder of the destination when it is on its own
 * network (on-link), else to its subnet's host route or gateway (what DHCP or the router's
 * advertisements told it); a host outside the cloud reaches addresses of external networks
 * (floating IPs, router gateways) and projects' IPv6 addresses behind a router, answered by the
 * router's gateway port. When the intent has no such next hop the
 * trace ends here, with the cause in API terms.
 */
import type { IpAddress } from '../../model/ip/address.js';
import { parseIp } from '../../model/ip/address.js';
import { type Cidr, cidrContains, parseCidr } from '../../model/ip/cidr.js';
import { type Port, type Subnet, isRouterInterface } from '../../model/resources.js';
import type { ObjectRef, TracePacket, TraceStart } from '../../model/trace.js';
import { ipKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import type { Endpoint } from './endpoints.js';
import type { Names } from './names.js';

export type FirstHop =
  | { readonly kind: 'walk'; readonly host: string; readonly start: TraceStart; readonly packet: TracePacket }
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
  if (!host || port['binding:vif_type'] !== 'ovs') {
    return unreachable(`${names.label(me)} is not bound to a host with an Open vSwitch agent, so it sends nothing`, [me]);
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
 * IPv6 is routed without NAT: from outside, a project's IPv6 address is reached through the
 * router that has an interface on its subnet, by that router's gateway port (the upstream routes
 * the prefix there).
 */
function routedIpv6(view: ReadView, dst: IpAddress): Port | undefined {
  if (dst.version !== 6) return undefined;
  for (const s of view.all('subnet')) {
    if (!on(s, dst)) continue;
    const qr = view.by('port', 'subnet', s.id).find(isRouterInterface);
    const router = qr ? view.get('router', qr.device_id) : undefined;
    if (router?.gw_port_id) return view.get('port', router.gw_port_id);
  }
  return undefined;
}

function fromOutside(view: ReadView, names: Names, to: Endpoint, p: TracePacket): FirstHop {
  const dst = parseIp(p.dst)!;
  const externals = view.all('network').filter((n) => n['router:external']);
  const gateway = routedIpv6(view, dst);
  const physnetOf = (id: string) => view.get('network', id)?.['provider:physical_network'];
  if (gateway && physnetOf(gateway.network_id)) {
    return {
      kind: 'walk',
      host: gateway['binding:host_id'],
      start: { at: 'external', physnet: physnetOf(gateway.network_id)! },
      packet: { ...p, srcMac: null, dstMac: gateway.mac_address },
    };
  }
  const network = externals.find((n) => view.by('subnet', 'network', n.id).some((s) => on(s, dst)));
  const toPort = to.kind === 'port' ? names.label({ kind: 'port', id: to.port.id }) : null;
  if (!network) {
    const hint =
      toPort && to.kind === 'port' && !to.floating
        ? `; ${toPort} is reached from outside only through a floating IP${view.by('floatingip', 'port', to.port.id).length === 0 ? ', and it has none' : ''}`
        : '';
    return unreachable(
      `${p.dst} is not an address of an external network: from outside the cloud only floating IPs and router gateways can be reached${hint}`,
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
