/** Agent timestamps as Neutron shows them ("2026-11-26 12:00:00", UTC) and liveness. */
import type { Agent } from '../../model/resources.js';

export function agentTimestamp(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '');
}

export function agentTimeMs(stamp: string): number {
  return Date.parse(`${stamp.replace(' ', 'T')}Z`);
}

/** An agent is alive when its last heartbeat is at most `downTime` seconds before `nowIso`. */
export function isAlive(agent: Agent, nowIso: string, downTime: number): boolean {
  return Date.parse(nowIso) - agentTimeMs(agent.heartbeat_timestamp) <= downTime * 1000;
}
