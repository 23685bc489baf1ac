/**
 * The traffic L3 agents report for metering labels (docs/metering.md): each report adds what a
 * host's routers counted since its last one to the label's counter on that router. Only an L3
 * agent that serves the router may report for it, and only for a label that counts there (of
 * the router's project, or shared); anything else in a report is left out.
 */
import type { MeteringReport } from '../../model/feed.js';
import type { MeteringCounter } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import { schedulable } from './agents.js';
import { L3_AGENT, l3AgentsFor } from './scheduler.js';

export const meteringCounterId = (labelId: string, routerId: string) => `${labelId}:${routerId}`;

/** Adds a report to the counters; returns how many counters it moved. */
export function recordMeteringReport(tx: WriteTx, report: MeteringReport): number {
  const l3 = tx.by('agent', 'typeHost', `${L3_AGENT} ${report.host}`)[0];
  if (!l3) return 0;
  const agents = schedulable(tx.all('agent'));
  const now = tx.now;
  let moved = 0;
  for (const c of report.counters) {
    const label = tx.get('metering_label', c.label_id);
    const router = tx.get('router', c.router_id);
    if (!label || !router || !(label.shared || label.project_id === router.project_id)) continue;
    if (!l3AgentsFor(router.id, agents).includes(l3.id)) continue;
    const id = meteringCounterId(label.id, router.id);
    const before: MeteringCounter | undefined = tx.get('metering_counter', id);
    tx.put('metering_counter', {
      id,
      label_id: label.id,
      router_id: router.id,
      project_id: label.project_id,
      host: report.host,
      pkts: (before?.pkts ?? 0) + c.pkts,
      bytes: (before?.bytes ?? 0) + c.bytes,
      first_update: before?.first_update ?? now,
      last_update: now,
    });
    moved++;
  }
  return moved;
}
