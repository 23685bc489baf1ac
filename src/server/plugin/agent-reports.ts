/**
 * What agents tell the server: heartbeats that create or refresh their record in
 * `/v2.0/agents`, and batches of ports they wired (ACTIVE) or lost (DOWN). An Open vSwitch agent
 * that (re)starts also gets another try at binding the ports of its host that could not be bound
 * while it was away.
 */
import type { AgentReport, PortStatusReport } from '../../model/feed.js';
import type { Agent } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import { reportAgentState } from './agents.js';
import type { Services } from './context.js';
import { bindingFor } from './port-binding.js';

export function recordAgentReport(tx: WriteTx, services: Services, report: AgentReport): Agent {
  const { agent, status } = reportAgentState(
    tx,
    { ...report, availability_zone: report.agent_type === 'Open vSwitch agent' ? null : 'nova' },
    { agentDownTime: services.config.agentDownTime, newId: services.newId },
  );
  if (report.agent_type === 'Open vSwitch agent' && (report.start_flag || status !== 'alive')) {
    for (const port of tx.by('port', 'host', report.host)) {
      if (port['binding:vif_type'] === 'ovs') continue;
      const binding = bindingFor(tx, port, tx.now, services.config.agentDownTime);
      if (binding['binding:vif_type'] !== port['binding:vif_type']) tx.put('port', { ...port, ...binding });
    }
  }
  return agent;
}

/** Sets ACTIVE/DOWN on the reported ports of the host; others' ports and unknown ids are ignored. */
export function recordPortStatus(tx: WriteTx, report: PortStatusReport): number {
  let changed = 0;
  const apply = (ids: readonly string[], status: 'ACTIVE' | 'DOWN') => {
    for (const id of ids) {
      const port = tx.get('port', id);
      if (!port || port['binding:host_id'] !== report.host || port.status === status) continue;
      tx.put('port', { ...port, status });
      changed++;
    }
  };
  apply(report.up, 'ACTIVE');
  apply(report.down, 'DOWN');
  return changed;
}
