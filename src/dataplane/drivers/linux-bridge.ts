/**
 * iproute2 for a Linux bridge host: the network bridges `brq…`, their uplinks (VXLAN devices,
 * VLAN sub-interfaces, a flat network's interface) and the taps in them. One `ip -j -d link
 * show` observes everything; the difference to the plan is one `ip -batch`:
 *
 *   ip link add brq1a2b3c4d-5e type bridge forward_delay 0 stp_state 0
 *   ip link set brq1a2b3c4d-5e addrgenmode none mtu 1450 up
 *   ip link add vxlan-1001 type vxlan id 1001 local 198.18.1.11 dstport 4789 noudpcsum
 *   ip link set vxlan-1001 addrgenmode none mtu 1450 master brq1a2b3c4d-5e up
 *   ip link set tap3c9b4a1e-2f mtu 1450 master brq1a2b3c4d-5e up
 *   ip link set tapdeadbeef-00 nomaster down
 *
 * Only what the agent owns is removed, and only with `prune`: bridges `brq…` and devices
 * `vxlan-…` the plan no longer has, and the VLAN sub-interfaces inside such a bridge; a flat
 * network's interface is released (nomaster), never deleted. Taps are never deleted (Nova or
 * `quark vif plug` made them); a tap the plan does not name is left as it is.
 */
import { LINUX_BRIDGE_PREFIX, VXLAN_DEVICE_PREFIX } from '../../model/names.js';
import type { BridgePortItem, BridgeUplinkItem, LinuxBridgeItem } from '../compile/plan.js';
import { run } from './exec.js';

/** One link as the bridge driver sees it. */
export interface BridgeLink {
  readonly name: string;
  /** `bridge`, `vxlan`, `vlan`, `veth`…; '' for a device without a kind (a physical NIC). */
  readonly kind: string;
  readonly master: string | null;
  readonly up: boolean;
  readonly mtu: number;
  /** VXLAN: its VNI, local address, UDP port and whether it sends UDP checksums. */
  readonly vxlan?: { readonly id: number; readonly local: string | null; readonly port: number; readonly udpCsum: boolean };
  /** VLAN: its id and parent. */
  readonly vlan?: { readonly id: number; readonly link: string | null };
  /** Bridge: its forward delay (centiseconds) and STP state. */
  readonly bridge?: { readonly forwardDelay: number; readonly stpState: number };
}

interface RawLink {
  ifname: string;
  mtu: number;
  flags?: string[];
  master?: string;
  link?: string;
  linkinfo?: {
    info_kind?: string;
    info_data?: {
      id?: number;
      local?: string;
      port?: number;
      udp_csum?: boolean;
      forward_delay?: number;
      stp_state?: number;
      protocol?: string;
    };
  };
}

export function parseLinks(json: string): BridgeLink[] {
  return (JSON.parse(json || '[]') as RawLink[]).map((l) => {
    const kind = l.linkinfo?.info_kind ?? '';
    const d = l.linkinfo?.info_data ?? {};
    return {
      name: l.ifname,
      kind,
      master: l.master ?? null,
      up: l.flags?.includes('UP') ?? false,
      mtu: l.mtu,
      ...(kind === 'vxlan'
        ? { vxlan: { id: d.id ?? -1, local: d.local ?? null, port: d.port ?? 0, udpCsum: d.udp_csum ?? false } }
        : {}),
      ...(kind === 'vlan' ? { vlan: { id: d.id ?? -1, link: l.link ?? null } } : {}),
      ...(kind === 'bridge' ? { bridge: { forwardDelay: d.forward_delay ?? -1, stpState: d.stp_state ?? -1 } } : {}),
    };
  });
}

/** `ip -j -d link show` in the agent's namespace. */
export async function observeLinks(): Promise<BridgeLink[]> {
  return parseLinks((await run(['ip', '-j', '-d', 'link', 'show'])).stdout);
}

/** The Linux bridge part of a plan. */
export interface BridgePlan {
  readonly linuxBridges: readonly LinuxBridgeItem[];
  readonly bridgeUplinks: readonly BridgeUplinkItem[];
  readonly bridgePorts: readonly BridgePortItem[];
}

function sameUplink(u: BridgeUplinkItem, l: BridgeLink): boolean {
  switch (u.link.type) {
    case 'vxlan':
      return (
        l.kind === 'vxlan' &&
        l.vxlan?.id === u.link.vni &&
        l.vxlan.local === u.link.local &&
        l.vxlan.port === u.link.dstport &&
        l.vxlan.udpCsum === u.link.udpCsum
      );
    case 'vlan':
      return l.kind === 'vlan' && l.vlan?.id === u.link.vlan && l.vlan.link === u.link.parent;
    case 'physical':
      return true;
  }
}

function createUplink(u: BridgeUplinkItem): string | null {
  switch (u.link.type) {
    case 'vxlan':
      return `link add ${u.name} type vxlan id ${u.link.vni} local ${u.link.local} dstport ${u.link.dstport} ${u.link.udpCsum ? 'udpcsum' : 'noudpcsum'}`;
    case 'vlan':
      return `link add link ${u.link.parent} name ${u.name} type vlan id ${u.link.vlan}`;
    case 'physical':
      return null;
  }
}

/** `link set` with what differs: MTU, master, state; null when nothing does. */
function setLink(
  name: string,
  l: BridgeLink | undefined,
  want: { mtu: number | null; master?: string | null; up: boolean },
  fresh: string[] = [],
): string | null {
  const parts = [...fresh];
  if (want.mtu !== null && l?.mtu !== want.mtu) parts.push(`mtu ${want.mtu}`);
  if (want.master !== undefined && (l?.master ?? null) !== want.master)
    parts.push(want.master === null ? 'nomaster' : `master ${want.master}`);
  if ((l?.up ?? false) !== want.up) parts.push(want.up ? 'up' : 'down');
  return parts.length > 0 ? `link set ${name} ${parts.join(' ')}` : null;
}

/** One `ip -batch` line and the object it is for (a bridge, or the host for stale devices). */
export interface BridgeCommand {
  readonly object: string;
  readonly line: string;
}

/**
 * The `ip -batch` lines that bring the links to the plan, in an order the kernel accepts
 * (what is in the way first, bridges before what joins them, stale devices last). Pure.
 * Objects are the bridges: a bridge's own lines, its uplink's and its taps'; taps that belong
 * in no bridge and stale devices are the host's (`host`).
 */
export function bridgeCommands(plan: BridgePlan, links: readonly BridgeLink[], prune: boolean): BridgeCommand[] {
  const byName = new Map(links.map((l) => [l.name, l]));
  const first: BridgeCommand[] = [];
  const out: BridgeCommand[] = [];
  const last: BridgeCommand[] = [];
  const add = (list: BridgeCommand[], object: string, line: string | null) => {
    if (line) list.push({ object, line });
  };
  for (const b of plan.linuxBridges) {
    const l = byName.get(b.name);
    const fresh = l?.kind !== 'bridge';
    if (l && fresh) add(first, b.name, `link del ${b.name}`);
    if (fresh) add(out, b.name, `link add ${b.name} type bridge forward_delay 0 stp_state 0`);
    else if (l.bridge?.forwardDelay !== 0 || l.bridge.stpState !== 0)
      add(out, b.name, `link set ${b.name} type bridge forward_delay 0 stp_state 0`);
    add(out, b.name, setLink(b.name, fresh ? undefined : l, { mtu: b.mtu, up: true }, fresh ? ['addrgenmode none'] : []));
  }
  for (const u of plan.bridgeUplinks) {
    const l = byName.get(u.name);
    const create = createUplink(u);
    if (create === null && !l) continue; // a physical interface that is not there: nothing to enslave
    const recreate = l !== undefined && create !== null && !sameUplink(u, l);
    if (recreate) add(first, u.bridge, `link del ${u.name}`);
    const fresh = create !== null && (!l || recreate);
    if (fresh) add(out, u.bridge, create);
    const want = { mtu: u.mtu, master: u.bridge, up: true };
    add(out, u.bridge, setLink(u.name, fresh ? undefined : l, want, fresh ? ['addrgenmode none'] : []));
  }
  for (const p of plan.bridgePorts) {
    const l = byName.get(p.device);
    if (!l) continue; // not plugged (yet): wired when it appears
    add(out, p.bridge ?? HOST_OBJECT, setLink(p.device, l, { mtu: p.bridge ? p.mtu : null, master: p.bridge, up: p.up }));
  }
  if (prune) {
    const wantedBridges = new Set(plan.linuxBridges.map((b) => b.name));
    const wantedUplinks = new Set(plan.bridgeUplinks.map((u) => u.name));
    const stale = new Set(
      links
        .filter((l) => l.kind === 'bridge' && l.name.startsWith(LINUX_BRIDGE_PREFIX) && !wantedBridges.has(l.name))
        .map((l) => l.name),
    );
    for (const l of links) {
      if (wantedUplinks.has(l.name)) continue;
      const ownVxlan = l.kind === 'vxlan' && l.name.startsWith(VXLAN_DEVICE_PREFIX);
      const staleVlan = l.kind === 'vlan' && l.master !== null && stale.has(l.master);
      if (ownVxlan || staleVlan) add(last, HOST_OBJECT, `link del ${l.name}`);
    }
    // Deleting a bridge releases what is left in it (a flat network's interface, taps).
    for (const name of [...stale].sort()) add(last, HOST_OBJECT, `link del ${name}`);
  }
  return [...first, ...out, ...last];
}

/** The object of lines that concern no bridge of the plan. */
export const HOST_OBJECT = 'host';

/**
 * Runs the lines in one `ip -force -batch` (every line runs even if one fails) and returns
 * the objects whose lines failed, with ip's complaint.
 */
export async function applyBridgeCommands(commands: readonly BridgeCommand[]): Promise<Map<string, Error>> {
  const failed = new Map<string, Error>();
  if (commands.length === 0) return failed;
  const input = `${commands.map((c) => c.line).join('\n')}\n`;
  const r = await run(['ip', '-force', '-batch', '-'], { input, okStatuses: [1] });
  if (r.status === 0) return failed;
  const lines = r.stderr.split('\n');
  lines.forEach((text, i) => {
    const m = /^Command failed -:(\d+)$/.exec(text.trim());
    const c = m ? commands[Number(m[1]) - 1] : undefined;
    if (c && !failed.has(c.object)) failed.set(c.object, new Error(`ip ${c.line}: ${lines[i - 1]?.trim() ?? 'failed'}`));
  });
  if (failed.size === 0) failed.set(HOST_OBJECT, new Error(`ip -batch failed: ${r.stderr.trim()}`));
  return failed;
}
