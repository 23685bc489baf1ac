/**
 * The L2 part of the plan, as Neutron's OVS agent builds it: bridges and patches, local VLANs,
 * tunnels to the hosts that share networks, br-int/br-tun/provider flows and VIF wiring.
 */
import type { HostFacts, HostSettings, ReplicaView } from '../inputs.js';
import type { PlanPart } from '../plan.js';
import { brIntBaseFlows, providerFlows, switchFlows } from './br-int.js';
import { brTunFlows } from './br-tun.js';
import { bridgesOf } from './bridges.js';
import { hostPorts } from './host-ports.js';
import { localIpFlows } from './local-ip.js';
import { qosPart } from './qos.js';
import { assignLocalVlans } from './local-vlans.js';
import { remoteEndpoints, tunnelPorts } from './tunnels.js';
import { trunkWiring } from './trunks.js';
import { wireVifs } from './vif-bindings.js';

export interface L2Result {
  readonly part: PlanPart;
  readonly localVlans: Map<string, number>;
  readonly portStates: Map<string, 'ACTIVE' | 'DOWN'>;
}

export function compileL2(replica: ReplicaView, facts: HostFacts, settings: HostSettings): L2Result {
  const hp = hostPorts(replica, settings.host);
  const localVlans = assignLocalVlans(new Set(hp.networks.keys()), facts.localVlans);
  const { bridges, ports } = bridgesOf(settings, facts);
  const endpoints = remoteEndpoints(replica, settings, hp);
  const wiring = wireVifs(replica, facts, settings.host, localVlans, hp.local);
  const qos = qosPart(replica, wiring.bindings, hp.local);
  const trunks = trunkWiring(replica, settings, localVlans);
  const flows = [
    ...brIntBaseFlows(settings.host),
    ...(settings.tunnelTypes.length > 0
      ? brTunFlows({ host: settings.host, networks: hp.networks, localVlans, endpoints, remotePorts: hp.remote })
      : []),
    ...providerFlows({ host: settings.host, bridgeMappings: settings.bridgeMappings, networks: hp.networks, localVlans }),
    ...(settings.underlay && settings.datapathType === 'netdev' ? switchFlows(settings.underlay.bridge, settings.host) : []),
    ...localIpFlows(replica, settings.host, wiring.bindings, hp.local),
    ...qos.flows,
    ...trunks.flows,
  ];
  return {
    part: {
      bridges: [...bridges, ...trunks.bridges],
      ovsPorts: [...ports, ...tunnelPorts(settings, endpoints), ...trunks.ports],
      vifBindings: wiring.bindings,
      flows,
      bandwidthLimits: qos.bandwidthLimits,
    },
    localVlans,
    portStates: wiring.portStates,
  };
}
