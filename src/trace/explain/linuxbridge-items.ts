/**
 * Explain's Linux bridge section (hosts of the linuxbridge mechanism): each network's bridge,
 * its uplink (VXLAN device, VLAN sub-interface, flat interface) and the taps in it, as `ip -d
 * link show` describes them; l2population's forwarding entries (`bridge fdb show`) and
 * neighbour entries (`ip neigh show`) on the VXLAN devices. Each against the plan: missing,
 * differing, stale (a bridge or VXLAN device the plan no longer has), extra (an entry the
 * agent owns that the plan lacks); entries the kernel learnt from traffic are shown as such.
 */
import type { FdbEntry } from '../../dataplane/drivers/bridge-fdb.js';
import type { BridgeLink } from '../../dataplane/drivers/linux-bridge.js';
import type { BridgeUplinkItem, Origin } from '../../dataplane/compile/plan.js';
import { uplinkDetail } from '../../dataplane/compile/render-linuxbridge.js';
import type { HostItem, ItemStatus } from '../../model/explain.js';
import { LINUX_BRIDGE_PREFIX, VXLAN_DEVICE_PREFIX } from '../../model/names.js';
import type { ObjectRef } from '../../model/trace.js';
import type { ExplainView } from '../host-view.js';

const owner = (view: ExplainView, o: Origin): ObjectRef => (o.kind === 'host' ? { kind: 'host', id: view.host } : o);

function linkText(l: BridgeLink): string {
  const kind =
    l.kind === 'vxlan' && l.vxlan
      ? `vxlan id ${l.vxlan.id} local ${l.vxlan.local} dstport ${l.vxlan.port}${l.vxlan.udpCsum ? '' : ' noudpcsum'}`
      : l.kind === 'vlan' && l.vlan
        ? `vlan id ${l.vlan.id} link ${l.vlan.link}`
        : l.kind || 'device';
  return `${l.name}: ${kind} mtu ${l.mtu}${l.master ? ` master ${l.master}` : ''} ${l.up ? 'UP' : 'DOWN'}`;
}

function uplinkStatus(u: BridgeUplinkItem, l: BridgeLink | undefined): { status: ItemStatus; wants: string } {
  if (!l) return { status: 'missing', wants: '' };
  const same =
    l.master === u.bridge &&
    l.up &&
    (u.mtu === null || l.mtu === u.mtu) &&
    (u.link.type !== 'vxlan' ||
      (l.vxlan?.id === u.link.vni &&
        l.vxlan.local === u.link.local &&
        l.vxlan.port === u.link.dstport &&
        l.vxlan.udpCsum === u.link.udpCsum));
  const mtu = u.mtu === null ? '' : ` mtu ${u.mtu}`;
  return same
    ? { status: 'ok', wants: '' }
    : { status: 'differs', wants: `; the plan wants ${uplinkDetail(u)}${mtu} master ${u.bridge} up` };
}

function deviceItems(view: ExplainView, links: readonly BridgeLink[]): HostItem[] {
  const byName = new Map(links.map((l) => [l.name, l]));
  const out: HostItem[] = [];
  const item = (section: 'bridge' | 'device', text: string, says: string, owners: ObjectRef[], status: ItemStatus) =>
    out.push({ section, where: 'host', text, says, owners, status });
  for (const b of view.plan.linuxBridges) {
    const l = byName.get(b.name);
    const net = owner(view, b.origin);
    const status: ItemStatus = !l ? 'missing' : l.kind !== 'bridge' || l.mtu !== b.mtu || !l.up ? 'differs' : 'ok';
    const text = l ? linkText(l) : `${b.name}: bridge mtu ${b.mtu}`;
    item('bridge', text, `the Linux bridge of ${view.labels.label(net)}`, [net], status);
  }
  for (const u of view.plan.bridgeUplinks) {
    const l = byName.get(u.name);
    const net = owner(view, u.origin);
    const { status, wants } = uplinkStatus(u, l);
    const what =
      u.link.type === 'vxlan'
        ? `VXLAN device of ${view.labels.label(net)} (VNI ${u.link.vni}), in its bridge`
        : u.link.type === 'vlan'
          ? `VLAN ${u.link.vlan} sub-interface of ${u.link.parent} for ${view.labels.label(net)}`
          : `physical interface of ${view.labels.label(net)}`;
    item('device', l ? linkText(l) : `${u.name}: ${uplinkDetail(u)}`, `${what}${wants}`, [net], status);
  }
  for (const p of view.plan.bridgePorts) {
    const l = byName.get(p.device);
    if (!l) continue; // not plugged: nothing there to wire
    const refs: ObjectRef[] = p.portId ? [{ kind: 'port', id: p.portId }] : [];
    const ok = (l.master ?? null) === p.bridge && l.up === p.up && (p.mtu === null || p.bridge === null || l.mtu === p.mtu);
    const whose = p.portId ? view.labels.label(refs[0]!) : 'a port this host does not serve';
    const where = p.bridge ? `in its network's bridge ${p.bridge}` : 'out of every bridge and down';
    const wants = ok ? '' : `; the plan wants it ${p.bridge ? `in ${p.bridge}, up` : 'in no bridge, down'}`;
    item('device', linkText(l), `tap of ${whose}, ${where}${wants}`, refs, ok ? 'ok' : 'differs');
  }
  const planned = new Set([...view.plan.linuxBridges.map((b) => b.name), ...view.plan.bridgeUplinks.map((u) => u.name)]);
  for (const l of links) {
    const ours =
      (l.kind === 'bridge' && l.name.startsWith(LINUX_BRIDGE_PREFIX)) ||
      (l.kind === 'vxlan' && l.name.startsWith(VXLAN_DEVICE_PREFIX));
    if (!ours || planned.has(l.name)) continue;
    const net =
      l.kind === 'bridge'
        ? [...view.labels.replica.networks.keys()].find((id) => l.name === `${LINUX_BRIDGE_PREFIX}${id.slice(0, 11)}`)
        : undefined;
    const owners: ObjectRef[] = net ? [{ kind: 'network', id: net }] : [];
    const says = `named as the agent names its devices, for ${net ? view.labels.label(owners[0]!) : 'a network'}, which this host no longer serves`;
    item(l.kind === 'bridge' ? 'bridge' : 'device', linkText(l), says, owners, 'stale');
  }
  return out;
}

const fdbText = (e: { mac: string; device: string; dst: string | null }, permanent: boolean) =>
  `${e.mac} dev ${e.device} dst ${e.dst} self${permanent ? ' permanent' : ''}`;

function fdbItems(view: ExplainView, fdb: readonly FdbEntry[]): HostItem[] {
  const out: HostItem[] = [];
  const vxlan = fdb.filter((e) => e.device.startsWith(VXLAN_DEVICE_PREFIX) && e.master === null && e.dst !== null);
  const key = (e: { device: string; mac: string; dst: string | null }) => `${e.device} ${e.mac} ${e.dst}`;
  const have = new Map(vxlan.filter((e) => e.permanent).map((e) => [key(e), e]));
  for (const f of view.plan.fdbEntries) {
    const o = owner(view, f.origin);
    const to = `VTEP ${f.dst} (host ${view.labels.hostOfTunnelIp(f.dst) ?? '?'})`;
    const says =
      f.mac === '00:00:00:00:00:00'
        ? `floods the network's broadcasts and unknown MACs to ${to}`
        : `frames to ${view.labels.label(o)} go to ${to}`;
    out.push({
      section: 'fdb',
      where: f.device,
      text: fdbText(f, true),
      says,
      owners: [o],
      status: have.has(key(f)) ? 'ok' : 'missing',
    });
    have.delete(key(f));
  }
  for (const e of have.values()) {
    const port = view.labels.portsByMac(e.mac)[0];
    const owners: ObjectRef[] = port ? [{ kind: 'port', id: port.id }] : [];
    out.push({
      section: 'fdb',
      where: e.device,
      text: fdbText(e, true),
      says: 'an entry the agent owns that the plan lacks',
      owners,
      status: 'extra',
    });
  }
  for (const e of vxlan.filter((x) => !x.permanent)) {
    const port = view.labels.portsByMac(e.mac)[0];
    const owners: ObjectRef[] = port ? [{ kind: 'port', id: port.id }] : [];
    const says = `learnt from traffic: ${port ? view.labels.label(owners[0]!) : e.mac} is behind ${e.dst}`;
    out.push({ section: 'fdb', where: e.device, text: fdbText(e, false), says, owners, status: 'learnt' });
  }
  return out;
}

async function neighbourItems(view: ExplainView): Promise<HostItem[]> {
  if (view.plan.neighbours.length === 0) return [];
  const have = new Set((await view.neighbours(null)).map((n) => `${n.dev} ${n.ip} ${n.mac.toLowerCase()}`));
  return view.plan.neighbours.map((n) => {
    const o = owner(view, n.origin);
    return {
      section: 'neighbour' as const,
      where: n.device,
      text: `${n.ip} dev ${n.device} lladdr ${n.mac} PERMANENT`,
      says: `the address of ${view.labels.label(o)} on another host (l2population)`,
      owners: [o],
      status: have.has(`${n.device} ${n.ip} ${n.mac}`) ? ('ok' as const) : ('missing' as const),
    };
  });
}

export async function linuxBridgeItems(view: ExplainView): Promise<HostItem[]> {
  if (view.settings.mechanism !== 'linuxbridge') return [];
  const [links, fdb, neighbours] = await Promise.all([view.bridgeLinks(), view.bridgeFdb(), neighbourItems(view)]);
  return [...deviceItems(view, links), ...fdbItems(view, fdb), ...neighbours];
}
