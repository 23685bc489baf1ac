/** An agent feed read over real HTTP, its messages collected, for tests. */
import type { FeedMessage } from '../../model/feed.js';

export interface FeedReplica {
  readonly records: ReadonlyMap<string, unknown>;
  readonly revision: number;
  readonly dhcpNetworks: readonly string[] | undefined;
}

export class FeedReader {
  readonly messages: FeedMessage[] = [];
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];
  readonly done: Promise<void>;

  constructor(url: string, query: string, headers: Record<string, string> = { 'x-project-id': 'service', 'x-roles': 'admin' }) {
    this.done = this.read(url, query, headers).catch(() => undefined);
  }

  private async read(url: string, query: string, headers: Record<string, string>): Promise<void> {
    const res = await fetch(`${url}/v2.0/quark/feed?${query}`, {
      headers,
      signal: this.controller.signal,
    });
    let buffer = '';
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      buffer += Buffer.from(chunk).toString();
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        this.messages.push(JSON.parse(buffer.slice(0, nl)) as FeedMessage);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
      }
      for (const w of this.waiters.splice(0)) w();
    }
  }

  async until(check: (ms: FeedMessage[]) => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.messages)) {
      if (Date.now() > deadline)
        throw new Error(`feed condition not met; got ${JSON.stringify(this.messages.map((m) => m.type))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  /**
   * What an agent's replica would hold after these messages (applied on top of `base`, the
   * replica of an earlier stream): `kind id` → record, the revision, the DHCP networks.
   */
  replica(base?: FeedReplica): FeedReplica {
    const records = new Map(base?.records ?? []);
    let revision = base?.revision ?? 0;
    let dhcpNetworks = base?.dhcpNetworks;
    for (const m of this.messages) {
      if (m.type === 'snapshot') {
        records.clear();
        for (const r of m.records) records.set(`${r.kind} ${(r.record as { id: string }).id}`, r.record);
        dhcpNetworks = m.dhcpNetworks;
      } else if (m.type === 'changes') {
        for (const c of m.changes) {
          if (c.op === 'put') records.set(`${c.kind} ${c.id}`, c.record);
          else records.delete(`${c.kind} ${c.id}`);
        }
        if (m.dhcpNetworks) dhcpNetworks = m.dhcpNetworks;
      }
      if (m.type !== 'query') revision = m.revision;
    }
    return { records, revision, dhcpNetworks };
  }

  close(): void {
    this.controller.abort();
  }
}
