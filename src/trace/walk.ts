/**
 * Walks a packet through one host with the host's real state, from where it appears (sent by an
 * instance, out of a tunnel, in from the external network) until it leaves the host (a tunnel,
 * the external network), reaches a port's owner (an instance, a DHCP server, a router) or
 * stops. Each stage is a hop with its evidence: the instance's egress filter, the bridges
 * (ofproto/trace), a router namespace, the destination's ingress filter. Copies a flooding
 * bridge sends to other local ports are noted and not followed: only the port that holds the
 * packet's destination MAC is. Called by the agent for one trace query; the server strings
 * the hosts together by the tunnels they exit through.
 */
import {
  DEAD_VLAN,
  INTEGRATION_BRIDGE,
  isTrunkBridge,
  physToIntPatch,
  TUNNEL_BRIDGE,
  tapDevice,
  trunkBridge,
  tunnelPort,
  vxlanDevice,
} from '../model/names.js';
import type { Trunk } from '../model/trunk.js';
import { hostTrunks } from '../dataplane/compile/l2/trunks.js';
import type {
  ConntrackEntry,
  DropCause,
  FlowEffect,
  HostExit,
  HostTrace,
  ObjectRef,
  TraceHop,
  TracePacket,
  TraceStart,
} from '../model/trace.js';
import type { HostView, OvsPortView } from './host-view.js';
import type { BridgeEntry } from './packet.js';
import { type BridgeOutput, passBridges } from './walk-bridge.js';
import { type BridgeSide, filterPort } from './walk-firewall.js';
import { passLinuxBridge } from './walk-linuxbridge.js';
import { enterNamespace } from './walk-router.js';

type Position =
  /** Leaving an instance: its egress filter, then `bridge` from `inPort`. */
  | { readonly at: 'egress'; readonly portId: string; readonly bridge: string; readonly inPort: string }
  | { readonly at: 'bridge'; readonly bridge: string; readonly entry: BridgeEntry }
  /** Reaching an instance: its ingress filter (`side`: on a Linux bridge, the port it came from). */
  | { readonly at: 'ingress'; readonly portId: string; readonly side?: BridgeSide }
  | { readonly at: 'netns'; readonly portId: string };

/** Enough for any path through one host (egress, bridges, router, bridges, ingress…). */
const MAX_STAGES = 16;

class Walk {
  readonly hops: TraceHop[] = [];
  readonly exits: HostExit[] = [];
  readonly conntrack: ConntrackEntry[] = [];
  constructor(readonly view: HostView) {}

  drop(code: DropCause['code'], says: string, refs: ObjectRef[]): void {
    this.exits.push({ kind: 'dropped', cause: { code, says, refs } });
  }
}

const isLinuxBridgeHost = (v: HostView) => v.settings.mechanism === 'linuxbridge';

async function startOnOvs(w: Walk, start: TraceStart): Promise<Position | null> {
  const v = w.view;
  const ports = await v.ovsPorts();
  if (start.at === 'port') {
    const ref: ObjectRef = { kind: 'port', id: start.portId };
    const trunk = trunkOf(v, start.portId);
    if (trunk) return startOnTrunk(w, ports, start.portId, trunk);
    const device = ports.find((p) => p.ifaceId === start.portId && p.bridge === INTEGRATION_BRIDGE);
    if (!device) {
      w.drop('not-plugged', `${v.labels.label(ref)} is not plugged on host ${v.host} (no OVS port with its iface-id)`, [ref]);
      return null;
    }
    if (device.tag === null || device.tag === DEAD_VLAN) {
      w.drop(
        'not-wired',
        `${v.labels.label(ref)} is not wired on host ${v.host}: ${device.name} sits on the dead VLAN ${DEAD_VLAN} (port or network down, or not bound here)`,
        [ref],
      );
      return null;
    }
    if (v.plan.firewallPorts.some((f) => f.portId === start.portId))
      return { at: 'egress', portId: start.portId, bridge: INTEGRATION_BRIDGE, inPort: device.name };
    return { at: 'bridge', bridge: INTEGRATION_BRIDGE, entry: { inPort: device.name } };
  }
  if (start.at === 'tunnel') {
    const name = tunnelPort(start.type, start.fromIp);
    if (!ports.some((p) => p.name === name)) {
      w.drop('flow-drop', `host ${v.host} has no tunnel ${name} from ${start.fromIp}: it shares no network with that host`, []);
      return null;
    }
    const tunnel = { key: start.key, src: start.fromIp, dst: v.settings.tunnelIp ?? '' };
    return { at: 'bridge', bridge: TUNNEL_BRIDGE, entry: { inPort: name, tunnel } };
  }
  const bridge = v.settings.bridgeMappings[start.physnet];
  const nic = ports.find(
    (p) =>
      p.bridge === bridge &&
      p.name !== bridge &&
      p.name !== physToIntPatch(bridge ?? '') &&
      (p.type === '' || p.type === 'system'),
  );
  if (!bridge || !nic) {
    w.drop('flow-drop', `host ${v.host} has no interface on physical network ${start.physnet}`, []);
    return null;
  }
  return { at: 'bridge', bridge, entry: { inPort: nic.name } };
}

/** The trunk a port is the parent or a subport of, when its parent is bound here. */
function trunkOf(v: HostView, portId: string): Trunk | undefined {
  return hostTrunks(v.labels.replica, v.host).find((t) => t.port_id === portId || t.sub_ports.some((s) => s.port_id === portId));
}

/**
 * A trunk's instance sends from its VIF on the trunk bridge: a parent's frames untagged, after
 * its egress filter; a subport's tagged with the segmentation id, which the hybrid firewall does
 * not see (docs/trunks.md).
 */
function startOnTrunk(w: Walk, ports: readonly OvsPortView[], portId: string, trunk: Trunk): Position | null {
  const v = w.view;
  const ref: ObjectRef = { kind: 'port', id: portId };
  const bridge = trunkBridge(trunk.id);
  const device = ports.find((p) => p.ifaceId === trunk.port_id && p.bridge === bridge && p.type !== 'patch');
  if (!device) {
    w.drop('not-plugged', `${v.labels.label(ref)} is on a trunk whose instance is not plugged into ${bridge} on host ${v.host}`, [
      ref,
      { kind: 'trunk', id: trunk.id },
    ]);
    return null;
  }
  const sub = trunk.sub_ports.find((s) => s.port_id === portId);
  if (sub) return { at: 'bridge', bridge, entry: { inPort: device.name, vlan: sub.segmentation_id } };
  if (v.plan.firewallPorts.some((f) => f.portId === portId)) return { at: 'egress', portId, bridge, inPort: device.name };
  return { at: 'bridge', bridge, entry: { inPort: device.name } };
}

/** The port a frame out of `out` is for: a subport of the trunk when `out` is its instance's VIF and the MAC is the subport's. */
function subportByMac(v: HostView, out: { portId: string | null; bridge?: string }, dstMac: string | null): string | null {
  const id = out.portId;
  if (!id || !out.bridge || !isTrunkBridge(out.bridge) || dstMac === null) return id;
  const trunk = hostTrunks(v.labels.replica, v.host).find((t) => t.port_id === id);
  const mac = dstMac.toLowerCase();
  const sub = trunk?.sub_ports.find((s) => v.labels.replica.ports.get(s.port_id)?.mac_address.toLowerCase() === mac);
  return sub?.port_id ?? id;
}

/** On a Linux bridge host: the tap of a port, the VXLAN device of a VNI, or a physical network's interface, and its bridge. */
async function startOnLinuxBridge(w: Walk, start: TraceStart): Promise<Position | null> {
  const v = w.view;
  const links = await v.bridgeLinks();
  const into = (device: string) => links.find((l) => l.name === device);
  if (start.at === 'port') {
    const ref: ObjectRef = { kind: 'port', id: start.portId };
    const tap = into(tapDevice(start.portId));
    if (!tap) {
      w.drop('not-plugged', `${v.labels.label(ref)} is not plugged on host ${v.host} (no tap ${tapDevice(start.portId)})`, [ref]);
      return null;
    }
    if (!tap.master || !tap.up) {
      const state = tap.master ? `down in ${tap.master}` : 'in no bridge';
      w.drop(
        'not-wired',
        `${v.labels.label(ref)} is not wired on host ${v.host}: ${tap.name} is ${state} (port or network down, or not bound here)`,
        [ref],
      );
      return null;
    }
    if (v.plan.firewallPorts.some((f) => f.portId === start.portId))
      return { at: 'egress', portId: start.portId, bridge: tap.master, inPort: tap.name };
    return { at: 'bridge', bridge: tap.master, entry: { inPort: tap.name } };
  }
  const device = start.at === 'tunnel' ? into(vxlanDevice(start.key)) : into(v.settings.interfaceMappings?.[start.physnet] ?? '');
  if (!device?.master) {
    const what =
      start.at === 'tunnel'
        ? `no VXLAN device ${vxlanDevice(start.key)} in a bridge: it shares no network with VNI ${start.key}`
        : `no interface of physical network ${start.physnet} in a bridge`;
    w.drop('flow-drop', `host ${v.host} has ${what}`, []);
    return null;
  }
  return { at: 'bridge', bridge: device.master, entry: { inPort: device.name } };
}

async function startAt(w: Walk, start: TraceStart): Promise<Position | null> {
  const v = w.view;
  if (start.at === 'port') {
    const service = v.plan.servicePorts.find((s) => s.portId === start.portId);
    if (service) return { at: 'bridge', bridge: service.bridge, entry: { inPort: service.bridgePort } };
  }
  return isLinuxBridgeHost(v) ? startOnLinuxBridge(w, start) : startOnOvs(w, start);
}

/** What a flow can do to the packet's way that a bridge hop's summary names (not resubmits, not learning). */
const WAY: ReadonlySet<FlowEffect> = new Set(['tag', 'untag', 'set-tunnel-key', 'output', 'switch', 'drop']);

/** A bridge hop in words: the flows that changed the packet's tag, tunnel key or way; all of them if none did. */
function bridgeSays(hop: TraceHop): string {
  if (hop.says) return hop.says; // a Linux bridge hop says it already
  const telling = hop.evidence.filter((e) => e.kind === 'flow' && e.effects.some((x) => WAY.has(x)));
  return (telling.length > 0 ? telling : hop.evidence).map((e) => e.says).join('; ');
}

/** Where one bridge pass leads: the next local position, exits, and copies not followed. */
function follow(
  w: Walk,
  outputs: readonly BridgeOutput[],
  p: TracePacket,
  from: { bridge: string; entry: BridgeEntry },
): Position | null {
  const v = w.view;
  let next: Position | null = null;
  const went: string[] = [];
  const copies: string[] = [];
  const portWords = (name: string, id: string) => `${name} (${v.labels.label({ kind: 'port', id })})`;
  for (const o of outputs) {
    if (o.kind === 'tunnel') {
      const port = v.plan.ovsPorts.find((x) => x.options.remote_ip === o.remoteIp);
      const type = o.type ?? (port?.type === 'vxlan' ? 'vxlan' : 'gre');
      const name = o.device ?? port?.name ?? o.remoteIp;
      const host = v.labels.tunnelHost(port?.name ?? '')?.host ?? v.labels.hostOfTunnelIp(o.remoteIp) ?? o.remoteIp;
      w.exits.push({ kind: 'tunnel', remoteIp: o.remoteIp, key: o.key, type, packet: p });
      went.push(
        o.device
          ? `through ${name} to ${host} (${o.remoteIp}) with VNI ${o.key}`
          : `into tunnel ${name} to ${host} with key 0x${o.key.toString(16)}`,
      );
    } else if (o.kind === 'external') {
      w.exits.push({ kind: 'external', bridge: o.bridge, device: o.device, packet: p });
      went.push(`out of ${o.device} to the physical network`);
    } else {
      // On a trunk bridge, the instance's VIF also receives for the trunk's subports (tagged).
      const portId = subportByMac(v, o, p.dstMac);
      const owner = portId ? v.labels.replica.ports.get(portId) : undefined;
      const wanted = owner && p.dstMac !== null && owner.mac_address.toLowerCase() === p.dstMac.toLowerCase();
      if (!portId || !wanted || next) {
        copies.push(owner ? portWords(o.name, owner.id) : o.name);
        continue;
      }
      went.push(`to ${portWords(o.name, portId)}`);
      const side = isLinuxBridgeHost(v) ? { bridge: from.bridge, other: from.entry.inPort } : undefined;
      if (v.plan.servicePorts.some((s) => s.portId === portId)) next = { at: 'netns', portId };
      else if (v.plan.firewallPorts.some((f) => f.portId === portId)) next = { at: 'ingress', portId, ...(side ? { side } : {}) };
      else w.exits.push({ kind: 'delivered', portId, packet: p });
    }
  }
  const last = w.hops[w.hops.length - 1];
  if (last) {
    const flooded = copies.length > 0 ? `; flooded copies also went to ${copies.join(', ')}` : '';
    w.hops[w.hops.length - 1] = { ...last, says: `${last.says}${went.length > 0 ? ` → ${went.join(', ')}` : ''}${flooded}` };
  }
  return next;
}

/** The bridge hop: Open vSwitch's bridges (ofproto/trace), or a network's Linux bridge. */
async function passBridge(w: Walk, pos: Extract<Position, { at: 'bridge' }>, p: TracePacket): Promise<Position | null> {
  const view = w.view;
  if (isLinuxBridgeHost(view)) {
    const pass = await passLinuxBridge(view, pos.bridge, pos.entry.inPort, p);
    w.hops.push(...pass.hops);
    if (pass.dropped) {
      w.drop('flow-drop', pass.dropped.says, [...pass.dropped.refs]);
      return null;
    }
    return follow(w, pass.outputs, p, pos);
  }
  const pass = await passBridges(view, pos.bridge, pos.entry, p);
  for (const hop of pass.hops) w.hops.push({ ...hop, says: bridgeSays(hop) });
  if (pass.droppedBy) {
    const owner = pass.droppedBy.owner;
    const last = w.hops[w.hops.length - 1];
    if (last) w.hops[w.hops.length - 1] = { ...last, result: 'drop' };
    w.drop(
      'flow-drop',
      `dropped by a flow of ${pass.droppedBy.step.bridge}: ${last?.evidence.at(-1)?.says ?? 'drop'}`,
      owner && owner.kind !== 'host' ? [owner] : [],
    );
    return null;
  }
  return follow(w, pass.outputs, p, pos);
}

export async function walkHost(view: HostView, start: TraceStart, packet: TracePacket): Promise<HostTrace> {
  const w = new Walk(view);
  let p = packet;
  let at = await startAt(w, start);
  for (let stage = 0; at && stage < MAX_STAGES; stage++) {
    const pos: Position = at;
    at = null;
    if (pos.at === 'egress' || pos.at === 'ingress') {
      const direction = pos.at === 'egress' ? 'egress' : 'ingress';
      // On a Linux bridge the sender's other end is the bridge's uplink until its table says otherwise.
      const side =
        pos.at === 'ingress'
          ? pos.side
          : isLinuxBridgeHost(view)
            ? { bridge: pos.bridge, other: view.plan.bridgeUplinks.find((u) => u.bridge === pos.bridge)?.name ?? pos.bridge }
            : undefined;
      const f = await filterPort(view, pos.portId, direction, p, side);
      w.hops.push(f.hop);
      if (f.dropped) w.exits.push({ kind: 'dropped', cause: f.dropped });
      else if (pos.at === 'egress') at = { at: 'bridge', bridge: pos.bridge, entry: { inPort: pos.inPort } };
      else w.exits.push({ kind: 'delivered', portId: pos.portId, packet: p });
    } else if (pos.at === 'bridge') {
      at = await passBridge(w, pos, p);
    } else {
      const into = view.plan.servicePorts.find((s) => s.portId === pos.portId)!;
      const r = await enterNamespace(view, into, p);
      w.hops.push(r.hop);
      if (r.kind === 'delivered')
        w.exits.push({ kind: 'delivered', portId: r.portId, packet: p, ...(r.service ? { service: r.service } : {}) });
      else if (r.kind === 'dropped') w.exits.push({ kind: 'dropped', cause: r.cause });
      else {
        if (!p.reply) {
          const before = { src: p.src, dst: p.dst };
          w.conntrack.push({ host: view.host, netns: into.netns, before, after: { src: r.packet.src, dst: r.packet.dst } });
        }
        p = r.packet;
        at = { at: 'bridge', bridge: r.out.bridge, entry: { inPort: r.out.bridgePort } };
      }
    }
  }
  if (w.exits.length === 0) w.drop('unknown', `the packet goes nowhere on host ${view.host} that the trace can follow`, []);
  return { host: view.host, hops: w.hops, exits: w.exits, ...(w.conntrack.length > 0 ? { conntrack: w.conntrack } : {}) };
}
