/**
 * What agents tell the server: heartbeats that create or refresh their record in
 * `/v2.0/agents`, and batches of ports they wired (ACTIVE) or lost (DOWN). An L2 agent (Open
 * vSwitch or Linux bridge) that (re)starts also gets another try at binding the ports of its host
 * that could not be bound while it was away, or that were bound by the host's other mechanism. L3 agents report the status of the floating IPs of their routers.
 */
import type { AgentReport, FloatingIpStatusReport, HaStateReport, PortStatusReport } from '../../model/feed.js';
import { type Agent, L2_AGENT_TYPES } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import { reportAgentState, schedulable } from './agents.js';
import type { Services } from './context.js';
import { routerAgents } from './host-schedule.js';
import { haPortsOf } from './l3-ha.js';
import { bindingFor, vifTypeOf } from './port-binding.js';
import { L3_AGENT } from './scheduler.js';
import { agentKey } from '../../store/kinds.js';

export function recordAgentReport(tx: WriteTx, services: Services, report: AgentReport): Agent {
  const { agent, status } = reportAgentState(
    tx,
    { ...report, availability_zone: L2_AGENT_TYPES.includes(report.agent_type) ? null : 'nova' },
    { agentDownTime: services.config.agentDownTime, newId: services.newId },
  );
  const vifType = vifTypeOf(agent);
  if (vifType !== null && (report.start_flag || status !== 'alive')) {
    for (const port of tx.by('port', 'host', report.host)) {
      if (port['binding:vif_type'] === vifType) continue;
      const binding = bindingFor(tx, port, tx.now, services.config.agentDownTime);
      if (binding['binding:vif_type'] !== port['binding:vif_type']) tx.put('port', { ...port, ...binding });
    }
  }
  return agent;
}

/** Sets ACTIVE/DOWN on the reported ports of the host; others' ports and unknown ids are ignored. */
export function recordPortStatus(tx: WriteTx, report: PortStatusReport): { activated: string[]; deactivated: string[] } {
  const apply = (ids: readonly string[], status: 'ACTIVE' | 'DOWN') =>
    ids.filter((id) => {
      const port = tx.get('port', id);
      if (!port || port['binding:host_id'] !== report.host || port.status === status) return false;
      tx.put('port', { ...port, status });
      return true;
    });
  return { activated: apply(report.up, 'ACTIVE'), deactivated: apply(report.down, 'DOWN') };
}

/**
 * Sets the reported status on floating IPs whose router is scheduled to the reporting host's
 * L3 agent now; reports about other floating IPs (a router that moved meanwhile, an unhooked
 * floating IP, whose status the API already set DOWN) are ignored.
 */
export function recordFloatingIpStatus(tx: WriteTx, services: Services, report: FloatingIpStatusReport): number {
  const l3 = tx.by('agent', 'typeHost', agentKey(L3_AGENT, report.host))[0];
  if (!l3) return 0;
  let changed = 0;
  for (const [id, status] of Object.entries(report.statuses)) {
    const fip = tx.get('floatingip', id);
    if (!fip?.router_id || fip.status === status) continue;
    const router = tx.get('router', fip.router_id);
    if (!router || !routerAgents(router, schedulable(tx.all('agent')), services).includes(l3.id)) continue;
    tx.put('floatingip', { ...fip, status });
    changed++;
  }
  return changed;
}

/**
 * Records the states an L3 agent reports for its HA routers on its HA ports (Neutron's
 * update_routers_states). Reports about routers the host has no HA port for (not scheduled
 * there, or the port not made yet) are ignored. The router's own ports follow the active agent
 * through that agent's bindings (agent/router-bindings.ts), not here.
 */
export function recordHaStates(tx: WriteTx, report: HaStateReport): number {
  let changed = 0;
  for (const [routerId, state] of Object.entries(report.states)) {
    const port = haPortsOf(tx, routerId).find((p) => p['binding:host_id'] === report.host);
    if (!port || port.ha_state === state) continue;
    tx.put('port', { ...port, ha_state: state });
    changed++;
  }
  return changed;
}
