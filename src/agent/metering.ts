/**
 * Metering on the L3 role: every `meteringInterval` seconds the agent reads the counters of the
 * metering label chains in its router namespaces (metering.ts of the L3 compiler writes them)
 * and sends the server what they counted since the last report, per label and router:
 *
 *   POST /v2.0/quark/metering/report  {host, counters: [{label_id, router_id, pkts, bytes}]}
 *
 * Neutron's metering agent reads the same chains (zeroing them as it reads) and sends `l3.meter`
 * notifications; Quark's server adds the reports up (docs/metering.md). Counters are never
 * zeroed here: the agent remembers the readings it has reported, in memory and in
 * `<stateDir>/metering/reported.json` once the server accepted them, so a restarted agent
 * reports exactly what the chains counted since its last accepted report, and a failed report
 * is sent again with the next one. A reading below the one reported means the chain was made
 * anew (the label or the router came back): all of it is new.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import type { HostPlan } from '../dataplane/compile/plan.js';
import { type ChainCounters, readChainCounters } from '../dataplane/drivers/iptables-counters.js';
import { meteringChain } from '../model/names.js';

/** What the agent reports for one label on one router. */
export interface MeteringCount {
  readonly label_id: string;
  readonly router_id: string;
  readonly pkts: number;
  readonly bytes: number;
}

/** `<router id> <label id> <family>` → the chain's counters. */
type Readings = Map<string, ChainCounters>;

/** The label counter chains of each router namespace of the plan, by family. */
export function meteredChains(
  plan: HostPlan,
): { netns: string; routerId: string; labelId: string; family: 4 | 6; chain: string }[] {
  const routers = new Map(plan.namespaces.filter((n) => n.origin.kind === 'router').map((n) => [n.name, n.origin.id]));
  return plan.iptables
    .filter((c) => c.netns !== null && c.origin.kind === 'metering_label' && c.chain === meteringChain('l', c.origin.id))
    .flatMap((c) => {
      const routerId = routers.get(c.netns!);
      return routerId ? [{ netns: c.netns!, routerId, labelId: c.origin.id, family: c.family, chain: c.chain }] : [];
    });
}

/** What was counted since `reported`, per label and router; a reading below the reported one is all new. */
export function countsSince(reported: Readings, now: Readings): MeteringCount[] {
  const out = new Map<string, { label_id: string; router_id: string; pkts: number; bytes: number }>();
  for (const [key, c] of now) {
    const before = reported.get(key);
    const reset = !before || c.packets < before.packets || c.bytes < before.bytes;
    const pkts = reset ? c.packets : c.packets - before.packets;
    const bytes = reset ? c.bytes : c.bytes - before.bytes;
    const [router_id, label_id] = key.split(' ') as [string, string];
    const sum = out.get(`${router_id} ${label_id}`) ?? { label_id, router_id, pkts: 0, bytes: 0 };
    out.set(`${router_id} ${label_id}`, { ...sum, pkts: sum.pkts + pkts, bytes: sum.bytes + bytes });
  }
  return [...out.values()].filter((c) => c.pkts > 0 || c.bytes > 0);
}

export class MeteringReporter {
  private reported: Readings | null = null;
  private readonly file: string;

  constructor(
    private readonly client: QuarkClient,
    private readonly host: string,
    stateDir: string,
    private readonly log: Logger,
  ) {
    this.file = `${stateDir.replace(/\/+$/, '')}/metering/reported.json`;
  }

  /** Reads the counters of `plan`'s routers and reports what is new; returns how many counts it sent. */
  async report(plan: HostPlan): Promise<number> {
    const reported = await this.load();
    const now = await this.read(plan);
    const counts = countsSince(reported, now);
    if (counts.length > 0) await this.client.post('/v2.0/quark/metering/report', { host: this.host, counters: counts });
    this.reported = now;
    if (counts.length > 0 || now.size !== reported.size) await this.save(now);
    return counts.length;
  }

  private async read(plan: HostPlan): Promise<Readings> {
    const out: Readings = new Map();
    const byNamespace = new Map<string, ReturnType<typeof meteredChains>>();
    for (const c of meteredChains(plan))
      byNamespace.set(`${c.netns} ${c.family}`, [...(byNamespace.get(`${c.netns} ${c.family}`) ?? []), c]);
    for (const [key, chains] of byNamespace) {
      const [netns, family] = key.split(' ') as [string, string];
      try {
        const counters = await readChainCounters(netns, Number(family) as 4 | 6, 'filter', new Set(chains.map((c) => c.chain)));
        for (const c of chains) {
          const got = counters.get(c.chain);
          if (got) out.set(`${c.routerId} ${c.labelId} ${c.family}`, got);
        }
      } catch (e) {
        // A router being made or removed: its counters are read at the next report.
        this.log.debug({ netns, err: (e as Error).message }, 'metering counters not readable');
        for (const c of chains) {
          const before = this.reported?.get(`${c.routerId} ${c.labelId} ${c.family}`);
          if (before) out.set(`${c.routerId} ${c.labelId} ${c.family}`, before);
        }
      }
    }
    return out;
  }

  private async load(): Promise<Readings> {
    if (this.reported) return this.reported;
    try {
      const saved = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, ChainCounters>;
      this.reported = new Map(Object.entries(saved));
    } catch {
      this.reported = new Map();
    }
    return this.reported;
  }

  private async save(readings: Readings): Promise<void> {
    const dir = this.file.slice(0, this.file.lastIndexOf('/'));
    await mkdir(dir, { recursive: true });
    await writeFile(`${this.file}.tmp`, JSON.stringify(Object.fromEntries(readings)));
    await rename(`${this.file}.tmp`, this.file);
  }
}
