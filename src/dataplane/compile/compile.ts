/**
 * compile(replica, facts, settings) → HostPlan: the whole desired state of one host, computed
 * from scratch on every call, without I/O, clock or randomness. The agent runs it after every
 * batch of changes; drivers apply the difference to the host. Each role contributes a part:
 * L2 (bridges, tunnels, flows, VIF wiring, by the host's mechanism: mechanisms.ts), the
 * firewall of the L2 role (iptables and ipsets on the hybrid path or the Linux bridge), DHCP
 * (qdhcp namespaces and dnsmasq) and L3 (qrouter namespaces and NAT).
 */
import { compileDhcp } from './dhcp/compile-dhcp.js';
import { compileFirewall } from './firewall/compile-firewall.js';
import type { HostFacts, HostSettings, ReplicaView } from './inputs.js';
import { compileL3 } from './l3/compile-l3.js';
import { L2_MECHANISMS } from './mechanisms.js';
import { type HostPlan, PLAN_SECTIONS, type PlanPart } from './plan.js';

export function compile(replica: ReplicaView, facts: HostFacts, settings: HostSettings): HostPlan {
  const l2 = L2_MECHANISMS[settings.mechanism ?? 'openvswitch'](replica, facts, settings);
  const parts: PlanPart[] = [l2.part];
  if (settings.roles.includes('l2')) parts.push(compileFirewall(replica, facts, settings));
  if (settings.roles.includes('dhcp')) parts.push(compileDhcp(replica, settings));
  if (settings.roles.includes('l3')) parts.push(compileL3(replica, settings));
  const merged = Object.fromEntries(
    PLAN_SECTIONS.map((s) => [s, parts.flatMap((p) => (p[s] ?? []) as readonly unknown[])]),
  ) as unknown as Omit<HostPlan, 'localVlans' | 'portStates'>;
  return { ...merged, localVlans: l2.localVlans, portStates: l2.portStates };
}
