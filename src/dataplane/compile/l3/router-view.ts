/**
 * One router as its L3 agent sees it, gathered from the replica: the interface ports with
 * their subnets, the gateway port on the external network, and the floating IPs associated
 * through the router, with what the router extensions add: the port forwardings of its floating
 * IPs, its conntrack helpers and the metering labels that count on it. This is what Neutron's
 * `sync_routers` hands its agent (`_interfaces`, `gw_port`, `_floatingips`,
 * `_pf_floatingips`) and its metering agent (`_metering_labels`). Records the replica lacks (a port not yet arrived) are left out;
 * the next pass after they arrive picks them up.
 */
import { parseIp } from '../../../model/ip/address.js';
import {
  type ConntrackHelper,
  DeviceOwner,
  type FloatingIp,
  isHaRouter,
  isRouterInterface,
  type MeteringLabel,
  type MeteringLabelRule,
  type Network,
  type Port,
  type PortForwarding,
  type Router,
  type Subnet,
} from '../../../model/resources.js';
import type { ReplicaView } from '../inputs.js';

/** A port of the router with the subnets of its fixed IPs, in the port's order. */
export interface RouterPort {
  readonly port: Port;
  readonly network: Network;
  /** Each fixed IP with its subnet (fixed IPs on subnets the replica lacks are left out). */
  readonly addresses: readonly { readonly ip: string; readonly subnet: Subnet }[];
}

export interface RouterView {
  readonly router: Router;
  readonly interfaces: readonly RouterPort[];
  readonly gateway: RouterPort | null;
  /** Associated floating IPs on the gateway's network, by floating address. */
  readonly floatingIps: readonly FloatingIp[];
  /** Port forwardings of the router's floating IPs on the gateway's network, by floating address, then id. */
  readonly portForwardings: readonly { readonly pf: PortForwarding; readonly fip: FloatingIp }[];
  /** By id. */
  readonly conntrackHelpers: readonly ConntrackHelper[];
  /** The labels of the router's project and the shared ones, by id, each with its rules by id. */
  readonly meteringLabels: readonly MeteringLabelOnRouter[];
  /** An HA router's VRRP on this host; null for a legacy router. */
  readonly ha: HaView | null;
}

/** What an HA router needs for VRRP here: this host's HA port and the router's VRRP id. */
export interface HaView {
  /** This host's HA port (its address on the project's HA network); null until the agent made it. */
  readonly port: RouterPort | null;
  /** The router's VRRP router id (1–254); 0 when the server gave none. */
  readonly vrId: number;
}

export interface MeteringLabelOnRouter {
  readonly label: MeteringLabel;
  readonly rules: readonly MeteringLabelRule[];
}

/** The replica's router ports and floating IPs grouped by router, built once per compile. */
export interface RouterIndex {
  readonly interfaces: ReadonlyMap<string, readonly Port[]>;
  readonly floatingIps: ReadonlyMap<string, readonly FloatingIp[]>;
  /** HA ports by router id (every host's: the L2 part floods to their hosts). */
  readonly haPorts: ReadonlyMap<string, readonly Port[]>;
  /** Port forwardings by the router of their floating IP. */
  readonly portForwardings: ReadonlyMap<string, readonly { pf: PortForwarding; fip: FloatingIp }[]>;
  readonly conntrackHelpers: ReadonlyMap<string, readonly ConntrackHelper[]>;
  readonly meteringLabels: readonly MeteringLabelOnRouter[];
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function indexRouters(replica: ReplicaView): RouterIndex {
  const interfaces = new Map<string, Port[]>();
  const floatingIps = new Map<string, FloatingIp[]>();
  const haPorts = new Map<string, Port[]>();
  for (const p of replica.ports.values()) {
    if (isRouterInterface(p)) push(interfaces, p.device_id, p);
    else if (p.device_owner === DeviceOwner.routerHaInterface) push(haPorts, p.device_id, p);
  }
  for (const f of replica.floatingips.values()) {
    if (f.router_id && f.port_id && f.fixed_ip_address) push(floatingIps, f.router_id, f);
  }
  const portForwardings = new Map<string, { pf: PortForwarding; fip: FloatingIp }[]>();
  for (const pf of replica.portForwardings?.values() ?? []) {
    const fip = replica.floatingips.get(pf.floatingip_id);
    if (fip?.router_id && !fip.port_id) push(portForwardings, fip.router_id, { pf, fip });
  }
  const conntrackHelpers = new Map<string, ConntrackHelper[]>();
  for (const c of replica.conntrackHelpers?.values() ?? []) push(conntrackHelpers, c.router_id, c);
  const rules = new Map<string, MeteringLabelRule[]>();
  for (const r of replica.meteringLabelRules?.values() ?? []) push(rules, r.metering_label_id, r);
  const meteringLabels = [...(replica.meteringLabels?.values() ?? [])]
    .sort(byId)
    .map((label) => ({ label, rules: [...(rules.get(label.id) ?? [])].sort(byId) }));
  return { interfaces, floatingIps, haPorts, portForwardings, conntrackHelpers, meteringLabels };
}

function routerPort(replica: ReplicaView, port: Port): RouterPort | null {
  const network = replica.networks.get(port.network_id);
  if (!network) return null;
  const addresses = port.fixed_ips.flatMap((f) => {
    const subnet = replica.subnets.get(f.subnet_id);
    return subnet ? [{ ip: f.ip_address, subnet }] : [];
  });
  return { port, network, addresses };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function byAddress(a: FloatingIp, b: FloatingIp): number {
  const x = parseIp(a.floating_ip_address)?.value ?? 0n;
  const y = parseIp(b.floating_ip_address)?.value ?? 0n;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * `host` is the host the plan is for: an HA router's view holds that host's HA port. The
 * router's own ports are the same on every host that hosts it.
 */
export function routerView(replica: ReplicaView, index: RouterIndex, router: Router, host: string): RouterView {
  const interfaces = [...(index.interfaces.get(router.id) ?? [])]
    .sort(byId)
    .map((p) => routerPort(replica, p))
    .filter((p): p is RouterPort => p !== null);
  const gwPort = router.gw_port_id ? replica.ports.get(router.gw_port_id) : undefined;
  const gateway = gwPort ? routerPort(replica, gwPort) : null;
  const floatingIps = gateway
    ? (index.floatingIps.get(router.id) ?? []).filter((f) => f.floating_network_id === gateway.network.id).sort(byAddress)
    : [];
  let ha: HaView | null = null;
  if (isHaRouter(router)) {
    const mine = (index.haPorts.get(router.id) ?? []).filter((p) => p['binding:host_id'] === host).sort(byId)[0];
    ha = { port: mine ? routerPort(replica, mine) : null, vrId: router.ha_vr_id ?? 0 };
  }
  const portForwardings = gateway
    ? (index.portForwardings.get(router.id) ?? [])
        .filter((x) => x.fip.floating_network_id === gateway.network.id)
        .sort((a, b) => byAddress(a.fip, b.fip) || byId(a.pf, b.pf))
    : [];
  const conntrackHelpers = [...(index.conntrackHelpers.get(router.id) ?? [])].sort(byId);
  const meteringLabels = index.meteringLabels.filter((m) => m.label.shared || m.label.project_id === router.project_id);
  return { router, interfaces, gateway, floatingIps, portForwardings, conntrackHelpers, meteringLabels, ha };
}

/** The gateway's first IPv4 address: the router's source address for SNAT (as Neutron picks it). */
export function gatewayIpv4(view: RouterView): { ip: string; subnet: Subnet } | null {
  return view.gateway?.addresses.find((a) => a.subnet.ip_version === 4) ?? null;
}

/**
 * The HA routers this host serves: in the replica (scheduled here), up, with a VRRP id and
 * with this host's HA port. compileL3 builds their namespaces; the L2 part wires their ports.
 */
export function haRoutersHere(replica: ReplicaView, host: string): Set<string> {
  const withPort = new Set<string>();
  for (const p of replica.ports.values())
    if (p.device_owner === DeviceOwner.routerHaInterface && p['binding:host_id'] === host) withPort.add(p.device_id);
  const out = new Set<string>();
  for (const r of replica.routers.values())
    if (isHaRouter(r) && r.admin_state_up && (r.ha_vr_id ?? 0) > 0 && withPort.has(r.id)) out.add(r.id);
  return out;
}
