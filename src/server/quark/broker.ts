/**
 * Relays questions to agents: a query goes down the host's feed stream, the agent posts its
 * answer to `POST /v2.0/quark/queries/{id}/answer`, and `ask` resolves with it. The server
 * cannot run anything on a host; this is how explain and trace read hosts. An agent that is
 * not connected fails at once, one that does not answer in time fails after `timeoutMs`, and an
 * agent's own error comes back as AgentQueryFailed with its message.
 *
 * With several servers on one database (docs/scale-out.md) the agent may stream from another
 * server than the one asked, and post its answer to a third. Each server tells the others
 * which hosts stream from it (at every change and every `announceMs`; a server silent for three
 * periods is forgotten); a query for a host streaming elsewhere goes to that server, which
 * writes it to the stream; an answer reaching a server that did not ask goes to the one that
 * did, named in the query's id (`<server id>:<uuid>`). All of it travels as messages between
 * the servers (Store.sendToPeers).
 */
import type { AgentQuery, QueryAnswer } from '../../model/feed.js';
import { QuarkError } from '../../model/errors.js';
import type { PeerMessage, Store } from '../../store/store.js';
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

/** What the servers say to each other about agents' streams. */
type RelayMessage =
  /** The hosts streaming from the sender now (all of them). */
  | { readonly relay: 'streams'; readonly hosts: readonly string[] }
  /** A server that just started asks the others to say which hosts stream from them. */
  | { readonly relay: 'hello' }
  | { readonly relay: 'query'; readonly id: string; readonly host: string; readonly query: AgentQuery }
  | { readonly relay: 'answer'; readonly id: string; readonly answer: QueryAnswer & { readonly unreachable?: boolean } };

interface Streams {
  readonly hosts: ReadonlySet<string>;
  readonly at: number;
}

export interface BrokerOptions {
  readonly timeoutMs: number;
  /** Milliseconds between announcements of this server's streams to the others. */
  readonly announceMs: number;
}

export class QueryBroker implements AgentAsker {
  private readonly pending = new Map<string, Pending>();
  /** Other servers → the hosts that stream from them, as last announced. */
  private readonly elsewhere = new Map<string, Streams>();
  private announced = '';
  private announcedAt = 0;
  private readonly timer: NodeJS.Timeout | null = null;
  private readonly offPeers: (() => void) | null = null;

  constructor(
    private readonly hub: FeedHub,
    private readonly store: Store,
    private readonly newId: () => string,
    private readonly options: BrokerOptions,
  ) {
    if (!store.shared) return;
    this.offPeers = store.onPeerMessage((m) => this.heard(m));
    this.timer = setInterval(() => this.announce(false), Math.min(1000, options.announceMs));
    this.timer.unref();
    this.send({ relay: 'hello' });
    this.announce(true);
  }

  /** Hosts whose agents can be asked now, through this server or another. */
  hosts(): string[] {
    const hosts = new Set(this.hub.connectedHosts());
    for (const s of this.freshStreams()) for (const h of s.hosts) hosts.add(h);
    return [...hosts].sort();
  }

  ask<T>(host: string, query: AgentQuery): Promise<T> {
    const id = `${this.store.serverId}:${this.newId()}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new QuarkError(
            'AgentUnavailable',
            `The agent on host ${host} did not answer within ${this.options.timeoutMs / 1000} s.`,
          ),
        );
      }, this.options.timeoutMs);
      timer.unref();
      this.pending.set(id, { host, resolve: resolve as (a: unknown) => void, reject, timer });
      if (this.hub.sendQuery(host, id, query)) return;
      const server = this.serverOf(host);
      if (server === null) {
        this.settle(id, { host, error: '', unreachable: true });
        return;
      }
      this.send({ relay: 'query', id, host, query }, server).catch(() => this.settle(id, { host, error: '', unreachable: true }));
    });
  }

  /**
   * Delivers an agent's answer: to the query waiting here, or to the server that asked. False
   * when no such query waits here and none could have been asked elsewhere.
   */
  answer(id: string, body: QueryAnswer): boolean {
    if (this.settle(id, body)) return true;
    const origin = id.split(':')[0]!;
    if (!id.includes(':') || origin === this.store.serverId || !this.store.shared) return false;
    void this.send({ relay: 'answer', id, answer: body }, origin).catch(() => undefined);
    return true;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.offPeers?.();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new QuarkError('AgentUnavailable', `The server stopped before host ${p.host} answered.`));
      this.pending.delete(id);
    }
  }

  /** Resolves or rejects a query waiting here; false when none with that id and host waits. */
  private settle(id: string, body: QueryAnswer & { readonly unreachable?: boolean }): boolean {
    const p = this.pending.get(id);
    if (!p || p.host !== body.host) return false;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (body.unreachable) p.reject(new QuarkError('AgentUnavailable', `No agent of host ${p.host} is connected to a server.`));
    else if (body.error !== undefined)
      p.reject(new QuarkError('AgentQueryFailed', `The agent on host ${p.host} failed: ${body.error}`));
    else p.resolve(body.answer);
    return true;
  }

  /** The other server the host streams from (the latest to say so), or null. */
  private serverOf(host: string): string | null {
    let best: { server: string; at: number } | null = null;
    const oldest = Date.now() - 3 * this.options.announceMs;
    for (const [server, s] of this.elsewhere)
      if (s.at >= oldest && s.hosts.has(host) && (!best || s.at > best.at)) best = { server, at: s.at };
    return best?.server ?? null;
  }

  private freshStreams(): Streams[] {
    const oldest = Date.now() - 3 * this.options.announceMs;
    for (const [server, s] of this.elsewhere) if (s.at < oldest) this.elsewhere.delete(server);
    return [...this.elsewhere.values()];
  }

  /** Tells the others this server's streams when they changed, and every announceMs anyway. */
  private announce(force: boolean): void {
    const hosts = this.hub.connectedHosts().sort();
    const key = hosts.join(' ');
    if (!force && key === this.announced && Date.now() - this.announcedAt < this.options.announceMs) return;
    this.announced = key;
    this.announcedAt = Date.now();
    void this.send({ relay: 'streams', hosts }).catch(() => undefined);
  }

  private heard(message: PeerMessage): void {
    const m = message.body as RelayMessage;
    switch (m?.relay) {
      case 'streams':
        this.elsewhere.set(message.from, { hosts: new Set(m.hosts), at: Date.now() });
        return;
      case 'hello':
        void this.send({ relay: 'streams', hosts: this.hub.connectedHosts().sort() }, message.from).catch(() => undefined);
        return;
      case 'query':
        if (!this.hub.sendQuery(m.host, m.id, m.query))
          void this.send({ relay: 'answer', id: m.id, answer: { host: m.host, unreachable: true } }, message.from).catch(
            () => undefined,
          );
        return;
      case 'answer':
        this.settle(m.id, m.answer);
        return;
    }
  }

  private send(message: RelayMessage, to?: string): Promise<void> {
    return this.store.sendToPeers(message, to);
  }
}
