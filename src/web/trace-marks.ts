/**
 * A trace (`GET /v2.0/quark/trace`) drawn on both pictures: each hop numbered on the element
 * it happened at — on the physical view the host's bridge, router namespace or the port's
 * qbr where iptables decided; on the logical view the ports, routers and networks the hop
 * names — the tunnels it crossed, and the element where it was dropped, with the cause. The
 * reply's hops follow the packet's, numbered on.
 */
import type { TraceHop, TraceResult } from '../model/trace.js';
import { type SceneNode, walk } from './scene.js';
import type { Marks } from './svg.js';

type PathMarks = Map<string, { steps: number[]; drop: boolean; says: string }>;

/** Elements standing for an object; trace refs may carry only the first 10 hex digits of an id. */
function elementsOf(root: SceneNode, ref: string): string[] {
  const out: string[] = [];
  for (const n of walk(root)) if (n.refs.some((r) => r === ref || r.startsWith(ref))) out.push(n.id);
  return out;
}

function mark(path: PathMarks, id: string, step: number, drop: boolean, says: string): void {
  const m = path.get(id) ?? { steps: [], drop: false, says: '' };
  if (!m.steps.includes(step)) m.steps.push(step);
  m.drop ||= drop;
  m.says = m.says ? `${m.says}; ${says}` : says;
  path.set(id, m);
}

/** The packet's hops, then its reply's: numbered on the pictures as one path there and back. */
const allHops = (t: TraceResult): readonly TraceHop[] => [...t.hops, ...(t.reply?.hops ?? [])];

export function logicalTraceMarks(root: SceneNode, t: TraceResult, selected: string | null): Marks {
  const path: PathMarks = new Map();
  const dropped = t.verdict.result === 'dropped' || t.verdict.result === 'unreachable';
  if (t.from.portId)
    for (const id of elementsOf(root, `port:${t.from.portId}`)) mark(path, id, 0, false, `source ${t.from.label}`);
  const hops = allHops(t);
  hops.forEach((hop, i) => {
    for (const r of hop.refs) {
      if (r.kind !== 'port' && r.kind !== 'router' && r.kind !== 'network') continue;
      for (const id of elementsOf(root, `${r.kind}:${r.id}`)) mark(path, id, i + 1, hop.result === 'drop', hop.says);
    }
  });
  const last = hops.length + 1;
  if (t.to.portId)
    for (const id of elementsOf(root, `port:${t.to.portId}`))
      mark(path, id, last, dropped, `destination ${t.to.label}: ${t.verdict.result.toUpperCase()} — ${t.verdict.says}`);
  return { selected, path, wires: new Set() };
}

/** The physical element a hop happened at. */
function hopElement(root: SceneNode, host: string, where: string, refs: readonly { kind: string; id: string }[]): string {
  const known = new Set([...walk(root)].map((n) => n.id));
  const bridge = `${host}/br/${where}`;
  if (known.has(bridge)) return bridge;
  const ns = /(q(?:router|dhcp)-[0-9a-f-]{36})/.exec(where)?.[1];
  if (ns && known.has(`${host}/ns/${ns}`)) return `${host}/ns/${ns}`;
  if (/qbr|iptables/.test(where)) {
    for (const r of refs) {
      if (r.kind !== 'port') continue;
      const vif = [...known].find((id) => id.startsWith(`${host}/vif/${r.id}`));
      if (vif) return vif;
    }
    const qbr = /qbr([0-9a-f]{8})/.exec(where)?.[1];
    const vif = qbr ? [...known].find((id) => id.startsWith(`${host}/vif/${qbr}`)) : undefined;
    if (vif) return vif;
  }
  return `host:${host}`;
}

export function physicalTraceMarks(root: SceneNode, t: TraceResult, selected: string | null): Marks {
  const path: PathMarks = new Map();
  const wires = new Set<string>();
  const hops = allHops(t);
  hops.forEach((hop, i) => {
    mark(path, hopElement(root, hop.host, hop.where, hop.refs), i + 1, hop.result === 'drop', `${hop.where}: ${hop.says}`);
    const prev = hops[i - 1];
    if (prev && prev.host !== hop.host) {
      const pair = [prev.host, hop.host].sort();
      wires.add(`tunnel:${pair[0]}⇄${pair[1]}`);
    }
  });
  return { selected, path, wires };
}
