/**
 * Answers the server's questions about this host (docs/explain-trace.md): `explain` (what the
 * host has, tied to API objects, against the plan), `trace` (walk a packet through the host)
 * and `probe` (send one real packet from an instance's namespace). A query arrives on the feed
 * and is answered with `POST /v2.0/quark/queries/{id}/answer`; it runs beside the reconcile
 * loop and reads the plan of the last pass, never changing the host (a probe sends one packet).
 * A failure is answered too, so the API client hears why instead of waiting for the timeout.
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import { namespaceWithMac, probe } from '../dataplane/drivers/probe.js';
import type { AgentQuery, QueryAnswer } from '../model/feed.js';
import type { ProbeResult } from '../model/trace.js';
import { explainHost } from '../trace/explain/explain-host.js';
import { walkHost } from '../trace/walk.js';
import type { HostAgent } from './agent.js';
import { OWNED_NAMESPACES } from './owned.js';
import { hostReader } from './host-reader.js';

/** At most this many queries run at once; more wait their turn. */
const CONCURRENT = 4;

export class QueryResponder {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly agent: HostAgent,
    private readonly client: QuarkClient,
    private readonly log: Logger,
  ) {}

  /** Called for each query message; answers in the background. */
  handle(id: string, query: AgentQuery): void {
    void this.answer(id, query);
  }

  private async answer(id: string, query: AgentQuery): Promise<void> {
    const host = this.agent.settings.host;
    const started = performance.now();
    let body: QueryAnswer;
    await this.slot();
    try {
      body = { host, answer: await this.run(query) };
    } catch (e) {
      this.log.warn({ err: (e as Error).message, query: query.kind }, 'query failed');
      body = { host, error: (e as Error).message };
    } finally {
      this.release();
    }
    this.log.debug({ id, kind: query.kind, ms: Math.round(performance.now() - started) }, 'query answered');
    await this.client.post(`/v2.0/quark/queries/${encodeURIComponent(id)}/answer`, body).catch((e: Error) => {
      this.log.warn({ err: e.message, id }, 'could not deliver a query answer');
    });
  }

  private async slot(): Promise<void> {
    if (this.running >= CONCURRENT) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }

  private view() {
    const plan = this.agent.lastPlan;
    if (!plan || !this.agent.replica.synced)
      throw new Error(`the agent on ${this.agent.settings.host} has not applied a plan yet`);
    return hostReader({
      settings: this.agent.settings,
      plan,
      replica: this.agent.replica,
      ovs: this.agent.ovsEnv,
      switchState: () => this.agent.switchState(),
    });
  }

  private async run(query: AgentQuery): Promise<unknown> {
    switch (query.kind) {
      case 'trace':
        return walkHost(this.view(), query.start, query.packet);
      case 'explain':
        return explainHost(this.view(), query.refs, this.agent.roles);
      case 'probe':
        return this.probe(query.portId, query.packet);
    }
  }

  private async probe(portId: string, p: Extract<AgentQuery, { kind: 'probe' }>['packet']): Promise<ProbeResult> {
    const port = this.agent.replica.ports.get(portId);
    const host = this.agent.settings.host;
    const netns = port ? await namespaceWithMac(port.mac_address, OWNED_NAMESPACES) : null;
    if (!netns) {
      return {
        sent: false,
        answered: false,
        answeredBy: null,
        says: `no namespace on ${host} holds the interface of port ${portId} (an instance that is a VM cannot be probed from its host)`,
      };
    }
    const r = await probe(netns, p.protocol, p.dst, p.dport);
    return {
      sent: true,
      answered: r.answered,
      answeredBy: r.answeredBy,
      says: `from namespace ${netns} on ${host}: ${r.detail}`,
    };
  }
}
