/**
 * The OVSDB part of a host plan: bridges, the ports the agent makes (patches, tunnels, the
 * outer ends of service ports, the underlay interface) and the wiring of VIFs (tag and
 * other_config). One transaction per apply (see ovsdb/apply-switch-change.ts):
 *
 *   ovs-vsctl -- --may-exist add-br br-tun -- set Bridge br-tun datapath_type=netdev fail_mode=secure
 *             -- --may-exist add-port br-tun gre-c6120102 -- set Interface gre-c6120102 type=gre …
 *             -- set Port qvo3c9b4a1e-2f tag=1 other_config:net_uuid=…
 *
 * Ports the agent made carry external_ids:quark-owned=true; with `prune`, such ports that the
 * plan no longer has are removed, and so are trunk bridges (`tbr-…`) the plan no longer has
 * while nothing but patch ports is left on them. VIFs plugged by others are never removed, only
 * re-tagged.
 */
import type { HostFacts, ObservedVif } from '../compile/inputs.js';
import type { HostPlan } from '../compile/plan.js';
import type { OpenFlowVersion, PortSpec, SwitchChange, SwitchState } from './ovsdb/index.js';
import { DEAD_VLAN, isTrunkBridge } from '../../model/names.js';

export const OWNED = 'quark-owned';

/**
 * VIFs (interfaces with iface-id), the local VLANs recorded on br-int ports, the interface
 * types ovs-vswitchd offers and the interfaces it could not open.
 */
export function factsFrom(state: SwitchState, integrationBridge: string): HostFacts {
  const vifs: ObservedVif[] = [];
  const localVlans = new Map<string, number>();
  const ovsInterfaceErrors = new Map<string, string>();
  for (const b of state.bridges) {
    for (const p of b.ports) {
      for (const i of p.interfaces) {
        if (i.error) ovsInterfaceErrors.set(i.name, i.error);
        const ifaceId = i.externalIds['iface-id'];
        if (ifaceId) vifs.push({ bridge: b.name, portName: p.name, ifaceId, ofport: i.ofport ?? null });
      }
      const net = p.otherConfig.net_uuid;
      if (b.name === integrationBridge && net && p.tag !== undefined && p.tag < DEAD_VLAN) localVlans.set(net, p.tag);
    }
  }
  return { vifs, localVlans, ovsIfaceTypes: state.ifaceTypes, ovsInterfaceErrors };
}

type OvsPlan = Pick<HostPlan, 'bridges' | 'ovsPorts' | 'vifBindings' | 'servicePorts'>;

export function switchChangeFor(plan: OvsPlan, state: SwitchState, prune: boolean): SwitchChange {
  const existingPorts = new Map(state.bridges.flatMap((b) => b.ports.map((p) => [p.name, { bridge: b.name, port: p }] as const)));
  const ports: PortSpec[] = plan.ovsPorts.map((p) => ({
    bridge: p.bridge,
    name: p.name,
    tag: p.tag,
    interfaces: [{ name: p.name, type: p.type, options: p.options, externalIds: { ...p.externalIds, [OWNED]: 'true' } }],
  }));
  for (const s of plan.servicePorts) {
    ports.push({
      bridge: s.bridge,
      name: s.bridgePort,
      interfaces: [
        {
          name: s.bridgePort,
          type: 'system',
          externalIds: { 'iface-id': s.portId, 'attached-mac': s.mac, 'iface-status': 'active', [OWNED]: 'true' },
        },
      ],
    });
  }
  const planned = new Set(ports.map((p) => p.name));
  const removePorts: string[] = [];
  const removeBridges: string[] = [];
  if (prune) {
    // A trunk bridge the plan no longer has goes with its patch ports, unless something else
    // (the instance's VIF) is still plugged into it: os-vif removes those when it unplugs.
    const plannedBridges = new Set(plan.bridges.map((b) => b.name));
    for (const b of state.bridges) {
      if (!isTrunkBridge(b.name) || plannedBridges.has(b.name)) continue;
      const others = b.ports.filter((p) => p.name !== b.name && !p.interfaces.every((i) => i.type === 'patch'));
      if (others.length > 0) continue;
      removeBridges.push(b.name);
      for (const p of b.ports) for (const i of p.interfaces) if (i.options.peer) removePorts.push(i.options.peer);
    }
    const ours = new Set(plan.bridges.map((b) => b.name));
    for (const b of state.bridges) {
      if (!ours.has(b.name)) continue;
      for (const p of b.ports) {
        if (planned.has(p.name) || p.name === b.name) continue;
        const owned = p.interfaces.some(
          (i) => i.externalIds[OWNED] === 'true' || i.type === 'patch' || i.type === 'gre' || i.type === 'vxlan',
        );
        if (owned) removePorts.push(p.name);
      }
    }
  }
  // A VIF is re-tagged only while it exists: the agent never creates a port someone else plugs.
  // The outer end of a service port the plan dropped is still a VIF until it is removed.
  const removed = new Set(removePorts);
  for (const v of plan.vifBindings) {
    const existing = existingPorts.get(v.portName);
    if (!existing || existing.bridge !== v.bridge || removed.has(v.portName)) continue;
    const index = ports.findIndex((p) => p.name === v.portName);
    const spec: PortSpec = { bridge: v.bridge, name: v.portName, tag: v.tag, otherConfig: v.otherConfig };
    if (index >= 0) ports[index] = { ...ports[index]!, tag: v.tag, otherConfig: v.otherConfig };
    else ports.push(spec);
  }
  return {
    bridges: plan.bridges.map((b) => ({
      name: b.name,
      datapathType: b.datapathType,
      failMode: b.failMode,
      protocols: b.protocols as OpenFlowVersion[],
    })),
    ports,
    removePorts: [...new Set(removePorts)],
    removeBridges,
    comment: 'quark-agent',
  };
}
