/** The firewall part of the plan: iptables chains and ipsets on the hybrid qbr path (issue 8). */
import type { HostSettings, ReplicaView } from '../inputs.js';
import type { PlanPart } from '../plan.js';

export function compileFirewall(_replica: ReplicaView, _settings: HostSettings): PlanPart {
  return {};
}
