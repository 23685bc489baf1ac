/** The L3 part of the plan: qrouter namespaces, their ports, routes and NAT rules (issue 7). */
import type { HostSettings, ReplicaView } from '../inputs.js';
import type { PlanPart } from '../plan.js';

export function compileL3(_replica: ReplicaView, _settings: HostSettings): PlanPart {
  return {};
}
