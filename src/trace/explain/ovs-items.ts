/**
 * Explain's Open vSwitch section: the host's bridges and their ports from OVSDB, each tied to
 * what caused it (a VIF to its port, a tunnel to the remote host and the networks it carries,
 * the outer end of a DHCP or router device to its port), with the local VLAN a VIF is tagged
 * with compared against the plan, and the local VLAN ↔ network ↔ tunnel key table.
 */
import type { HostItem } from '../../model/explain.js';
import type { ObjectRef } from '../../model/trace.js';
import type { ExplainView, OvsPortView } from '../host-view.js';
import { DEAD_VLAN, INTEGRATION_BRIDGE, TUNNEL_BRIDGE, isTrunkBridge, isTrunkPatch } from '../../model/names.js';
import type { Trunk } from '../../model/trunk.js';

const BRIDGE_WORDS: Readonly<Record<string, string>> = {
  [INTEGRATION_BRIDGE]: 'integration bridge: every port of the host, one local VLAN per network',
  [TUNNEL_BRIDGE]: 'tunnel bridge: local VLANs ↔ tunnel keys, one tunnel per host that shares a network',
};

function networkWords(view: ExplainView, networkId: string): string {
  const n = view.labels.replica.networks.get(networkId);
  const type = n?.['provider:network_type'];
  const seg = n?.['provider:segmentation_id'];
  const carried =
    type === 'gre' || type === 'vxlan'
      ? `${type.toUpperCase()} key ${seg}`
      : `${type ?? '?'}${n?.['provider:physical_network'] ? ` on ${n['provider:physical_network']}` : ''}`;
  return `${view.labels.label({ kind: 'network', id: networkId })}, ${carried}`;
}

/** Networks whose flood flows send into tunnel `name`. */
function tunnelNetworks(view: ExplainView, name: string): ObjectRef[] {
  const ids = view.plan.flows
    .filter((f) => f.origin.kind === 'network' && f.actions.includes(`output:${name}`))
    .map((f) => f.origin.id);
  return [...new Set(ids)].map((id) => ({ kind: 'network', id }));
}

/** The trunk whose bridge is `bridge`, from the plan (the bridge's origin). */
function trunkOfBridge(view: ExplainView, bridge: string): Trunk | undefined {
  const origin = view.plan.bridges.find((b) => b.name === bridge)?.origin;
  return origin?.kind === 'trunk' ? view.labels.replica.trunks?.get(origin.id) : undefined;
}

/**
 * A port of a trunk's wiring (docs/trunks.md): the instance's VIF on the trunk bridge, or one
 * end of the patch pair of the parent (tpt-/tpi-) or of a subport (spt-/spi-).
 */
function trunkPortItem(view: ExplainView, p: OvsPortView): HostItem | null {
  const planned = view.plan.ovsPorts.find((x) => x.name === p.name && x.bridge === p.bridge);
  const trunkId =
    planned?.origin.kind === 'trunk'
      ? planned.origin.id
      : [...(view.labels.replica.trunks?.values() ?? [])].find(
          (t) => t.port_id === p.ifaceId || t.sub_ports.some((s) => s.port_id === p.ifaceId),
        )?.id;
  const trunk = isTrunkBridge(p.bridge)
    ? trunkOfBridge(view, p.bridge)
    : trunkId
      ? view.labels.replica.trunks?.get(trunkId)
      : undefined;
  if (!trunk || !p.ifaceId) return null;
  const text = `${p.bridge} port ${p.name}${p.type ? ` type=${p.type}` : ''}${p.tag !== null ? ` tag=${p.tag}` : ''}`;
  const base = { section: 'ovs-port' as const, where: p.bridge, text };
  const port: ObjectRef = { kind: 'port', id: p.ifaceId };
  const owners: ObjectRef[] = [port, { kind: 'trunk', id: trunk.id }];
  const of = `${view.labels.label(port)} of ${view.labels.label({ kind: 'trunk', id: trunk.id })}`;
  const sub = trunk.sub_ports.find((s) => s.port_id === p.ifaceId);
  const net = view.labels.replica.ports.get(p.ifaceId)?.network_id;
  if (p.type !== 'patch') {
    const subs = trunk.sub_ports.map((s) => `VLAN ${s.segmentation_id} → ${view.labels.label({ kind: 'port', id: s.port_id })}`);
    return {
      ...base,
      says: `the instance's VIF of ${of}: untagged frames are the parent's${subs.length > 0 ? `; ${subs.join(', ')}` : ''}`,
      owners,
      status: 'ok',
    };
  }
  const onInt = p.bridge === INTEGRATION_BRIDGE;
  const status = !planned ? 'stale' : planned.tag === (p.tag ?? null) ? 'ok' : 'differs';
  const wants = status === 'differs' ? `; the plan wants tag ${planned?.tag}` : '';
  const local =
    p.tag === DEAD_VLAN
      ? `the dead VLAN ${DEAD_VLAN} (not wired)`
      : `local VLAN ${p.tag} = ${net ? networkWords(view, net) : '?'}`;
  const says = onInt
    ? `patch to ${p.options.peer ?? '?'}: ${sub ? 'subport' : 'parent'} ${of}, access port on ${local}${wants}`
    : sub
      ? `patch to ${p.options.peer ?? '?'}: frames of VLAN ${sub.segmentation_id} leave the trunk bridge untagged for subport ${of}${wants}`
      : `patch to ${p.options.peer ?? '?'}: untagged frames of the parent ${of}`;
  return { ...base, says, owners, status };
}

function portItem(view: ExplainView, p: OvsPortView): HostItem {
  if (isTrunkBridge(p.bridge) || isTrunkPatch(p.name)) {
    const item = trunkPortItem(view, p);
    if (item) return item;
  }
  const planned = view.plan.ovsPorts.find((x) => x.name === p.name && x.bridge === p.bridge);
  const service = view.plan.servicePorts.find((s) => s.bridgePort === p.name);
  const binding = view.plan.vifBindings.find((v) => v.portName === p.name);
  const text = `${p.bridge} port ${p.name}${p.type ? ` type=${p.type}` : ''}${p.tag !== null ? ` tag=${p.tag}` : ''}`;
  const base = { section: 'ovs-port' as const, where: p.bridge, text };
  if (p.type === 'gre' || p.type === 'vxlan') {
    const remote = p.externalIds['quark-remote-host'] ?? p.options.remote_ip ?? '?';
    const nets = tunnelNetworks(view, p.name);
    const carries = nets.map((n) => networkWords(view, n.id)).join('; ');
    return {
      ...base,
      says: `${p.type.toUpperCase()} tunnel to host ${remote} (${p.options.remote_ip ?? '?'})${carries ? ` carrying ${carries}` : ''}`,
      owners: [{ kind: 'host', id: remote }, ...nets],
      status: planned ? 'ok' : 'stale',
    };
  }
  if (p.ifaceId) {
    const port = view.labels.replica.ports.get(p.ifaceId);
    const owners: ObjectRef[] = [{ kind: 'port', id: p.ifaceId }];
    const what = service ? `outer end of ${service.device} in ${service.netns}` : 'VIF';
    if (!port || !binding)
      return { ...base, says: `${what} of port ${p.ifaceId}, which this host does not serve`, owners, status: 'stale' };
    const net = port.network_id;
    const vlan =
      p.tag === DEAD_VLAN ? `the dead VLAN ${DEAD_VLAN} (not wired)` : `local VLAN ${p.tag} = ${networkWords(view, net)}`;
    const status = p.tag === binding.tag ? 'ok' : 'differs';
    const wants = status === 'differs' ? `; the plan wants tag ${binding.tag}` : '';
    return {
      ...base,
      says: `${what} of ${view.labels.label(owners[0]!)}, access port on ${vlan}${wants}`,
      owners,
      status,
    };
  }
  if (p.type === 'patch')
    return {
      ...base,
      says: `patch to ${p.options.peer ?? '?'}`,
      owners: [{ kind: 'host', id: view.host }],
      status: planned ? 'ok' : 'extra',
    };
  if (p.name === p.bridge)
    return { ...base, says: 'the bridge’s own internal port', owners: [{ kind: 'host', id: view.host }], status: 'ok' };
  if (p.bridge === view.settings.underlay?.bridge)
    return {
      ...base,
      says: 'underlay interface: tunnels leave through it',
      owners: [{ kind: 'host', id: view.host }],
      status: 'ok',
    };
  const physnet = Object.entries(view.settings.bridgeMappings).find(([, b]) => b === p.bridge)?.[0];
  if (physnet)
    return { ...base, says: `physical interface of ${physnet}`, owners: [{ kind: 'host', id: view.host }], status: 'ok' };
  return { ...base, says: 'not made or wired by Quark', owners: [], status: 'foreign' };
}

export async function ovsItems(view: ExplainView): Promise<HostItem[]> {
  const ports = await view.ovsPorts();
  const bridges = [...new Set(ports.map((p) => p.bridge))];
  const out: HostItem[] = [];
  const physnets = Object.entries(view.settings.bridgeMappings);
  for (const b of new Set([...bridges, ...view.plan.bridges.map((x) => x.name)])) {
    const planned = view.plan.bridges.some((x) => x.name === b);
    const physnet = physnets.find(([, x]) => x === b)?.[0];
    const trunk = trunkOfBridge(view, b);
    const says =
      BRIDGE_WORDS[b] ??
      (trunk
        ? `trunk bridge of ${view.labels.label({ kind: 'trunk', id: trunk.id })}: the instance's VIF, patched to br-int for its parent and each subport`
        : undefined) ??
      (physnet
        ? `provider bridge of ${physnet}`
        : b === view.settings.underlay?.bridge
          ? 'underlay bridge: owns the tunnel address'
          : 'not Quark’s');
    const status = !bridges.includes(b) ? 'missing' : planned ? 'ok' : physnet ? 'ok' : 'foreign';
    const owners: ObjectRef[] = trunk ? [{ kind: 'trunk', id: trunk.id }] : [{ kind: 'host', id: view.host }];
    out.push({ section: 'bridge', where: 'ovs', text: `bridge ${b}`, says, owners, status });
  }
  for (const p of ports) out.push(portItem(view, p));
  for (const p of view.plan.ovsPorts) {
    if (!ports.some((x) => x.name === p.name)) {
      out.push({
        section: 'ovs-port',
        where: p.bridge,
        text: `${p.bridge} port ${p.name} type=${p.type}`,
        says: 'planned, not on the bridge',
        owners: p.origin.kind === 'host' ? [{ kind: 'host', id: p.origin.id }] : [p.origin],
        status: 'missing',
      });
    }
  }
  for (const [net, vlan] of [...view.plan.localVlans].sort(([, a], [, b]) => a - b)) {
    out.push({
      section: 'local-vlan',
      where: INTEGRATION_BRIDGE,
      text: `local VLAN ${vlan}`,
      says: `local VLAN ${vlan} ↔ ${networkWords(view, net)}`,
      owners: [{ kind: 'network', id: net }],
      status: 'ok',
    });
  }
  return out;
}
