/**
 * The feed hub: one session per agent host. After every commit each session turns the commit
 * into the changes of its scope (records entering scope as puts, leaving as deletes) and writes
 * them to the agent's stream. A session outlives a dropped connection for a while, queueing
 * what it would have sent, so an agent that reconnects with the revision it had resumes without
 * a snapshot; otherwise it gets one.
 */
import type { AgentQuery, FeedChange, FeedKind, FeedMessage, FeedRecord } from '../../model/feed.js';
import { FEED_KINDS } from '../../model/feed.js';
import type { Commit, Store } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import { type ScopeRequest, type ScopeRoots, inScope, sameRoots, scopeRecords, scopeRoots } from './scope.js';

const FEED_KIND_SET = new Set<string>(FEED_KINDS);

/** Which networks and routers are scheduled to the agents of a host (see the scheduler). */
export type Scheduling = (view: ReadView, host: string) => { dhcpNetworks: ReadonlySet<string>; routers: ReadonlySet<string> };

export interface FeedHubOptions {
  readonly heartbeatSeconds: number;
  /** How long a disconnected session keeps its place for a resume. */
  readonly resumeSeconds: number;
  /** Most messages queued for a disconnected session before it must start over. */
  readonly maxQueued: number;
}

type Writer = (message: FeedMessage) => void;

class Session {
  roots: ScopeRoots;
  /** What the agent has: key `kind id` → the record object sent (records are immutable). */
  readonly sent = new Map<string, unknown>();
  writer: Writer | null = null;
  queue: FeedMessage[] | null = null;
  detachedAt = 0;
  /** The revision of the last message the attached stream was given before it dropped. */
  detachedRevision = -1;
  revision = 0;

  constructor(
    readonly host: string,
    readonly roles: ReadonlySet<string>,
    view: ReadView,
    private readonly scheduling: Scheduling,
  ) {
    this.roots = scopeRoots(view, this.request(view));
  }

  request(view: ReadView): ScopeRequest {
    return { host: this.host, roles: this.roles, ...this.scheduling(view, this.host) };
  }

  snapshot(view: ReadView): FeedMessage {
    this.roots = scopeRoots(view, this.request(view));
    this.sent.clear();
    const records: FeedRecord[] = [];
    for (const { kind, record } of scopeRecords(view, this.roots)) {
      this.sent.set(`${kind} ${record.id}`, record);
      records.push({ kind, record: record as FeedRecord['record'] });
    }
    this.revision = view.revision;
    return { type: 'snapshot', revision: view.revision, records, ...this.dhcpField(this.roots) };
  }

  private dhcpField(roots: ScopeRoots): { dhcpNetworks?: string[] } {
    return this.roles.has('dhcp') ? { dhcpNetworks: [...roots.dhcpNetworks].sort() } : {};
  }

  /** What a commit changes in this session's scope, as a message; null when nothing. */
  message(view: ReadView, commit: Commit): FeedMessage | null {
    const before = this.roots;
    const changes = this.changes(view, commit);
    const dhcpMoved = !sameSet(before.dhcpNetworks, this.roots.dhcpNetworks);
    if (changes.length === 0 && !dhcpMoved) return null;
    return { type: 'changes', revision: commit.revision, changes, ...(dhcpMoved ? this.dhcpField(this.roots) : {}) };
  }

  /** The changes a commit makes to this session's scope. */
  private changes(view: ReadView, commit: Commit): FeedChange[] {
    const roots = scopeRoots(view, this.request(view));
    const out: FeedChange[] = [];
    const put = (kind: FeedKind, record: { id: string }) => {
      this.sent.set(`${kind} ${record.id}`, record);
      out.push({ kind, id: record.id, op: 'put', record: record as FeedChange['record'] });
    };
    const drop = (key: string) => {
      this.sent.delete(key);
      const [kind, id] = key.split(' ') as [FeedKind, string];
      out.push({ kind, id, op: 'delete', record: null });
    };
    if (!sameRoots(roots, this.roots)) {
      const now = new Map<string, { kind: FeedKind; record: { id: string } }>(
        scopeRecords(view, roots).map((r) => [`${r.kind} ${r.record.id}`, r]),
      );
      for (const key of [...this.sent.keys()]) if (!now.has(key)) drop(key);
      for (const [key, r] of now) if (this.sent.get(key) !== r.record) put(r.kind, r.record);
    } else {
      for (const c of commit.changes) {
        if (!FEED_KIND_SET.has(c.kind)) continue;
        const kind = c.kind as FeedKind;
        const key = `${kind} ${c.id}`;
        const current = view.get(kind, c.id) as { id: string } | undefined;
        if (current && inScope(roots, kind, current)) {
          if (this.sent.get(key) !== current && !heartbeatOnly(kind, this.sent.get(key), current)) put(kind, current);
          else this.sent.set(key, current);
        } else if (this.sent.has(key)) drop(key);
      }
    }
    this.roots = roots;
    this.revision = commit.revision;
    return out;
  }

  send(message: FeedMessage, maxQueued: number): void {
    if (this.writer) this.writer(message);
    else if (this.queue) {
      this.queue.push(message);
      if (this.queue.length > maxQueued) this.queue = null;
    }
  }
}

/** A heartbeat changes an agent's timestamp only; other agents need not hear about it. */
function heartbeatOnly(kind: FeedKind, before: unknown, after: unknown): boolean {
  if (kind !== 'agent' || !before) return false;
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  return (
    JSON.stringify(a.configurations) === JSON.stringify(b.configurations) &&
    a.admin_state_up === b.admin_state_up &&
    a.host === b.host
  );
}

export class FeedHub {
  private readonly sessions = new Map<string, Session>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: Store,
    private readonly scheduling: Scheduling,
    private readonly options: FeedHubOptions,
  ) {
    this.unsubscribe = store.onCommit((commit) => this.onCommit(commit));
    this.timer = setInterval(() => this.tick(), options.heartbeatSeconds * 1000);
    this.timer.unref();
  }

  /**
   * Attaches an agent's stream. Resumes the host's session when `since` is where it stopped and
   * its queue is intact; otherwise starts with a snapshot. Returns the detach function.
   */
  attach(host: string, roles: ReadonlySet<string>, since: number, writer: Writer): () => void {
    const view = this.store.view;
    let s = this.sessions.get(host);
    const resumable =
      s && s.queue !== null && s.writer === null && sameSet(s.roles, roles) && since > 0 && s.detachedRevision === since;
    if (s && resumable && s.queue) {
      const queued = s.queue;
      s.queue = null;
      s.writer = writer;
      for (const m of queued) writer(m);
      writer({ type: 'heartbeat', revision: s.revision });
    } else {
      s = new Session(host, roles, view, this.scheduling);
      this.sessions.set(host, s);
      s.writer = writer;
      writer(s.snapshot(view));
    }
    const session = s;
    return () => {
      if (session.writer !== writer) return;
      session.writer = null;
      session.queue = [];
      session.detachedAt = Date.now();
      session.detachedRevision = session.revision;
    };
  }

  /**
   * Writes a query to the host's stream if it is connected (queries are never queued for a
   * later resume: a stale question is worse than a clear "not connected"). Returns whether it was sent.
   */
  sendQuery(host: string, id: string, query: AgentQuery): boolean {
    const s = this.sessions.get(host);
    if (!s?.writer) return false;
    s.writer({ type: 'query', revision: s.revision, id, query });
    return true;
  }

  /** Hosts with a connected feed. */
  connectedHosts(): string[] {
    return [...this.sessions.values()].filter((s) => s.writer !== null).map((s) => s.host);
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
    this.sessions.clear();
  }

  private onCommit(commit: Commit): void {
    if (!commit.changes.some((c) => FEED_KIND_SET.has(c.kind))) return;
    const view = this.store.view;
    for (const s of this.sessions.values()) {
      if (!s.writer && !s.queue) continue;
      const message = s.message(view, commit);
      if (message) s.send(message, this.options.maxQueued);
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const [host, s] of this.sessions) {
      if (s.writer) s.writer({ type: 'heartbeat', revision: s.revision });
      else if (now - s.detachedAt > this.options.resumeSeconds * 1000) this.sessions.delete(host);
    }
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
