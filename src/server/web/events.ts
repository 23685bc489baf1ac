/**
 * `GET /v2.0/quark/events`: the changes of the store as server-sent events, for the web view
 * (docs/web.md) and any client that wants to follow the cloud without polling. Every caller
 * may open the stream (`get_quark_events`); each change is rendered exactly as `GET
 * /v2.0/{collection}/{id}` would answer that caller (the same `get_<resource>` rules and
 * attribute rules), and a record the caller may not read is never mentioned: a delete, or a
 * record leaving the caller's sight, is sent only for ids the stream had shown or the caller
 * could see when it opened.
 *
 *   event: hello    data: {"revision": R}
 *   event: changes  data: {"revision": R, "changes": [{"collection", "id", "record" | null}]}
 *   event: resync   data: {"revision": R, "reason"}        (what the caller may see changed wholesale: list again)
 *   event: end      data: {"reason"}                        (the token expired or was revoked)
 *
 * `?once=true` sends the hello and ends (what a client needs to know the revision it starts at).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Commit, Store } from '../../store/store.js';
import type { Kind } from '../../store/kinds.js';
import { findVisible, render } from '../api/collection.js';
import type { AnyResourceHandler } from '../api/resource.js';
import type { Authenticator, Caller, HeaderBag } from '../caller.js';
import type { Services } from '../plugin/context.js';
import { enforce } from '../policy.js';

/** The kinds a stream carries, by the collection they are listed under. */
const COLLECTIONS: Readonly<Partial<Record<Kind, string>>> = {
  network: 'networks',
  subnet: 'subnets',
  port: 'ports',
  router: 'routers',
  floatingip: 'floatingips',
  security_group: 'security-groups',
  security_group_rule: 'security-group-rules',
  agent: 'agents',
};

export interface EventChange {
  readonly collection: string;
  readonly id: string;
  /** The record as the caller's `GET` shows it; null when deleted or no longer visible. */
  readonly record: Record<string, unknown> | null;
}

export interface EventRouteDeps {
  readonly store: Store;
  readonly services: Services;
  readonly handlers: ReadonlyMap<string, AnyResourceHandler>;
  readonly authenticator: Authenticator;
  readonly callerOf: (request: FastifyRequest) => Caller;
}

/** How often a stream checks agents' liveness (it changes with time, not with commits) and its token. */
const TICK_MS = 1000;
const TOKEN_CHECK_MS = 10_000;
const KEEPALIVE_MS = 15_000;

/** One caller's stream: what it has been shown, and what each commit shows it next. */
export class EventSession {
  /** Ids the caller has seen (or could see when the stream opened), by kind. */
  private readonly known = new Map<Kind, Set<string>>();
  /** Liveness last shown for each agent. */
  private readonly alive = new Map<string, unknown>();

  constructor(
    private readonly caller: Caller,
    private readonly deps: Pick<EventRouteDeps, 'store' | 'services' | 'handlers'>,
  ) {
    const view = deps.store.view;
    for (const kind of Object.keys(COLLECTIONS) as Kind[]) {
      const ids = new Set<string>();
      for (const r of view.all(kind) as readonly { id: string }[]) {
        const shown = this.show(kind, r.id);
        if (!shown) continue;
        ids.add(r.id);
        if (kind === 'agent') this.alive.set(r.id, shown.alive);
      }
      this.known.set(kind, ids);
    }
  }

  private handler(kind: Kind): AnyResourceHandler {
    return this.deps.handlers.get(COLLECTIONS[kind]!)!;
  }

  /** The record as the caller's GET renders it, or null when it does not exist for the caller. */
  private show(kind: Kind, id: string): Record<string, unknown> | null {
    const h = this.handler(kind);
    const view = this.deps.store.view;
    try {
      return render(h, this.deps.services, view, this.caller, findVisible(h, view, this.caller, id));
    } catch {
      return null;
    }
  }

  /** What a commit shows this caller; empty when nothing it may see changed. */
  changes(commit: Commit): EventChange[] {
    const out = new Map<string, EventChange>();
    for (const c of commit.changes) {
      const collection = COLLECTIONS[c.kind];
      if (!collection) continue;
      const known = this.known.get(c.kind)!;
      const record = this.show(c.kind, c.id);
      if (record) {
        known.add(c.id);
        if (c.kind === 'agent') this.alive.set(c.id, record.alive);
        out.set(`${c.kind} ${c.id}`, { collection, id: c.id, record });
      } else if (known.delete(c.id)) {
        out.set(`${c.kind} ${c.id}`, { collection, id: c.id, record: null });
      }
    }
    return [...out.values()];
  }

  /**
   * Whether a commit changes what the caller may see of records it did not touch: a network
   * made shared or external opens its subnets and ports to every project, and closing it hides
   * them. An admin sees everything anyway.
   */
  widens(commit: Commit): boolean {
    if (this.caller.isAdmin) return false;
    return commit.changes.some((c) => {
      if (c.kind !== 'network' || c.op !== 'put') return false;
      const shown = this.known.get('network')!.has(c.id);
      const r = c.record as { shared?: boolean; 'router:external'?: boolean } | null;
      return shown || r?.shared === true || r?.['router:external'] === true;
    });
  }

  /** Agents whose liveness changed with time alone (no heartbeat is a commit too: a dead agent sends none). */
  agentsAging(): EventChange[] {
    const out: EventChange[] = [];
    for (const id of this.known.get('agent')!) {
      const record = this.show('agent', id);
      if (record && record.alive !== this.alive.get(id)) {
        this.alive.set(id, record.alive);
        out.push({ collection: 'agents', id, record });
      }
    }
    return out;
  }
}

const frame = (event: string, data: unknown, id?: number) =>
  `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export function registerEventRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get('/v2.0/quark/events', async (request, reply) => {
    const caller = deps.callerOf(request);
    enforce('get_quark_events', caller, { projectId: caller.projectId ?? '' });
    const once = (request.query as Record<string, string | undefined>).once === 'true';
    const headers = { ...request.headers } as HeaderBag;
    if (once) {
      reply.type('text/event-stream').header('cache-control', 'no-cache');
      return frame('hello', { revision: deps.store.revision }, deps.store.revision);
    }
    const session = new EventSession(caller, deps);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    raw.socket?.setNoDelay(true);
    raw.write(frame('hello', { revision: deps.store.revision }, deps.store.revision));

    const unsubscribe = deps.store.onCommit((commit) => {
      if (session.widens(commit)) {
        raw.write(frame('resync', { revision: commit.revision, reason: 'a network was shared or unshared' }, commit.revision));
        return;
      }
      const changes = session.changes(commit);
      if (changes.length > 0) raw.write(frame('changes', { revision: commit.revision, changes }, commit.revision));
    });
    let sinceToken = 0;
    let sinceKeepalive = 0;
    const timer = setInterval(() => {
      const aging = session.agentsAging();
      if (aging.length > 0) raw.write(frame('changes', { revision: deps.store.revision, changes: aging }));
      sinceKeepalive += TICK_MS;
      if (sinceKeepalive >= KEEPALIVE_MS) {
        sinceKeepalive = 0;
        raw.write(': keepalive\n\n');
      }
      sinceToken += TICK_MS;
      if (sinceToken >= TOKEN_CHECK_MS) {
        sinceToken = 0;
        // A stream lives no longer than its token: an expired or revoked token ends it.
        Promise.resolve()
          .then(() => deps.authenticator.authenticate(headers))
          .catch(() => {
            raw.write(frame('end', { reason: 'the token expired or was revoked' }));
            end();
          });
      }
    }, TICK_MS);
    timer.unref();
    const detach = () => {
      clearInterval(timer);
      unsubscribe();
      open.delete(end);
    };
    const end = () => {
      detach();
      raw.end(() => raw.socket?.destroy());
    };
    open.add(end);
    raw.on('close', detach);
  });
}
