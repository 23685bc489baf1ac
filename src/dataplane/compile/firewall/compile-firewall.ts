/**
 * The firewall part of the plan (L2 role): the model of what each port of this host may send
 * and receive, and the items the configured driver enforces it with. The model itself is in
 * the plan too (firewallPorts, firewallGroups): the agent judges conntrack entries with it when
 * rules narrow.
 */
import type { FirewallDriverName, HostFacts, HostSettings, ReplicaView } from '../inputs.js';
import type { PlanPart } from '../plan.js';
import { FIREWALL_DRIVERS } from './driver.js';
import { firewallModel } from './model.js';

export function compileFirewall(replica: ReplicaView, facts: HostFacts, settings: HostSettings): PlanPart {
  const driver = FIREWALL_DRIVERS[settings.firewallDriver ?? defaultFirewallDriver(settings)];
  if (driver.name === 'noop') return {};
  const model = firewallModel(
    replica,
    settings.host,
    facts.conntrackZones ?? new Map(),
    settings.securityGroupLog,
    driver.scheme,
  );
  return { firewallPorts: model.ports, firewallGroups: model.groups, ...driver.enforce(model) };
}

/** Neutron's pairing: the hybrid plug's driver with Open vSwitch, `iptables` with Linux bridge. */
export function defaultFirewallDriver(settings: Pick<HostSettings, 'mechanism'>): FirewallDriverName {
  return settings.mechanism === 'linuxbridge' ? 'iptables' : 'iptables_hybrid';
}
