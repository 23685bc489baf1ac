/**
 * The feed hub: one session per agent host. After every commit each session turns the commit
 * into the changes of its scope (records entering scope as puts, leaving as deletes) and writes
 * them to the agent's stream. A session outlives a dropped connection for a while, queueing
 * what it would have sent, so an agent that reconnects with the revision it had resumes without
 * a snapshot. An agent that comes from another server (or from this one before it restarted)
 * resumes from the change log when it still reaches back to the agent's revision: the
 * difference between its scope then and now, in one message. Otherwise it gets a snapshot.
 */
import type { AgentQuery, FeedChange, FeedKind, FeedMessage, FeedRecord } from '../../model/feed.js';
import { FEED_KINDS } from '../../model/feed.js';
import type { Commit, HistoryEntry, Store } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import { PastView } from './past-view.js';
import { type ScopeRequest, type ScopeRoots, inScope, sameRoots, scopeRecords, scopeRoots } from './scope.js';

const FEED_KIND_SET = new Set<string>(FEED_KINDS);

/** Which networks and routers are scheduled to the agents of a host (see the scheduler). */
export type Scheduling = (view: ReadView, host: string) => { dhcpNetworks: ReadonlySet<string>; routers: ReadonlySet<string> };

export interface FeedHubOptions {
  readonly heartbeatSeconds: number;
  /** Most change log entries a resume from the log reads; an agent further behind gets a snapshot. */
  readonly maxResumeChanges?: number;
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

  /**
   * What an agent that had this scope at `past.revision` lacks now: the records that entered
   * or changed as puts, those that left as deletes, as one message at the view's revision.
   * Records written since are different objects in the two views; the others are the same.
   */
  resume(past: PastView, view: ReadView): FeedMessage {
    const had = new Map<string, unknown>();
    for (const { kind, record } of scopeRecords(past, scopeRoots(past, this.request(past))))
      had.set(`${kind} ${record.id}`, record);
    this.roots = scopeRoots(view, this.request(view));
    this.sent.clear();
    const changes: FeedChange[] = [];
    for (const { kind, record } of scopeRecords(view, this.roots)) {
      const key = `${kind} ${record.id}`;
      this.sent.set(key, record);
      if (had.get(key) !== record) changes.push({ kind, id: record.id, op: 'put', record: record as FeedChange['record'] });
      had.delete(key);
    }
    for (const key of had.keys()) {
      const [kind, id] = key.split(' ') as [FeedKind, string];
      changes.push({ kind, id, op: 'delete', record: null });
    }
    this.revision = view.revision;
    return { type: 'changes', revision: view.revision, changes, ...this.dhcpField(this.roots) };
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
    a.alive === b.alive &&
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
   * Attaches an agent's stream. In order of preference: resumes the host's session on this
   * server when `since` is where it stopped and its queue is intact; resumes from the change
   * log when it still holds every revision after `since`; otherwise starts with a snapshot.
   * Returns how the stream started and the detach function.
   */
  async attach(
    host: string,
    roles: ReadonlySet<string>,
    since: number,
    writer: Writer,
  ): Promise<{ start: 'queue' | 'log' | 'snapshot'; detach: () => void }> {
    const local = this.sessions.get(host);
    const resumable =
      local &&
      local.queue !== null &&
      local.writer === null &&
      sameSet(local.roles, roles) &&
      since > 0 &&
      local.detachedRevision === since;
    let start: 'queue' | 'log' | 'snapshot';
    let s: Session;
    if (local && resumable && local.queue) {
      s = local;
      const queued = local.queue;
      s.queue = null;
      s.writer = writer;
      for (const m of queued) writer(m);
      writer({ type: 'heartbeat', revision: s.revision });
      start = 'queue';
    } else {
      const history = await this.history(since);
      // Nothing awaits from here on: the session starts at the view's revision, which the history reaches.
      const view = this.store.view;
      s = new Session(host, roles, view, this.scheduling);
      this.sessions.set(host, s);
      s.writer = writer;
      if (history) {
        writer(s.resume(new PastView(view, since, history), view));
        start = 'log';
      } else {
        writer(s.snapshot(view));
        start = 'snapshot';
      }
    }
    const session = s;
    const detach = () => {
      if (session.writer !== writer) return;
      session.writer = null;
      session.queue = [];
      session.detachedAt = Date.now();
      session.detachedRevision = session.revision;
    };
    return { start, detach };
  }

  /**
   * The change log from `since` up to the view's revision when it holds all of it; null when an
   * agent must start over (a first start, a revision the log no longer reaches or that this
   * database never had, too much to replay, the database away).
   */
  private async history(since: number): Promise<HistoryEntry[] | null> {
    if (since <= 0) return null;
    const limit = this.options.maxResumeChanges ?? 20_000;
    try {
      // The agent saw a revision another server committed that this one has not heard of yet.
      if (since > this.store.revision) await this.store.sync();
      if (since > this.store.revision) return null;
      const history: HistoryEntry[] = [];
      let from = since;
      // Commits may reach the view while the log is read: read on until it holds them all.
      while (from < this.store.revision) {
        const until = this.store.revision;
        const part = await this.store.history(from, until, limit - history.length);
        if (part === null) return null;
        history.push(...part);
        from = until;
      }
      return history;
    } catch {
      return null;
    }
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
