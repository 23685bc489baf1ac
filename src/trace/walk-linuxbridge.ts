/**
 * One pass of a packet through a network's Linux bridge on a Linux bridge host, decided as the
 * kernel decides it, from the host's real tables: the bridge's forwarding database tells which
 * of its ports the destination MAC is behind (`bridge fdb show br brq…`: learnt or permanent);
 * an unknown MAC floods to every port but the one it came in on. A VXLAN device then looks the
 * MAC up in its own table (l2population's entries, `bridge fdb show dev vxlan-1001`) and
 * encapsulates towards that VTEP, or towards every flooding entry's. Where the plan has an
 * entry the host lacks, the hop says the host drifted.
 */
import type { FdbEntry } from '../dataplane/drivers/bridge-fdb.js';
import type { BridgeLink } from '../dataplane/drivers/linux-bridge.js';
import { VXLAN_DEVICE_PREFIX } from '../model/names.js';
import type { FdbEvidence, ObjectRef, TraceHop, TracePacket } from '../model/trace.js';
import type { HostView } from './host-view.js';
import type { BridgeOutput } from './walk-bridge.js';

const FLOOD = '00:00:00:00:00:00';
const BROADCAST = 'ff:ff:ff:ff:ff:ff';

export interface LinuxBridgePass {
  readonly hops: TraceHop[];
  readonly outputs: BridgeOutput[];
  /** Why the packet goes nowhere, when it does not. */
  readonly dropped: { readonly says: string; readonly refs: readonly ObjectRef[] } | null;
}

/** An entry as `bridge fdb show` prints it. */
function entryText(e: FdbEntry): string {
  const dst = e.dst ? ` dst ${e.dst}` : '';
  const where = e.master ? ` master ${e.master}` : ' self';
  return `${e.mac} dev ${e.device}${dst}${where}${e.permanent ? ' permanent' : ''}`;
}

function fdbEvidence(table: string, mac: string, entries: readonly FdbEntry[], says: string, refs: ObjectRef[]): FdbEvidence {
  return { kind: 'fdb', table, mac, entries: entries.map(entryText), says, refs };
}

/** What a VXLAN device does with the frame: the VTEPs it encapsulates it to, with the evidence. */
function vxlanOut(
  view: HostView,
  device: BridgeLink,
  mac: string,
  fdb: readonly FdbEntry[],
): { outputs: BridgeOutput[]; evidence: FdbEvidence[]; drift: string | null } {
  const vni = device.vxlan?.id ?? Number(device.name.slice(VXLAN_DEVICE_PREFIX.length));
  const own = fdb.filter((e) => e.device === device.name && e.master === null && e.dst !== null);
  const unicast = mac === BROADCAST ? [] : own.filter((e) => e.mac === mac);
  const port = view.labels.portsByMac(mac)[0];
  const refs: ObjectRef[] = port ? [{ kind: 'port', id: port.id }] : [];
  const planned = view.plan.fdbEntries.find((e) => e.device === device.name && e.mac === mac);
  const drift =
    planned && unicast.length === 0
      ? `${device.name} has no entry for ${mac} towards ${planned.dst}: the agent's plan has it, so the host has drifted`
      : null;
  const chosen = unicast.length > 0 ? unicast : own.filter((e) => e.mac === FLOOD);
  const hosts = chosen.map((e) => `${e.dst} (host ${view.labels.hostOfTunnelIp(e.dst!) ?? '?'})`);
  const says =
    unicast.length > 0
      ? `${mac}${port ? ` (${view.labels.label({ kind: 'port', id: port.id })})` : ''} is behind VTEP ${hosts.join(', ')}: encapsulated with VNI ${vni}`
      : chosen.length > 0
        ? `no entry for ${mac}: flooded with VNI ${vni} to every VTEP of the network, ${hosts.join(', ')}`
        : `no entry for ${mac} and no flooding entry: ${device.name} sends it nowhere`;
  const evidence = [fdbEvidence(device.name, unicast.length > 0 ? mac : FLOOD, chosen, says, refs)];
  const outputs = chosen.map(
    (e): BridgeOutput => ({ kind: 'tunnel', remoteIp: e.dst!, key: vni, type: 'vxlan', device: device.name }),
  );
  return { outputs, evidence, drift };
}

/** Runs the frame through `bridge` from port `inDevice`. */
export async function passLinuxBridge(
  view: HostView,
  bridge: string,
  inDevice: string,
  packet: TracePacket,
): Promise<LinuxBridgePass> {
  const links = await view.bridgeLinks();
  const fdb = await view.bridgeFdb();
  const network = view.plan.linuxBridges.find((b) => b.name === bridge);
  const netRef: ObjectRef[] = network ? [{ kind: 'network', id: network.networkId }] : [];
  const hop = (says: string, evidence: FdbEvidence[], result: 'pass' | 'drop' = 'pass'): TraceHop => ({
    host: view.host,
    where: bridge,
    says,
    result,
    evidence,
    refs: [...netRef, ...evidence.flatMap((e) => e.refs)],
  });
  if (!links.some((l) => l.name === bridge)) {
    const says = `host ${view.host} has no bridge ${bridge}${network ? ": the agent's plan has it, so the host has drifted" : ''}`;
    return { hops: [hop(says, [], 'drop')], outputs: [], dropped: { says, refs: netRef } };
  }
  const mac = (packet.dstMac ?? BROADCAST).toLowerCase();
  const ports = links.filter((l) => l.master === bridge && l.name !== inDevice && l.up);
  const learnt = mac === BROADCAST ? [] : fdb.filter((e) => e.master === bridge && e.mac === mac && e.device !== inDevice);
  const target = learnt[0] ? ports.find((p) => p.name === learnt[0]!.device) : undefined;
  const towards = target ? [target] : ports;
  const owner = view.labels.portsByMac(mac)[0];
  const ownerRefs: ObjectRef[] = owner ? [{ kind: 'port', id: owner.id }] : [];
  const bridgeSays = target
    ? `${mac} is behind ${target.name} (${learnt[0]!.permanent ? 'permanent' : 'learnt'})`
    : `${packet.dstMac === null ? 'to a MAC the host does not know' : mac === BROADCAST ? 'broadcast' : `${mac} is not in the table`}: flooded to ${ports.map((p) => p.name).join(', ') || 'no other port'}`;
  const evidence = [fdbEvidence(bridge, mac, learnt, bridgeSays, ownerRefs)];
  const outputs: BridgeOutput[] = [];
  const notes: string[] = [];
  const uplinks = new Map(view.plan.bridgeUplinks.map((u) => [u.name, u]));
  for (const p of towards) {
    if (p.kind === 'vxlan') {
      const v = vxlanOut(view, p, mac, fdb);
      evidence.push(...v.evidence);
      outputs.push(...v.outputs);
      if (v.drift) notes.push(v.drift);
    } else if (uplinks.has(p.name) || p.kind === 'vlan') {
      outputs.push({ kind: 'external', bridge, device: p.name });
    } else {
      outputs.push({ kind: 'port', name: p.name, portId: view.labels.portOfDevice(p.name)?.id ?? null });
    }
  }
  const says = [bridgeSays, ...evidence.slice(1).map((e) => e.says), ...notes].join('; ');
  if (outputs.length > 0) return { hops: [hop(says, evidence)], outputs, dropped: null };
  const why = notes[0] ?? says;
  return { hops: [hop(says, evidence, 'drop')], outputs, dropped: { says: why, refs: [...netRef, ...ownerRefs] } };
}
