/**
 * A router's namespace as Neutron's legacy L3 agent builds it: `qrouter-<router id>` with IP
 * forwarding on; one `qr-` device per interface port holding the subnet gateway addresses;
 * one `qg-` device on the external network holding the gateway addresses and every floating
 * IP as a /32; a default route via the external subnet's gateway and the router's extra
 * routes. Devices join br-int as veth pairs whose outer end (`tap…`) carries the port's
 * iface-id, so the L2 part wires them like any VIF once the port is bound to this host.
 */
import { ADDRESS_BITS, parseIp } from '../../../model/ip/address.js';
import { cidrContains, formatCidr, parseCidr } from '../../../model/ip/cidr.js';
import { INTEGRATION_BRIDGE, qgDevice, qrDevice, routerNamespace, tapDevice } from '../../../model/names.js';
import type { FloatingIpItem, NetnsItem, Origin, RouteItem, ServicePortItem, SysctlItem } from '../plan.js';
import type { RouterPort, RouterView } from './router-view.js';

/** The bridge a router device of a network joins on this host (mechanisms.ts portBridge). */
export type BridgeOf = (networkId: string) => string;

/** Neutron's namespace sysctls: forward, and answer ARP only for addresses of the asking device. */
const SYSCTLS: readonly (readonly [string, string])[] = [
  ['net.ipv4.ip_forward', '1'],
  ['net.ipv4.conf.all.arp_ignore', '1'],
  ['net.ipv4.conf.all.arp_announce', '2'],
  ['net.ipv6.conf.all.forwarding', '1'],
];

const routerOrigin = (view: RouterView): Origin => ({ kind: 'router', id: view.router.id });

function byAddress(a: string, b: string): number {
  const x = parseIp(a)?.value ?? 0n;
  const y = parseIp(b)?.value ?? 0n;
  return x < y ? -1 : x > y ? 1 : 0;
}

function prefixed(p: RouterPort): string[] {
  return p.addresses.map((a) => `${a.ip}/${a.subnet.cidr.split('/')[1]}`);
}

function servicePort(
  netns: string,
  p: RouterPort,
  device: string,
  extra: readonly string[],
  bridgeOf: BridgeOf,
): ServicePortItem {
  return {
    kind: 'servicePort',
    netns,
    device,
    bridgePort: tapDevice(p.port.id),
    bridge: bridgeOf(p.port.network_id),
    portId: p.port.id,
    mac: p.port.mac_address,
    mtu: p.network.mtu,
    addresses: [...prefixed(p), ...extra],
    announce: true,
    origin: { kind: 'port', id: p.port.id },
  };
}

/** A destination as `ip route` prints it: `default`, a bare address for host routes, else a prefix. */
export function routeDestination(text: string): string | null {
  const c = parseCidr(text);
  if (!c) return null;
  if (c.prefixLength === 0) return 'default';
  if (c.prefixLength === ADDRESS_BITS[c.version]) return text.split('/')[0]!;
  return formatCidr(c);
}

/** The router device on the subnet that holds `nexthop`, or null when the router has none. */
function deviceFor(view: RouterView, nexthop: string): string | null {
  const hop = parseIp(nexthop);
  if (!hop) return null;
  const on = (p: RouterPort) => p.addresses.some((a) => cidrContains(parseCidr(a.subnet.cidr)!, hop));
  const qr = view.interfaces.find(on);
  if (qr) return qrDevice(qr.port.id);
  return view.gateway && on(view.gateway) ? qgDevice(view.gateway.port.id) : null;
}

/**
 * The default route via each external subnet's gateway, then the extra routes; an extra route
 * to a destination that is already routed replaces that route (Neutron applies extra routes
 * with `ip route replace` after the gateway). Every route names its device, so the routes read
 * back from the kernel are exactly these.
 */
function routes(view: RouterView, netns: string): RouteItem[] {
  const out = new Map<string, RouteItem>();
  const origin = routerOrigin(view);
  const add = (destination: string, via: string, device: string) => {
    const family = parseIp(via)?.version ?? 4;
    out.set(`${family} ${destination}`, { kind: 'route', netns, destination, via, device, origin });
  };
  if (view.gateway) {
    const qg = qgDevice(view.gateway.port.id);
    const gateways = new Set(view.gateway.addresses.map((a) => a.subnet.gateway_ip).filter((g): g is string => !!g));
    for (const via of gateways) add('default', via, qg);
  }
  for (const r of view.router.routes) {
    const destination = routeDestination(r.destination);
    const device = deviceFor(view, r.nexthop);
    if (destination && device) add(destination, r.nexthop, device);
  }
  return [...out.values()];
}

export interface QrouterItems {
  readonly namespace: NetnsItem;
  readonly sysctls: SysctlItem[];
  readonly servicePorts: ServicePortItem[];
  readonly routes: RouteItem[];
  readonly floatingIps: FloatingIpItem[];
}

export function qrouterItems(view: RouterView, bridgeOf: BridgeOf = () => INTEGRATION_BRIDGE): QrouterItems {
  const netns = routerNamespace(view.router.id);
  const origin = routerOrigin(view);
  const ports = view.interfaces.map((p) => servicePort(netns, p, qrDevice(p.port.id), [], bridgeOf));
  const floatingIps: FloatingIpItem[] = [];
  if (view.gateway) {
    const qg = qgDevice(view.gateway.port.id);
    for (const f of view.floatingIps) {
      floatingIps.push({
        kind: 'floatingIp',
        netns,
        device: qg,
        floatingIpAddress: f.floating_ip_address,
        fixedIpAddress: f.fixed_ip_address!,
        origin: { kind: 'floatingip', id: f.id },
      });
    }
    // Floating IPs of port forwardings are answered here too (Neutron's add_floating_ip for them).
    const forwarded = view.portForwardings.map((x) => x.fip.floating_ip_address);
    const addresses = [...new Set([...floatingIps.map((f) => f.floatingIpAddress), ...forwarded])].sort(byAddress);
    ports.push(
      servicePort(
        netns,
        view.gateway,
        qg,
        addresses.map((a) => `${a}/32`),
        bridgeOf,
      ),
    );
  }
  return {
    namespace: { kind: 'netns', name: netns, origin },
    sysctls: SYSCTLS.map(([key, value]) => ({ kind: 'sysctl', netns, key, value, origin })),
    servicePorts: ports,
    routes: routes(view, netns),
    floatingIps,
  };
}
