/**
 * The property of `quark trace` that matters: it says what the network really does. Random
 * cases over a running lab — a source (an instance or the internet host), a destination (an
 * instance, a floating IP, the internet host), a protocol and a port — each traced through the
 * API and sent for real: from an instance by the trace's own probe (the source's agent sends
 * the packet from its namespace; by the lab when that agent is down), from the internet host
 * by the same probe code run in its namespace. The real outcome is whether anything answered (an echo reply, a SYN-ACK or a
 * reset, a UDP reply or port unreachable) from the host meant; trace's is whether the packet
 * and its reply arrive (and the route the verdict assumes is one the internet host has). A
 * disagreement is checked once more before it counts, and is reported with both sides.
 */
import type { QuarkClient } from '../../client/client.js';
import { probe } from '../../dataplane/drivers/probe.js';
import type { TraceResult } from '../../model/trace.js';
import { labExtra } from '../extra.js';
import { PROBE } from '../listeners.js';
import type { Lab } from '../lab.js';
import { predicted } from './agreement.js';

export type Protocol = 'icmp' | 'tcp' | 'udp';

export interface PropertyCase {
  readonly from: string;
  /** An instance name, `NAME.floating`, a floating IP's address, or `internet`. */
  readonly to: string;
  readonly protocol: Protocol;
  readonly port: number | null;
}

export interface CaseOutcome {
  readonly case: PropertyCase;
  readonly real: 'allowed' | 'blocked';
  readonly trace: 'allowed' | 'blocked';
  readonly why: string;
  readonly realSays: string;
  /** The first try disagreed, the second agreed (a real packet lost, or the network changing). */
  readonly retried: boolean;
}

/** A small seeded generator (mulberry32), so a failing run can be replayed from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TCP_PORTS = [22, 80, 5432, 8080];
const UDP_PORTS = [53, 5353];

/** `count` random cases over the lab's instances and floating IPs. */
export function cases(lab: Lab, count: number, seed: number): PropertyCase[] {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const extra = labExtra(lab);
  const instances = extra.instances.map((i) => i.name);
  const floating = (extra.floatingIps ?? []).map((f) => f.address);
  const out: PropertyCase[] = [];
  while (out.length < count) {
    const from = next() < 0.25 ? 'internet' : pick(instances);
    const r = next();
    const to =
      from === 'internet'
        ? r < 0.5
          ? pick(floating)
          : pick(instances)
        : r < 0.6
          ? pick(instances.filter((i) => i !== from))
          : r < 0.8
            ? pick(floating)
            : 'internet';
    const p = next();
    const protocol: Protocol = p < 0.4 ? 'icmp' : p < 0.8 ? 'tcp' : 'udp';
    const port = protocol === 'tcp' ? pick(TCP_PORTS) : protocol === 'udp' ? pick(UDP_PORTS) : null;
    out.push({ from, to, protocol, port });
  }
  return out;
}

function query(lab: Lab, c: PropertyCase, withProbe: boolean): URLSearchParams {
  const extra = labExtra(lab);
  const end = (name: string) =>
    name === 'internet' ? lab.fabric.internetIp : (extra.instances.find((i) => i.name === name)?.portId ?? name);
  const q = new URLSearchParams({ from: end(c.from), to: end(c.to), protocol: c.protocol, probe: String(withProbe) });
  if (c.port !== null) q.set('port', String(c.port));
  return q;
}

async function once(lab: Lab, api: QuarkClient, c: PropertyCase) {
  const fromInstance = c.from !== 'internet';
  const { trace } = await api.get<{ trace: TraceResult }>(`/v2.0/quark/trace?${query(lab, c, fromInstance)}`);
  let real: 'allowed' | 'blocked';
  let realSays: string;
  if (fromInstance && trace.probe?.sent) {
    const p = trace.probe;
    real = p.answered && !p.says.includes('but answered by') ? 'allowed' : 'blocked';
    realSays = p.says;
  } else if (fromInstance) {
    // The source's agent cannot send it (it is down): the lab sends it from the instance itself.
    const i = labExtra(lab).instances.find((x) => x.name === c.from)!;
    const argv =
      c.protocol === 'icmp'
        ? ['ping', '-n', '-c', '1', '-W', '1', trace.to.ip]
        : [process.execPath, PROBE, 'reach', c.protocol, trace.to.ip, String(c.port)];
    const r = await lab.exec(i.node, argv, i.netns).then(
      (x) => ({ ok: true, out: x.stdout }),
      () => ({ ok: false, out: '' }),
    );
    real = r.ok ? 'allowed' : 'blocked';
    realSays = `sent by the lab from ${c.from}: ${r.ok ? 'answered' : 'no answer'}`;
  } else {
    const r = await probe(lab.fabric.internetNetns, c.protocol, trace.to.ip, c.port);
    real = r.answered ? 'allowed' : 'blocked';
    realSays = `from the internet host: ${r.detail}`;
  }
  const p = await predicted(lab, trace);
  return { real, trace: p.result, why: p.why, realSays };
}

/** Runs each case, traced and sent for real; a disagreement is tried once more before it counts. */
export async function runCases(lab: Lab, api: QuarkClient, list: readonly PropertyCase[]): Promise<CaseOutcome[]> {
  const out: CaseOutcome[] = [];
  for (const c of list) {
    let r = await once(lab, api, c);
    let retried = false;
    if (r.real !== r.trace) {
      retried = true;
      r = await once(lab, api, c);
    }
    out.push({ case: c, ...r, retried: retried && r.real === r.trace });
  }
  return out;
}

export function caseWords(o: CaseOutcome): string {
  const c = o.case;
  const what = `${c.from} → ${c.to} ${c.protocol}${c.port ? `/${c.port}` : ''}`;
  return `${what}: real ${o.real} (${o.realSays}); trace ${o.trace} (${o.why})`;
}
