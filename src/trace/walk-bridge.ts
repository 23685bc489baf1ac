/**
 * One pass of a packet through the host's Open vSwitch: ofproto/trace from the port where it
 * enters (it follows patch ports from bridge to bridge by itself), each bridge as a hop with the
 * flows that matched (named tables, cookie owners, counters), and where the datapath really
 * sends it: a local port, a tunnel to another host, a physical interface, or nowhere.
 */
import type { DumpedFlow } from '../dataplane/drivers/ovs-ofctl.js';
import type { FlowEvidence, ObjectRef, TraceHop, TracePacket } from '../model/trace.js';
import { datapathOutputs } from './datapath-actions.js';
import { bridgeRole, flowMeaning } from './describe-flow.js';
import type { TunnelType } from '../model/names.js';
import type { HostView } from './host-view.js';
import { type OfprotoTrace, type TraceStep, parseOfprotoTrace } from './ofproto-trace.js';
import { type BridgeEntry, ofprotoFlow } from './packet.js';
import { tableName } from '../dataplane/compile/tables.js';

/** Where a packet left the bridges (Open vSwitch's, or a Linux bridge). */
export type BridgeOutput =
  /** A local port: its device, and the Neutron port it belongs to when known. */
  | { readonly kind: 'port'; readonly name: string; readonly portId: string | null; readonly bridge?: string }
  /** A tunnel; `type` and `device` where the bridge names them (a VXLAN device of a Linux bridge host). */
  | {
      readonly kind: 'tunnel';
      readonly remoteIp: string;
      readonly key: number;
      readonly type?: TunnelType;
      readonly device?: string;
    }
  | { readonly kind: 'external'; readonly bridge: string; readonly device: string };

export interface BridgePass {
  readonly hops: TraceHop[];
  readonly outputs: BridgeOutput[];
  /** The flow that dropped the packet when it goes nowhere. */
  readonly droppedBy: { readonly step: TraceStep; readonly owner: ObjectRef | null } | null;
  readonly trace: OfprotoTrace;
}

const normal = (match: string) => match.replaceAll('"', '').split(',').filter(Boolean).sort().join(',');

function counters(flows: readonly DumpedFlow[], step: TraceStep): DumpedFlow | undefined {
  if (step.match === null) return undefined;
  const want = normal(step.match);
  return flows.find((f) => {
    if (f.cookie !== step.cookie || f.table !== step.table || f.priority !== step.priority) return false;
    const head = f.text.slice(0, f.text.indexOf(' actions=')).replace(/^.*?\s(?=\S*priority=)/, '');
    return normal(head.replace(/priority=\d+,?/, '')) === want;
  });
}

async function stepEvidence(view: HostView, step: TraceStep): Promise<FlowEvidence> {
  const owner = view.labels.cookieOwner(step.cookie);
  const c = counters(await view.flows(step.bridge), step);
  const meaning = flowMeaning(view.labels, step.bridge, step.table, step.match ?? '', step.actions);
  // The tunnel remarks repeat what the hop says; learning is suppressed in every trace.
  const notes = step.notes.filter((n) => !/^(suppressing|output to native tunnel|tunneling )/.test(n));
  return {
    kind: 'flow',
    bridge: step.bridge,
    table: step.table,
    tableName: tableName(bridgeRole(step.bridge), step.table),
    priority: step.priority,
    match: step.match,
    actions: step.actions,
    cookie: step.cookie === null ? null : `0x${step.cookie.toString(16)}`,
    effects: meaning.effects,
    notes,
    says: notes.length > 0 ? `${meaning.says} (${notes.join('; ')})` : meaning.says,
    refs: owner && owner.kind !== 'host' ? [owner] : [],
    counters: c ? { packets: c.packets, bytes: c.bytes } : null,
  };
}

/** Runs ofproto/trace from `entry` on `bridge` and reads where the packet goes. */
export async function passBridges(view: HostView, bridge: string, entry: BridgeEntry, packet: TracePacket): Promise<BridgePass> {
  const trace = parseOfprotoTrace(await view.ofprotoTrace(bridge, ofprotoFlow(packet, entry)));
  const underlay = view.settings.underlay?.bridge ?? null;
  const hops: TraceHop[] = [];
  for (const b of trace.bridges.filter((x, i, all) => x !== underlay && all.indexOf(x) === i)) {
    const steps = trace.steps.filter((s) => s.bridge === b);
    const evidence = await Promise.all(steps.map((s) => stepEvidence(view, s)));
    const refs = evidence.flatMap((e) => e.refs);
    hops.push({ host: view.host, where: b, says: '', result: 'pass', evidence, refs });
  }
  const ports = await view.ovsPorts();
  const dp = await view.datapathPorts();
  const providerBridges = new Set(Object.values(view.settings.bridgeMappings));
  const outputs: BridgeOutput[] = [];
  for (const o of datapathOutputs(trace.datapathActions)) {
    if (o.kind === 'tunnel') {
      outputs.push(o);
      continue;
    }
    const name = /^\d+$/.test(o.port) ? dp.get(Number(o.port)) : o.port;
    const port = ports.find((p) => p.name === name);
    if (!name || !port || port.name === port.bridge || name === view.settings.underlay?.interface) continue;
    if (providerBridges.has(port.bridge) && (port.type === '' || port.type === 'system')) {
      outputs.push({ kind: 'external', bridge: port.bridge, device: name });
    } else outputs.push({ kind: 'port', name: port.name, portId: port.ifaceId, bridge: port.bridge });
  }
  const last = trace.steps[trace.steps.length - 1];
  const dropped = outputs.length === 0 && last ? { step: last, owner: view.labels.cookieOwner(last.cookie) } : null;
  return { hops, outputs, droppedBy: dropped, trace };
}
