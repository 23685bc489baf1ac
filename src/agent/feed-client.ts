/**
 * Keeps the agent connected to the server's feed: one long-lived streaming request that
 * carries newline-delimited JSON messages (docs/feed.md). It resumes from the last revision it
 * saw after a drop, backs off while the server is away, and treats a server that has been
 * silent for three heartbeat periods as gone. Given several servers, it moves to the next one
 * at once when the one it streams from fails, and backs off only after trying them all.
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import type { FeedMessage } from '../model/feed.js';
import { parseFeedMessage } from '../model/feed-message.js';

export interface FeedHandlers {
  onMessage(message: FeedMessage): void;
  onConnected?(): void;
  onDisconnected?(reason: string): void;
}

export interface FeedParams {
  readonly host: string;
  readonly roles: readonly string[];
  /** Seconds between server heartbeats; silence for three of them means the stream is dead. */
  readonly heartbeatSeconds: number;
}

export class FeedClient {
  private controller: AbortController | null = null;
  private stopped = false;
  private revision = 0;

  constructor(
    private readonly client: QuarkClient,
    private readonly params: FeedParams,
    private readonly handlers: FeedHandlers,
    private readonly log: Logger,
  ) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
  }

  private async loop(): Promise<void> {
    let delay = 100;
    let failures = 0;
    while (!this.stopped) {
      const started = Date.now();
      const server = this.client.url;
      try {
        await this.connectOnce(server);
      } catch (e) {
        if (this.stopped) return;
        this.handlers.onDisconnected?.((e as Error).message);
        this.log.warn({ err: (e as Error).message, server }, 'feed disconnected');
      }
      if (this.stopped) return;
      failures = Date.now() - started > 10_000 ? 1 : failures + 1;
      const next = this.client.failover(server);
      if (next && failures % this.client.urls.length !== 0) {
        // Another server may be fine: try it at once.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      delay = Date.now() - started > 10_000 ? 100 : Math.min(delay * 2, 5_000);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  private async connectOnce(server: string): Promise<void> {
    this.controller = new AbortController();
    const q = new URLSearchParams({ host: this.params.host, roles: this.params.roles.join(','), since: String(this.revision) });
    const res = await this.client.stream(`/v2.0/quark/feed?${q}`, this.controller.signal);
    if (!res.ok || !res.body) throw new Error(`feed answered HTTP ${res.status}`);
    this.log.info({ server, since: this.revision }, 'feed connected');
    this.handlers.onConnected?.();
    const silence = this.params.heartbeatSeconds * 3000;
    let watchdog = setTimeout(() => this.controller?.abort(), silence);
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => this.controller?.abort(), silence);
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) this.dispatch(parseFeedMessage(line));
          nl = buffer.indexOf('\n');
        }
      }
    } finally {
      clearTimeout(watchdog);
    }
    throw new Error('feed stream ended');
  }

  private dispatch(message: FeedMessage): void {
    this.revision = message.revision;
    this.handlers.onMessage(message);
  }
}
