/**
 * The physical view (the article's third picture), drawn from what each host's agent reads on
 * its host (`GET /v2.0/quark/explain/hosts/{host}`): br-int, br-tun, br-ex and the underlay
 * bridge; each instance's tap → qbr → qvb ⇄ qvo path with the local VLAN its br-int port is
 * tagged with; the qdhcp and qrouter namespaces with their interfaces, addresses, routes and
 * dnsmasq; the tunnels with their type and both ends; the agents' liveness. Every item the agent
 * reported is attached to the element it belongs to, so a click shows its text, and an element
 * with drift (an item missing, extra or different from the agent's plan) is marked.
 */
import type { HostExplanation, HostItem } from '../model/explain.js';
import type { DevicePrefix } from '../model/names.js';
import type { ApiAgent, Cloud } from './cloud.js';
import type { SceneEdge, SceneNode, Tone } from './scene.js';

const DRIFT = new Set(['missing', 'extra', 'differs']);
export const isDrift = (i: HostItem): boolean => DRIFT.has(i.status);

export interface PhysicalScene {
  readonly scene: SceneNode;
  /** Every item each element stands for, as the agent reported it. */
  readonly items: ReadonlyMap<string, readonly HostItem[]>;
  /** Drifted items by host, for the banner. */
  readonly drift: ReadonlyMap<string, readonly { readonly element: string; readonly item: HostItem }[]>;
}

const HYBRID = ['tap', 'qbr', 'qvb', 'qvo'] as const satisfies readonly DevicePrefix[];
const TUNNEL_TYPES = new Set(['gre', 'vxlan', 'geneve']);

/** `br-int port qvo24b3aebc-53 tag=2` → its parts. */
export function parseOvsPort(text: string): { bridge: string; name: string; type: string | null; tag: number | null } | null {
  const m = /^(\S+) port (\S+)(?: type=(\S+))?(?: tag=(\d+))?/.exec(text);
  if (!m) return null;
  return { bridge: m[1]!, name: m[2]!, type: m[3] ?? null, tag: m[4] === undefined ? null : Number(m[4]) };
}

/** The namespace an item lives in (`netns qrouter-… iptables nat` → `qrouter-…`). */
function netnsOf(where: string): string | null {
  return where.startsWith('netns ') ? where.split(' ')[1]! : null;
}

const short = (id: string) => id.slice(0, 8);

interface HostParts {
  readonly host: string;
  readonly bridges: Map<string, HostItem[]>;
  /** VIF chains by port id. */
  readonly vifs: Map<string, HostItem[]>;
  /** Agent namespaces (qdhcp, qrouter) by name. */
  readonly namespaces: Map<string, HostItem[]>;
  readonly tunnels: Map<string, HostItem[]>;
  /** Physical interfaces on provider and underlay bridges. */
  readonly nics: Map<string, HostItem[]>;
  readonly hostItems: HostItem[];
}

/** Sorts a host's items to the elements of the picture. */
function sortItems(h: HostExplanation): HostParts {
  const parts: HostParts = {
    host: h.host,
    bridges: new Map(),
    vifs: new Map(),
    namespaces: new Map(),
    tunnels: new Map(),
    nics: new Map(),
    hostItems: [],
  };
  const add = (m: Map<string, HostItem[]>, key: string, item: HostItem) => {
    const list = m.get(key) ?? [];
    list.push(item);
    m.set(key, list);
  };
  const portOwner = (i: HostItem) => i.owners.find((o) => o.kind === 'port')?.id ?? null;
  // First the skeleton: bridges, namespaces, VIFs (a VIF is a port with hybrid devices or a qvo).
  const servicePorts = new Map<string, string>(); // port id → namespace holding its device
  for (const i of h.items) {
    if (i.section === 'bridge') add(parts.bridges, i.text.replace(/^bridge /, ''), i);
    if (i.section === 'namespace' && i.status !== 'foreign') add(parts.namespaces, i.text.replace(/^netns /, ''), i);
    const ns = netnsOf(i.where);
    const port = portOwner(i);
    if (ns && port && (i.section === 'device' || i.section === 'address')) servicePorts.set(port, ns);
  }
  for (const i of h.items) {
    const port = portOwner(i);
    if (i.section === 'device' && i.where === 'host' && port && HYBRID.some((p) => i.text.startsWith(p)))
      add(parts.vifs, port, i);
    if (i.section === 'ovs-port') {
      const p = parseOvsPort(i.text);
      if (p?.name.startsWith('qvo') && port) add(parts.vifs, port, i);
    }
  }
  for (const i of h.items) {
    if (i.section === 'bridge' || (i.section === 'namespace' && i.status !== 'foreign')) continue;
    const port = portOwner(i);
    const ns = netnsOf(i.where);
    if (i.section === 'device' && i.where === 'host' && port && parts.vifs.has(port)) continue;
    if (i.section === 'ovs-port') {
      const p = parseOvsPort(i.text);
      if (p?.name.startsWith('qvo') && port && parts.vifs.has(port)) continue;
      if (p?.type && TUNNEL_TYPES.has(p.type)) add(parts.tunnels, p.name, i);
      else if (port && servicePorts.has(port)) add(parts.namespaces, servicePorts.get(port)!, i);
      else if (p && !p.type && !port && p.name !== p.bridge) add(parts.nics, `${p.bridge}/${p.name}`, i);
      else if (p) add(parts.bridges, p.bridge, i);
      else parts.hostItems.push(i);
      continue;
    }
    if (ns && parts.namespaces.has(ns)) add(parts.namespaces, ns, i);
    else if (i.section === 'namespace' && port && parts.vifs.has(port)) add(parts.vifs, port, i);
    else if (i.section === 'dnsmasq') {
      const net = /\/dhcp\/([0-9a-f-]{36})\//.exec(i.where)?.[1];
      const key = net ? `qdhcp-${net}` : null;
      if (key && parts.namespaces.has(key)) add(parts.namespaces, key, i);
      else parts.hostItems.push(i);
    } else if (i.section === 'flow' || i.section === 'local-vlan') {
      const bridge = i.section === 'local-vlan' ? 'br-int' : i.where;
      if (parts.bridges.has(bridge)) add(parts.bridges, bridge, i);
      else parts.hostItems.push(i);
    } else if ((i.section === 'iptables' || i.section === 'ipset' || i.section === 'device') && port && parts.vifs.has(port)) {
      // The hybrid plug's qbr is where iptables filters the port.
      add(parts.vifs, port, i);
    } else parts.hostItems.push(i);
  }
  return parts;
}

function tone(items: readonly HostItem[], alive = true): Tone {
  if (!alive) return 'dead';
  if (items.some((i) => i.status === 'missing')) return 'missing';
  if (items.some(isDrift)) return 'drift';
  return 'plain';
}

function driftBadge(items: readonly HostItem[]): { badge?: string } {
  const n = items.filter(isDrift).length;
  return n > 0 ? { badge: `DRIFT ${n}` } : {};
}

function deviceName(i: HostItem): string {
  return i.text.replace(/^\[[^\]]+\] /, '').split(' ')[0]!;
}

function vifNode(cloud: Cloud, host: string, portId: string, items: readonly HostItem[]): SceneNode {
  const port = cloud.ports.get(portId);
  const name = port ? cloud.portName(port) : `port ${short(portId)}`;
  const ips = port?.fixed_ips.map((f) => f.ip_address).join(', ') ?? '';
  const net = port ? cloud.networks.get(port.network_id) : undefined;
  const dev = (prefix: string) => {
    const i = items.find((x) => x.section === 'device' && x.text.startsWith(prefix));
    const fallback = `${prefix}${portId.slice(0, 11)}`;
    if (!i) return `${fallback} (none)`;
    return `${deviceName(i)}${i.status === 'ok' ? '' : ` ${i.status.toUpperCase()}`}`;
  };
  const qvo = items.find((x) => x.section === 'ovs-port');
  const tag = qvo ? parseOvsPort(qvo.text)?.tag : null;
  const lines = [
    `${dev('tap')} → ${dev('qbr')}`,
    `${dev('qvb')} ⇄ ${dev('qvo')}`,
    qvo
      ? `br-int port, local VLAN ${tag ?? 'none'}${qvo.status === 'ok' ? '' : ` ${qvo.status.toUpperCase()}`}`
      : 'not on br-int',
  ];
  const rules = items.filter((x) => x.section === 'iptables').length;
  if (rules > 0) lines.push(`${rules} iptables rules on the qbr`);
  const title = `${name}${ips ? ` · ${ips}` : ''}${net ? ` · ${net.name || short(net.id)}` : ''}`;
  return {
    id: `${host}/vif/${portId}`,
    kind: 'vif',
    title,
    lines,
    label: `instance port ${name} on host ${host}: ${lines.join('; ')}`,
    refs: [`port:${portId}`, `host:${host}`],
    tone: tone(items),
    ...driftBadge(items),
  };
}

function namespaceNode(
  cloud: Cloud,
  host: string,
  name: string,
  items: readonly HostItem[],
  vlans: Map<string, number>,
): SceneNode {
  const own = items.find((i) => i.section === 'namespace');
  const routerId = name.startsWith('qrouter-') ? name.slice(8) : null;
  const networkId = name.startsWith('qdhcp-') ? name.slice(6) : null;
  const what = routerId
    ? `router ${cloud.routers.get(routerId)?.name || short(routerId)}`
    : networkId
      ? `DHCP of ${cloud.networks.get(networkId)?.name || short(networkId)}`
      : 'namespace';
  const lines: string[] = [];
  for (const d of items.filter((i) => i.section === 'device')) {
    const dev = deviceName(d);
    const addrs = items
      .filter((a) => a.section === 'address' && a.text.endsWith(` dev ${dev}`))
      .map((a) => /inet6? (\S+)/.exec(a.text)?.[1] ?? '?');
    const port = d.owners.find((o) => o.kind === 'port')?.id;
    const vlan = port ? vlans.get(port) : undefined;
    lines.push(
      `${dev} ${addrs.join(' ') || 'no address'}${vlan !== undefined ? ` · VLAN ${vlan}` : ''}${d.status === 'ok' ? '' : ` ${d.status.toUpperCase()}`}`,
    );
  }
  for (const r of items.filter((i) => i.section === 'route'))
    lines.push(r.text.replace(/^\[[^\]]+\] /, '').replace(/ dev \S+$/, ''));
  for (const p of items.filter((i) => i.section === 'process'))
    lines.push(`${p.text.split(' ').slice(0, 3).join(' ')}${p.status === 'ok' ? '' : ` ${p.status.toUpperCase()}`}`);
  const nat = items.filter((i) => i.section === 'iptables').length;
  if (nat > 0) lines.push(`${nat} iptables rules (NAT, marks)`);
  const shortName = `${name.split('-')[0]}-${name.slice(name.indexOf('-') + 1, name.indexOf('-') + 9)}`;
  return {
    id: `${host}/ns/${name}`,
    kind: 'namespace',
    title: `${shortName} · ${what}${own && own.status !== 'ok' ? ` ${own.status.toUpperCase()}` : ''}`,
    lines,
    label: `namespace ${name} (${what}) on host ${host}: ${lines.join('; ')}`,
    refs: [...(routerId ? [`router:${routerId}`] : []), ...(networkId ? [`network:${networkId}`] : []), `host:${host}`],
    tone: tone(items),
    ...driftBadge(items),
  };
}

/** What every host's drawing adds to: the items and drift of each element, the tunnels between hosts. */
interface SceneState {
  readonly cloud: Cloud;
  readonly hostNames: readonly string[];
  readonly items: Map<string, HostItem[]>;
  readonly drift: Map<string, { element: string; item: HostItem }[]>;
  readonly tunnels: Map<string, SceneEdge>;
  tunnelIp(host: string): string | undefined;
}

/** One host's drawing in progress: its elements, the wires between them, the items they stand for. */
class HostDrawing {
  readonly children: SceneNode[] = [];
  readonly edges: SceneEdge[] = [];

  constructor(
    readonly state: SceneState,
    readonly host: string,
    readonly parts: HostParts,
  ) {}

  bridgeId(bridge: string): string {
    return `${this.host}/br/${bridge}`;
  }

  record(element: string, list: readonly HostItem[]): void {
    const { items, drift } = this.state;
    items.set(element, [...(items.get(element) ?? []), ...list]);
    for (const item of list) if (isDrift(item)) drift.set(this.host, [...(drift.get(this.host) ?? []), { element, item }]);
  }

  wire(source: string, target: string, label: string, description: string, kind: SceneEdge['kind'] = 'wire'): void {
    this.edges.push({ id: `${source}->${target}`, source, target, label, kind, description });
  }
}

/** The physical scene of every host the caller may see (admins: from the agents' readings). */
export function physicalScene(cloud: Cloud): PhysicalScene {
  const agentsByHost = new Map<string, ApiAgent[]>();
  for (const a of cloud.agents.values()) agentsByHost.set(a.host, [...(agentsByHost.get(a.host) ?? []), a]);
  const state: SceneState = {
    cloud,
    hostNames: [...new Set([...agentsByHost.keys(), ...cloud.hosts.keys()])].sort(),
    items: new Map(),
    drift: new Map(),
    tunnels: new Map(),
    tunnelIp: (host) =>
      (agentsByHost.get(host) ?? []).map((a) => a.configurations.tunneling_ip).find((x) => typeof x === 'string') as
        | string
        | undefined,
  };
  const hosts = state.hostNames.map((host) => hostNode(state, host, agentsByHost.get(host) ?? []));
  const scene: SceneNode = {
    id: 'physical',
    kind: 'group',
    title: 'physical view',
    lines: [],
    label: 'physical view',
    refs: [],
    tone: 'plain',
    children: hosts,
    arrange: 'layered-right',
    edges: [...state.tunnels.values()],
  };
  return { scene, items: state.items, drift: state.drift };
}

/** One host: its agents' liveness, and what its agent read, element by element. */
function hostNode(state: SceneState, host: string, agents: readonly ApiAgent[]): SceneNode {
  const dead = agents.filter((a) => !a.alive);
  const liveness =
    agents.length === 0
      ? 'no agent'
      : dead.length === 0
        ? `${agents.length} agent${agents.length === 1 ? '' : 's'} alive`
        : `DOWN: ${dead.map((a) => a.agent_type).join(', ')}`;
  const reading = state.cloud.hosts.get(host);
  const hostId = `host:${host}`;
  if (!reading) {
    const why = state.cloud.unanswered.get(host) ?? 'reading the host…';
    return {
      id: hostId,
      kind: 'host',
      title: `host ${host}`,
      lines: [liveness, why],
      label: `host ${host}: ${liveness}; ${why}`,
      refs: [hostId],
      tone: dead.length > 0 || agents.length === 0 ? 'dead' : 'plain',
    };
  }
  const d = new HostDrawing(state, host, sortItems(reading));
  const mappings = (agents.find((a) => a.agent_type === 'Open vSwitch agent')?.configurations.bridge_mappings ?? {}) as Record<
    string,
    string
  >;
  drawPortGroups(d, reading);
  drawBridges(d, mappings);
  drawTunnels(d);
  drawNics(d);
  d.record(hostId, d.parts.hostItems);
  const hostDrift = reading.items.filter(isDrift).length;
  const { children, edges } = d;
  return {
    id: hostId,
    kind: 'host',
    title: `host ${host} (${reading.roles.join(', ')}) · ${liveness}`,
    lines: [],
    label: `host ${host}, roles ${reading.roles.join(', ')}, ${liveness}${hostDrift > 0 ? `, ${hostDrift} items drifted from the plan` : ', no drift'}`,
    refs: [hostId],
    tone: dead.length > 0 ? 'dead' : hostDrift > 0 ? 'drift' : 'plain',
    ...(hostDrift > 0 ? { badge: `DRIFT ${hostDrift}` } : {}),
    children,
    arrange: 'layered-down',
    edges: edges.filter((e) => children.some((c) => c.id === e.source) && children.some((c) => c.id === e.target)),
  };
}

/** The instances' VIF chains and the agents' namespaces, each a group wired to br-int. */
function drawPortGroups(d: HostDrawing, reading: HostExplanation): void {
  const { host, parts } = d;
  // br-int's access ports: which local VLAN each port's device is tagged with.
  const vlans = new Map<string, number>();
  for (const i of reading.items) {
    if (i.section !== 'ovs-port') continue;
    const p = parseOvsPort(i.text);
    const port = i.owners.find((o) => o.kind === 'port')?.id;
    if (p?.tag !== null && p?.tag !== undefined && port) vlans.set(port, p.tag);
  }
  const vifs = [...parts.vifs].map(([portId, list]) => {
    const n = vifNode(d.state.cloud, host, portId, list);
    d.record(n.id, list);
    return n;
  });
  const namespaces = [...parts.namespaces].map(([name, list]) => {
    const n = namespaceNode(d.state.cloud, host, name, list, vlans);
    d.record(n.id, list);
    return n;
  });
  if (vifs.length > 0) {
    const id = `${host}/instances`;
    d.children.push({
      id,
      kind: 'group',
      title: `instances: tap → qbr → qvb ⇄ qvo (${vifs.length})`,
      lines: [],
      label: `${vifs.length} instance port${vifs.length === 1 ? '' : 's'} on host ${host}, each plugged through its own Linux bridge`,
      refs: [],
      tone: 'plain',
      children: vifs,
      arrange: 'grid',
    });
    if (parts.bridges.has('br-int'))
      d.wire(
        id,
        d.bridgeId('br-int'),
        'qvo… access ports',
        `the instances' qvo devices are access ports of br-int on host ${host}`,
      );
  }
  if (namespaces.length > 0) {
    const id = `${host}/namespaces`;
    d.children.push({
      id,
      kind: 'group',
      title: `namespaces (${namespaces.length})`,
      lines: [],
      label: `${namespaces.length} network namespace${namespaces.length === 1 ? '' : 's'} of the agents on host ${host}`,
      refs: [],
      tone: 'plain',
      children: namespaces,
      arrange: 'grid',
    });
    if (parts.bridges.has('br-int'))
      d.wire(
        id,
        d.bridgeId('br-int'),
        'tap… / qr-… / qg-…',
        `the namespaces' devices are access ports of br-int on host ${host}`,
      );
  }
}

/** Each OVS bridge with its local VLANs, role and flow count; the patch ports between them. */
function drawBridges(d: HostDrawing, mappings: Record<string, string>): void {
  const { host, parts } = d;
  for (const [bridge, list] of parts.bridges) {
    const own = list.find((i) => i.section === 'bridge');
    const flows = list.filter((i) => i.section === 'flow').length;
    const lines: string[] = [];
    for (const v of list.filter((i) => i.section === 'local-vlan'))
      lines.push(v.says.replace(/^local VLAN (\d+) ↔ network /, 'VLAN $1 ↔ '));
    const physnet = Object.entries(mappings).find(([, b]) => b === bridge)?.[0];
    if (physnet) lines.push(`provider bridge of ${physnet}`);
    if (bridge !== 'br-int' && bridge !== 'br-tun' && !physnet && own?.says.startsWith('underlay'))
      lines.push(`underlay, tunnel address ${d.state.tunnelIp(host) ?? '?'}`);
    lines.push(`${flows} flow${flows === 1 ? '' : 's'}${own && own.status !== 'ok' ? ` · ${own.status.toUpperCase()}` : ''}`);
    const id = d.bridgeId(bridge);
    d.record(id, list);
    d.children.push({
      id,
      kind: 'bridge',
      title: bridge,
      lines,
      label: `bridge ${bridge} on host ${host}: ${own?.says ?? ''}; ${lines.join('; ')}`,
      refs: [`host:${host}`],
      tone: tone(list),
      ...driftBadge(list),
      minWidth: 300,
    });
  }
  const patch = (a: string, b: string, label: string) => {
    if (parts.bridges.has(a) && parts.bridges.has(b))
      d.wire(d.bridgeId(a), d.bridgeId(b), label, `patch ports join ${a} and ${b} on host ${host}`, 'patch');
  };
  patch('br-int', 'br-tun', 'patch-tun ⇄ patch-int');
  for (const b of Object.values(mappings)) patch('br-int', b, `int-${b} ⇄ phy-${b}`);
}

/** Each tunnel port of br-tun with both ends, and one edge per pair of hosts between them. */
function drawTunnels(d: HostDrawing): void {
  const { host, parts, state } = d;
  const underlay = [...parts.bridges.keys()].find((b) =>
    parts.bridges.get(b)!.some((i) => i.section === 'bridge' && i.says.startsWith('underlay')),
  );
  for (const [name, list] of parts.tunnels) {
    const p = parseOvsPort(list[0]!.text)!;
    const remoteHost = list[0]!.owners.find((o) => o.kind === 'host')?.id ?? '?';
    const remoteIp = state.tunnelIp(remoteHost) ?? /\((\d+\.\d+\.\d+\.\d+)\)/.exec(list[0]!.says)?.[1] ?? '?';
    const localIp = state.tunnelIp(host) ?? '?';
    const nets = list[0]!.owners
      .filter((o) => o.kind === 'network')
      .map((o) => state.cloud.networks.get(o.id)?.name || short(o.id));
    const id = `${host}/tun/${name}`;
    d.record(id, list);
    const type = (p.type ?? '?').toUpperCase();
    const lines = [
      `${type} ${localIp} → ${remoteIp}`,
      `to host ${remoteHost}`,
      ...(nets.length > 0 ? [`carries ${nets.join(', ')}`] : []),
    ];
    d.children.push({
      id,
      kind: 'tunnel',
      title: name,
      lines,
      label: `${type} tunnel ${name} from host ${host} (${localIp}) to host ${remoteHost} (${remoteIp})${nets.length > 0 ? `, carrying ${nets.join(', ')}` : ''}`,
      refs: [`host:${host}`, `host:${remoteHost}`],
      tone: tone(list),
      ...driftBadge(list),
    });
    d.wire(d.bridgeId('br-tun'), id, '', `tunnel port ${name} of br-tun on host ${host}`);
    if (underlay) d.wire(id, d.bridgeId(underlay), '', `tunnel ${name} leaves through ${underlay} on host ${host}`);
    const pair = [host, remoteHost].sort();
    const key = `${pair[0]}⇄${pair[1]}`;
    if (!state.tunnels.has(key) && state.hostNames.includes(remoteHost)) {
      const ips = pair[0] === host ? [localIp, remoteIp] : [remoteIp, localIp];
      state.tunnels.set(key, {
        id: `tunnel:${key}`,
        source: `host:${pair[0]}`,
        target: `host:${pair[1]}`,
        label: `${type} ${ips[0]} ⇄ ${ips[1]}`,
        kind: 'tunnel',
        description: `${type} tunnel between host ${pair[0]} (${ips[0]}) and host ${pair[1]} (${ips[1]})`,
      });
    }
  }
}

/** The physical interfaces of provider and underlay bridges. */
function drawNics(d: HostDrawing): void {
  const { host, parts } = d;
  for (const [key, list] of parts.nics) {
    const [bridge, name] = key.split('/') as [string, string];
    const id = `${host}/nic/${name}`;
    d.record(id, list);
    d.children.push({
      id,
      kind: 'nic',
      title: name,
      lines: [list[0]!.says],
      label: `interface ${name} on ${bridge} of host ${host}: ${list[0]!.says}`,
      refs: [`host:${host}`],
      tone: tone(list),
      ...driftBadge(list),
    });
    d.wire(d.bridgeId(bridge), id, '', `${name} is a port of ${bridge} on host ${host}`);
  }
}
