/**
 * A host's part of a trace from the server's intent, when the host's agent cannot be asked (it
 * is down, or this server lost it): traffic keeps flowing through what the host last applied,
 * so the trace goes on with what the host should have — the port's security groups, the
 * network's switching by the destination MAC (across a tunnel to the host of the port that
 * has it), the routers of the host — and marks each such hop as not read live. It answers as an
 * agent would (a HostTrace), so the hosts before and after are read live as usual. Hops are named
 * by the devices of the host's L2 mechanism, as its last agent record says: br-int and br-tun on
 * Open vSwitch, the network's bridge and VXLAN device on Linux bridge.
 */
import { EXTERNAL_BRIDGE, INTEGRATION_BRIDGE, TUNNEL_BRIDGE, linuxBridge, vxlanDevice } from '../../model/names.js';
import type { Port } from '../../model/resources.js';
import type {
  ConntrackEntry,
  DropCause,
  HostExit,
  HostTrace,
  ObjectRef,
  TraceHop,
  TracePacket,
  TraceStart,
} from '../../model/trace.js';
import { macKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import { judgePort } from './intent-firewall.js';
import { routeByIntent } from './intent-router.js';
import type { Names } from './names.js';
import { agentRecord } from './needed-agents.js';
import { tunnelIpOf } from './tunnels.js';

/** Enough for any path through one host (egress, switch, router, switch, ingress…). */
const MAX_STAGES = 12;

type Position =
  | { readonly at: 'egress'; readonly port: Port }
  | { readonly at: 'switch'; readonly networkId: string }
  | { readonly at: 'port'; readonly port: Port };

/** The devices a hop happens in, by the host's L2 mechanism. */
interface Devices {
  /** Where a network's frames are switched. */
  switch(networkId: string): string;
  /** Where a network's frames enter or leave a tunnel of key `key`. */
  tunnel(key: number): string;
  /** Where a frame for another host stops when no tunnel of its network leads there. */
  noTunnel(networkId: string): string;
  /** The bridge the external network leaves the host by. */
  external(networkId: string): string;
}

const OPEN_VSWITCH: Devices = {
  switch: () => INTEGRATION_BRIDGE,
  tunnel: () => TUNNEL_BRIDGE,
  noTunnel: () => TUNNEL_BRIDGE,
  external: () => EXTERNAL_BRIDGE,
};

const LINUX_BRIDGE: Devices = {
  switch: linuxBridge,
  tunnel: vxlanDevice,
  noTunnel: linuxBridge,
  external: linuxBridge,
};

class IntentWalk {
  readonly hops: TraceHop[] = [];
  readonly exits: HostExit[] = [];
  readonly conntrack: ConntrackEntry[] = [];
  readonly devices: Devices;

  constructor(
    readonly view: ReadView,
    readonly names: Names,
    readonly host: string,
  ) {
    this.devices = agentRecord(view, 'l2', host)?.agent_type === 'Linux bridge agent' ? LINUX_BRIDGE : OPEN_VSWITCH;
  }

  hop(where: string, says: string, result: 'pass' | 'drop', refs: readonly ObjectRef[]): void {
    this.hops.push({ host: this.host, where, says, result, evidence: [], refs, intent: true });
  }

  drop(where: string, cause: DropCause): void {
    this.hop(where, cause.says, 'drop', cause.refs);
    this.exits.push({ kind: 'dropped', cause });
  }
}

function startAt(w: IntentWalk, start: TraceStart): Position | null {
  if (start.at === 'port') {
    const port = w.view.get('port', start.portId);
    if (!port) {
      w.drop('start', { code: 'not-plugged', refs: [], says: `port ${start.portId} is gone` });
      return null;
    }
    return port.device_owner.startsWith('network:') ? { at: 'switch', networkId: port.network_id } : { at: 'egress', port };
  }
  if (start.at === 'tunnel') {
    const net = w.view
      .all('network')
      .find((n) => n['provider:network_type'] === start.type && n['provider:segmentation_id'] === start.key);
    if (net) return { at: 'switch', networkId: net.id };
    w.drop(w.devices.tunnel(start.key), { code: 'flow-drop', refs: [], says: `no network has ${start.type} key ${start.key}` });
    return null;
  }
  const net = w.view.all('network').find((n) => n['router:external'] && n['provider:physical_network'] === start.physnet);
  if (net) return { at: 'switch', networkId: net.id };
  w.drop('provider bridge', { code: 'flow-drop', refs: [], says: `no external network on physical network ${start.physnet}` });
  return null;
}

/** Switching on a network by destination MAC: to a port of this host, or through a tunnel to the host of the port. */
function switchTo(w: IntentWalk, networkId: string, p: TracePacket): Position | null {
  const net = w.view.get('network', networkId);
  const netRef: ObjectRef = { kind: 'network', id: networkId };
  const target = p.dstMac ? w.view.by('port', 'mac', macKey(networkId, p.dstMac.toLowerCase()))[0] : undefined;
  if (!net || !target) {
    w.drop(w.devices.switch(networkId), {
      code: 'flow-drop',
      refs: [netRef],
      says: `no port of ${w.names.label(netRef)} has MAC ${p.dstMac}`,
    });
    return null;
  }
  const there = target['binding:host_id'];
  const label = w.names.label({ kind: 'port', id: target.id });
  if (there === w.host) {
    w.hop(w.devices.switch(networkId), `switched on ${w.names.label(netRef)} to ${label}`, 'pass', [
      netRef,
      { kind: 'port', id: target.id },
    ]);
    return { at: 'port', port: target };
  }
  const type = net['provider:network_type'];
  const remoteIp = tunnelIpOf(w.view, there);
  if ((type !== 'gre' && type !== 'vxlan') || net['provider:segmentation_id'] === null || !remoteIp) {
    const says = `${label} is on host ${there || '(none)'}, which ${w.names.label(netRef)} cannot reach from ${w.host} by a tunnel`;
    w.drop(w.devices.noTunnel(networkId), { code: 'not-wired', refs: [netRef, { kind: 'port', id: target.id }], says });
    return null;
  }
  w.hop(
    w.devices.tunnel(net['provider:segmentation_id']),
    `switched on ${w.names.label(netRef)} into the ${type} tunnel to host ${there}, where ${label} is`,
    'pass',
    [netRef],
  );
  w.exits.push({ kind: 'tunnel', remoteIp, key: net['provider:segmentation_id'], type, packet: p });
  return null;
}

/** A port of this host receives the packet: an instance (its ingress filter), a router, a DHCP port. */
function arrive(w: IntentWalk, port: Port, p: TracePacket): { next: Position | null; packet: TracePacket } {
  const ref: ObjectRef = { kind: 'port', id: port.id };
  if (port.device_owner === 'network:router_interface' || port.device_owner === 'network:router_gateway') {
    const router = w.view.get('router', port.device_id);
    if (!router) {
      w.drop('qrouter', { code: 'no-route', refs: [ref], says: `${w.names.label(ref)} belongs to no router` });
      return { next: null, packet: p };
    }
    const r = routeByIntent(w.view, w.names, w.host, router, port, p);
    const where = `qrouter-${router.id}`;
    if (r.kind === 'dropped') w.drop(where, r.cause);
    else if (r.kind === 'delivered') {
      w.hop(where, r.says, 'pass', [{ kind: 'router', id: router.id }]);
      w.exits.push({ kind: 'delivered', portId: r.port.id, packet: p });
    } else {
      w.hop(where, r.says, 'pass', [
        { kind: 'router', id: router.id },
        { kind: 'port', id: r.out.id },
      ]);
      if (r.entry) w.conntrack.push(r.entry);
      if (r.kind === 'external')
        w.exits.push({
          kind: 'external',
          bridge: w.devices.external(r.out.network_id),
          device: 'the physical network',
          packet: r.packet,
        });
      else return { next: { at: 'switch', networkId: r.out.network_id }, packet: r.packet };
    }
    return { next: null, packet: p };
  }
  const judged = judgePort(w.view, w.names, port, 'ingress', p);
  if (!judged.allowed) {
    w.drop('iptables', { code: judged.code ?? 'firewall', refs: [...judged.refs], says: judged.says });
    return { next: null, packet: p };
  }
  w.hop('iptables', judged.says, 'pass', judged.refs);
  w.exits.push({ kind: 'delivered', portId: port.id, packet: p });
  return { next: null, packet: p };
}

/** Walks `packet` through `host` by the intent; `why` says why the host was not read. */
export function intentHost(
  view: ReadView,
  names: Names,
  host: string,
  start: TraceStart,
  packet: TracePacket,
  why: string,
): HostTrace {
  const w = new IntentWalk(view, names, host);
  w.hop('host', `not read live (${why}): what follows is what the server's intent gives`, 'pass', [{ kind: 'host', id: host }]);
  let p = packet;
  let at = startAt(w, start);
  for (let stage = 0; at && stage < MAX_STAGES; stage++) {
    const pos: Position = at;
    at = null;
    if (pos.at === 'egress') {
      const judged = judgePort(view, names, pos.port, 'egress', p);
      if (!judged.allowed) w.drop('iptables', { code: judged.code ?? 'firewall', refs: [...judged.refs], says: judged.says });
      else {
        w.hop('iptables', judged.says, 'pass', judged.refs);
        at = { at: 'switch', networkId: pos.port.network_id };
      }
    } else if (pos.at === 'switch') at = switchTo(w, pos.networkId, p);
    else ({ next: at, packet: p } = arrive(w, pos.port, p));
  }
  if (w.exits.length === 0)
    w.drop('host', { code: 'unknown', refs: [], says: `the intent leads the packet nowhere on host ${host}` });
  return { host, hops: w.hops, exits: w.exits, ...(w.conntrack.length > 0 ? { conntrack: w.conntrack } : {}) };
}
