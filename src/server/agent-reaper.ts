/**
 * Records agents dead when their heartbeats stop, so that the scheduler moves their routers and
 * networks (plugin/agents.ts says why liveness is stored rather than computed from the clock).
 * Every server runs one; two that clear the same agent at once are serialised by the store and
 * the second finds nothing to change.
 *
 * A server clears an agent only after it could itself have recorded that agent's heartbeats
 * for a whole `agentDownTime`: since it started, and since its store was last unavailable.
 * Heartbeats that could not be written anywhere (the database was away) or that went to a
 * server that was away never count against an agent, so a restart or an outage moves nothing;
 * an agent that is really gone is noticed `agentDownTime` after the server could hear again.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { isAlive, recordDeadAgents, recordedAlive } from './plugin/agents.js';
import type { Services } from './plugin/context.js';

export class AgentReaper {
  private upSince: number;
  private readonly timer: NodeJS.Timeout;
  private readonly offHealth: () => void;
  private sweeping: Promise<number> | null = null;

  constructor(
    private readonly store: Store,
    private readonly services: Services,
    private readonly log: Logger | null,
  ) {
    this.upSince = services.now().getTime();
    this.offHealth = store.onHealth((health) => {
      this.upSince = health.state === 'up' ? this.services.now().getTime() : Number.POSITIVE_INFINITY;
    });
    const seconds = Math.min(5, Math.max(1, services.config.agentDownTime / 6));
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), seconds * 1000);
    this.timer.unref();
  }

  /** Clears the agents silent for agentDownTime, when this server may judge; returns how many. */
  sweep(): Promise<number> {
    this.sweeping ??= this.clear().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  close(): void {
    clearInterval(this.timer);
    this.offHealth();
  }

  private async clear(): Promise<number> {
    const now = this.services.now();
    const downTime = this.services.config.agentDownTime;
    if (!this.store.readable || now.getTime() - this.upSince < downTime * 1000) return 0;
    // The view decides whether a write is needed at all: most sweeps find nothing.
    if (!this.store.view.all('agent').some((a) => recordedAlive(a) && !isAlive(a, now, downTime))) return 0;
    const dead = await this.store.write((tx) => recordDeadAgents(tx, now, downTime));
    for (const a of dead)
      this.log?.warn({ agent: a.id, type: a.agent_type, host: a.host, heartbeat: a.heartbeat_timestamp }, 'agent recorded dead');
    return dead.length;
  }
}
