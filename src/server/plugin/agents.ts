/**
 * Agents: each host's agent reports its state (`reportAgentState`, called by the agent feed for
 * every heartbeat) and the API shows, disables and deletes the records. Agents register
 * themselves; the API cannot create one.
 *
 * Liveness is stored: `alive`, in the API as in the scheduler, is the record's flag, which every
 * heartbeat sets and a server clears when the agent has been silent for `agentDownTime` and
 * the server could have heard it all that time (agent-reaper.ts). Neutron computes `alive` from
 * the clock at every read instead; stored, every server schedules the same at the same revision
 * whatever its clock says, and an outage of the database or of one server moves nothing.
 */
import { randomUUID } from 'node:crypto';
import { badRequest, invalidInput } from '../../model/errors.js';
import { type Agent, type AgentType, DeviceOwner } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { HandlerSpec } from '../api/resource.js';
import { agentNotFound } from './not-found.js';
import type { SchedulableAgent } from './scheduler.js';
import { agentKey } from '../../store/kinds.js';

const AGENT_TYPES: readonly AgentType[] = ['Open vSwitch agent', 'Linux bridge agent', 'DHCP agent', 'L3 agent'];

/** What an agent sends with every heartbeat (Neutron's agent_state). */
export interface AgentStateReport {
  readonly agent_type: AgentType;
  readonly binary: string;
  readonly host: string;
  readonly topic: string;
  readonly configurations?: Readonly<Record<string, unknown>>;
  readonly availability_zone?: string | null;
  /** Set on the first report after the agent process started. */
  readonly start_flag?: boolean;
  readonly resources_synced?: boolean | null;
}

/** 'new': first report of this type on this host; 'revived': it had been down; 'alive' otherwise. */
export type AgentReportStatus = 'new' | 'alive' | 'revived';

/** Neutron shows agent times as "2026-11-26 10:00:00" (UTC, no zone). */
export function agentTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

function parseAgentTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

export function isAlive(agent: Pick<Agent, 'heartbeat_timestamp'>, now: Date, downTimeSeconds: number): boolean {
  return now.getTime() - parseAgentTime(agent.heartbeat_timestamp) <= downTimeSeconds * 1000;
}

/** Whether the servers recorded the agent alive (records from before the flag count as alive). */
export function recordedAlive(agent: Pick<Agent, 'alive'>): boolean {
  return agent.alive !== false;
}

/** Agents with their recorded liveness, as the scheduler takes them: the same on every server at one revision. */
export function schedulable(agents: readonly Agent[]): SchedulableAgent[] {
  return agents.map((a) => ({ ...a, alive: recordedAlive(a) }));
}

/**
 * Records as dead the agents whose last heartbeat is older than `downTimeSeconds` at `now`;
 * returns them. Idempotent: an agent already recorded dead is left alone.
 */
export function recordDeadAgents(tx: WriteTx, now: Date, downTimeSeconds: number): Agent[] {
  const dead: Agent[] = [];
  for (const a of tx.all('agent')) {
    if (recordedAlive(a) && !isAlive(a, now, downTimeSeconds)) dead.push(tx.put('agent', { ...a, alive: false }));
  }
  return dead;
}

/**
 * Records one heartbeat, inside the caller's write: creates the agent on its first report
 * (enabled), otherwise refreshes heartbeat_timestamp, configurations and, with start_flag,
 * started_at. Agents are keyed by (agent_type, host) as in Neutron. Timestamps come from the
 * transaction's clock.
 */
export function reportAgentState(
  tx: WriteTx,
  report: AgentStateReport,
  options: { readonly agentDownTime?: number; readonly newId?: () => string } = {},
): { agent: Agent; status: AgentReportStatus } {
  if (!AGENT_TYPES.includes(report.agent_type)) throw invalidInput(`unknown agent_type '${report.agent_type}'`);
  for (const key of ['binary', 'host', 'topic'] as const) {
    if (typeof report[key] !== 'string' || report[key] === '') throw invalidInput(`agent state needs a ${key}`);
  }
  const now = new Date(tx.now);
  const stamp = agentTime(now);
  const existing = tx.by('agent', 'typeHost', agentKey(report.agent_type, report.host))[0];
  const reported = {
    agent_type: report.agent_type,
    binary: report.binary,
    host: report.host,
    topic: report.topic,
    configurations: report.configurations ?? {},
    heartbeat_timestamp: stamp,
    alive: true,
  };
  if (!existing) {
    const agent = tx.put('agent', {
      id: (options.newId ?? randomUUID)(),
      ...reported,
      admin_state_up: true,
      started_at: stamp,
      created_at: stamp,
      description: '',
      availability_zone: report.availability_zone ?? null,
      resources_synced: report.resources_synced ?? null,
    });
    return { agent, status: 'new' };
  }
  // Revived: recorded dead, or silent long enough that bindings to it failed meanwhile.
  const wasAlive = recordedAlive(existing) && isAlive(existing, now, options.agentDownTime ?? 30);
  const agent = tx.put('agent', {
    ...existing,
    ...reported,
    started_at: report.start_flag ? stamp : existing.started_at,
    availability_zone: report.availability_zone === undefined ? existing.availability_zone : report.availability_zone,
    resources_synced: report.resources_synced === undefined ? existing.resources_synced : report.resources_synced,
  });
  return { agent, status: wasAlive ? 'alive' : 'revived' };
}

export const agentHandler: HandlerSpec<'agent'> = {
  kind: 'agent',
  path: 'agents',
  notFound: agentNotFound,
  target: () => ({ projectId: '' }),
  // Records from before the stored flag have none: they count as alive until a server clears them.
  derived: (_view, a) => ({ alive: recordedAlive(a) }),
  create: () => {
    throw badRequest('agent', 'agents register themselves by reporting their state; they cannot be created through the API');
  },
  update: (tx, _ctx, agent, v) =>
    tx.put('agent', {
      ...agent,
      admin_state_up: (v.admin_state_up as boolean | undefined) ?? agent.admin_state_up,
      description: (v.description as string | undefined) ?? agent.description,
    }),
  delete: (tx, _ctx, agent) => {
    // A deleted L3 agent's HA ports go with it (Neutron drops its HA bindings); its routers are
    // already on the live agents.
    if (agent.agent_type === 'L3 agent') {
      for (const p of tx.by('port', 'host', agent.host))
        if (p.device_owner === DeviceOwner.routerHaInterface) tx.delete('port', p.id);
    }
    tx.delete('agent', agent.id);
  },
};
