/**
 * Taps: how the Linux bridge agent finds plugged ports and what it does with them. A port's
 * device is `tap` + 11 characters of its id (an instance's tap, or the outer end of a DHCP or
 * router port's veth). A tap of a port bound here, up, on a network that is up, belongs in the
 * network's bridge and up; every other tap (a port not bound here, an unknown one, a port or
 * network set down) is taken out of its bridge and set down, as Neutron's agent sets a tap's
 * link from the port's admin_state_up. A port is ACTIVE once its tap is there and wired.
 */
import { linuxBridge, tapDevice } from '../../../model/names.js';
import type { Network, Port } from '../../../model/resources.js';
import type { BridgePortItem } from '../plan.js';

export interface TapWiring {
  readonly bridgePorts: BridgePortItem[];
  readonly portStates: Map<string, 'ACTIVE' | 'DOWN'>;
}

export function wireTaps(local: readonly Port[], networks: ReadonlyMap<string, Network>, observed: readonly string[]): TapWiring {
  const present = new Set(observed);
  const bridgePorts: BridgePortItem[] = [];
  const portStates = new Map<string, 'ACTIVE' | 'DOWN'>();
  const mine = new Set<string>();
  for (const p of local) {
    const device = tapDevice(p.id);
    const net = networks.get(p.network_id)!;
    const wired = p.admin_state_up && net.admin_state_up;
    mine.add(device);
    bridgePorts.push({
      kind: 'bridgePort',
      device,
      portId: p.id,
      bridge: wired ? linuxBridge(net.id) : null,
      up: wired,
      mtu: net.mtu,
      origin: { kind: 'port', id: p.id },
    });
    portStates.set(p.id, wired && present.has(device) ? 'ACTIVE' : 'DOWN');
  }
  for (const device of [...present].sort()) {
    if (mine.has(device)) continue;
    bridgePorts.push({
      kind: 'bridgePort',
      device,
      portId: null,
      bridge: null,
      up: false,
      mtu: null,
      origin: { kind: 'host', id: device },
    });
  }
  return { bridgePorts, portStates };
}
