/**
 * What agents tell the server: heartbeats that create or refresh their record in
 * `/v2.0/agents`, and batches of ports they wired (ACTIVE) or lost (DOWN). An Open vSwitch agent
 * that (re)starts also gets another try at binding the ports of its host that could not be bound
 * while it was away.
 */
import type { AgentReport, PortStatusReport } from '../../model/feed.js';
import type { Agent } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import { agentTimestamp } from './agent-time.js';
import type { Services } from './context.js';
import { bindingFor } from './port-binding.js';

export function recordAgentReport(tx: WriteTx, services: Services, report: AgentReport): Agent {
  const now = agentTimestamp(tx.now);
  const existing = tx.by('agent', 'typeHost', `${report.agent_type} ${report.host}`)[0];
  const agent = tx.put('agent', {
    id: existing?.id ?? services.newId(),
    agent_type: report.agent_type,
    binary: report.binary,
    host: report.host,
    topic: report.topic,
    admin_state_up: existing?.admin_state_up ?? true,
    heartbeat_timestamp: now,
    started_at: report.start_flag || !existing ? now : existing.started_at,
    created_at: existing?.created_at ?? now,
    configurations: report.configurations,
    description: existing?.description ?? '',
    availability_zone: report.agent_type === 'Open vSwitch agent' ? null : 'nova',
    resources_synced: existing?.resources_synced ?? null,
  });
  if (report.agent_type === 'Open vSwitch agent' && (report.start_flag || !existing)) {
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
