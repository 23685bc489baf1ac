/**
 * Wiring of plugged VIFs: a VIF whose port is local (bound here, or a port of an HA router
 * hosted here), up, and on a network with a local VLAN gets that VLAN as its tag; every other
 * VIF (unknown port, admin down, not yet bound) sits on the dead VLAN so nothing leaks. A port
 * bound here is ACTIVE once its VIF is wired (an HA router's port is reported by the node it is
 * bound to, the active one).
 */
import { DEAD_VLAN, INTEGRATION_BRIDGE } from '../../../model/names.js';
import type { Port } from '../../../model/resources.js';
import type { HostFacts, ReplicaView } from '../inputs.js';
import type { VifBindingItem } from '../plan.js';
import { boundHere } from './host-ports.js';

export interface VifWiring {
  readonly bindings: VifBindingItem[];
  readonly portStates: Map<string, 'ACTIVE' | 'DOWN'>;
}

export function wireVifs(
  replica: ReplicaView,
  facts: HostFacts,
  host: string,
  localVlans: ReadonlyMap<string, number>,
  local: readonly Port[],
): VifWiring {
  const bindings: VifBindingItem[] = [];
  const portStates = new Map<string, 'ACTIVE' | 'DOWN'>();
  const localIds = new Set(local.map((p) => p.id));
  for (const p of local) if (boundHere(p, host)) portStates.set(p.id, 'DOWN');
  const vifs = [...facts.vifs].filter((v) => v.bridge === INTEGRATION_BRIDGE).sort((a, b) => (a.portName < b.portName ? -1 : 1));
  for (const vif of vifs) {
    const port = replica.ports.get(vif.ifaceId);
    const net = port ? replica.networks.get(port.network_id) : undefined;
    const vlan = net ? localVlans.get(net.id) : undefined;
    const wired = port && net && vlan !== undefined && localIds.has(port.id) && port.admin_state_up && net.admin_state_up;
    const tag = wired ? vlan : DEAD_VLAN;
    bindings.push({
      kind: 'vifBinding',
      bridge: INTEGRATION_BRIDGE,
      portName: vif.portName,
      portId: vif.ifaceId,
      tag,
      otherConfig:
        wired && net
          ? {
              net_uuid: net.id,
              network_type: net['provider:network_type'],
              physical_network: net['provider:physical_network'] ?? 'None',
              segmentation_id: String(net['provider:segmentation_id'] ?? 'None'),
              tag: String(tag),
            }
          : {},
      origin: { kind: 'port', id: vif.ifaceId },
    });
    if (wired && port && portStates.has(port.id)) portStates.set(port.id, 'ACTIVE');
  }
  return { bindings, portStates };
}
