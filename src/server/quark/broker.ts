/**
 * Relays questions to agents: a query goes down the host's feed stream, the agent posts its
 * answer to `POST /v2.0/quark/queries/{id}/answer`, and `ask` resolves with it. The server
 * cannot run anything on a host; this is how explain and trace read hosts. An agent that is
 * not connected fails at once, one that does not answer in time fails after `timeoutMs`, and an
 * agent's own error comes back as AgentQueryFailed with its message.
 */
import type { AgentQuery, QueryAnswer } from '../../model/feed.js';
import { QuarkError } from '../../model/errors.js';
import type { FeedHub } from '../feed/hub.js';

interface Pending {
  readonly host: string;
  readonly resolve: (answer: unknown) => void;
  readonly reject: (e: QuarkError) => void;
  readonly timer: NodeJS.Timeout;
}

/** What explain and trace need from the relay (tests give them agents in-process). */
export interface AgentAsker {
  /** Hosts whose agents can be asked now. */
  hosts(): string[];
  ask<T>(host: string, query: AgentQuery): Promise<T>;
}

export class QueryBroker implements AgentAsker {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly hub: FeedHub,
    private readonly newId: () => string,
    private readonly timeoutMs: number,
  ) {}

  /** Hosts whose agents can be asked now. */
  hosts(): string[] {
    return this.hub.connectedHosts().sort();
  }

  ask<T>(host: string, query: AgentQuery): Promise<T> {
    const id = this.newId();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QuarkError('AgentUnavailable', `The agent on host ${host} did not answer within ${this.timeoutMs / 1000} s.`));
      }, this.timeoutMs);
      timer.unref();
      this.pending.set(id, { host, resolve: resolve as (a: unknown) => void, reject, timer });
      if (!this.hub.sendQuery(host, id, query)) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new QuarkError('AgentUnavailable', `No agent of host ${host} is connected to this server.`));
      }
    });
  }

  /** Delivers an agent's answer; false when no such query waits (timed out, or another host's). */
  answer(id: string, body: QueryAnswer): boolean {
    const p = this.pending.get(id);
    if (!p || p.host !== body.host) return false;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (body.error !== undefined)
      p.reject(new QuarkError('AgentQueryFailed', `The agent on host ${p.host} failed: ${body.error}`));
    else p.resolve(body.answer);
    return true;
  }

  close(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new QuarkError('AgentUnavailable', `The server stopped before host ${p.host} answered.`));
      this.pending.delete(id);
    }
  }
}
