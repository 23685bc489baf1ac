/**
 * compile(replica, facts, settings) → HostPlan: the whole desired state of one host, computed
 * from scratch on every call, without I/O, clock or randomness. The agent runs it after every
 * batch of changes; drivers apply the difference to the host.
 */
import type { HostFacts, HostSettings, ReplicaView } from './inputs.js';
import { bridgesOf } from './l2/bridges.js';
import { brIntBaseFlows, providerFlows, switchFlows } from './l2/br-int.js';
import { brTunFlows } from './l2/br-tun.js';
import { hostPorts } from './l2/host-ports.js';
import { assignLocalVlans } from './l2/local-vlans.js';
import { remoteEndpoints, tunnelPorts } from './l2/tunnels.js';
import { wireVifs } from './l2/vif-bindings.js';
import type { HostPlan } from './plan.js';

export function compile(replica: ReplicaView, facts: HostFacts, settings: HostSettings): HostPlan {
  const hp = hostPorts(replica, settings.host);
  const localVlans = assignLocalVlans(new Set(hp.networks.keys()), facts.localVlans);
  const { bridges, ports } = bridgesOf(settings);
  const endpoints = remoteEndpoints(replica, settings, hp);
  const wiring = wireVifs(replica, facts, settings.host, localVlans, hp.local);
  const flows = [
    ...brIntBaseFlows(settings.host),
    ...(settings.tunnelTypes.length > 0
      ? brTunFlows({ host: settings.host, networks: hp.networks, localVlans, endpoints, remotePorts: hp.remote })
      : []),
    ...providerFlows({ host: settings.host, bridgeMappings: settings.bridgeMappings, networks: hp.networks, localVlans }),
    ...(settings.underlay && settings.datapathType === 'netdev' ? switchFlows(settings.underlay.bridge, settings.host) : []),
  ];
  return {
    bridges,
    ovsPorts: [...ports, ...tunnelPorts(settings, endpoints)],
    vifBindings: wiring.bindings,
    flows,
    namespaces: [],
    servicePorts: [],
    routes: [],
    sysctls: [],
    iptables: [],
    ipsets: [],
    localVlans,
    portStates: wiring.portStates,
  };
}
