/** The DHCP part of the plan: qdhcp namespaces with their service ports and dnsmasq (issue 6). */
import type { HostSettings, ReplicaView } from '../inputs.js';
import type { PlanPart } from '../plan.js';

export function compileDhcp(_replica: ReplicaView, _settings: HostSettings): PlanPart {
  return {};
}
