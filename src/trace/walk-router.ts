/**
 * A packet entering one of the agent's namespaces through its device. A qdhcp namespace is an
 * end: the DHCP port answers for its own addresses and forwards nothing. A qrouter namespace
 * routes as the kernel does, read from the host: mangle and nat PREROUTING (marks, DNAT of
 * floating IPs) evaluated on its real rules, `ip route get` for the route, filter FORWARD, nat
 * POSTROUTING (SNAT), then the next hop's MAC (the API's port, else the neighbour table).
 */
import type { ServicePortItem } from '../dataplane/compile/plan.js';
import type { DropCause, Evidence, ObjectRef, TraceHop, TracePacket } from '../model/trace.js';
import type { HostView } from './host-view.js';
import { evaluateChain } from './iptables-eval.js';
import { netfilterPacket } from './packet.js';
import { ruleEvidence } from './walk-firewall.js';

export type NamespaceResult =
  | { readonly kind: 'delivered'; readonly hop: TraceHop; readonly portId: string }
  | { readonly kind: 'dropped'; readonly hop: TraceHop; readonly cause: DropCause }
  | { readonly kind: 'forward'; readonly hop: TraceHop; readonly out: ServicePortItem; readonly packet: TracePacket };

const hostPart = (cidr: string) => cidr.split('/')[0]!;
const noSets = () => null;

function holder(view: HostView, netns: string, ip: string): ServicePortItem | undefined {
  return view.plan.servicePorts.find((s) => s.netns === netns && s.addresses.some((a) => hostPart(a) === ip));
}

/** The MAC of `ip` on the network behind `out`: the API's port first, then the namespace's neighbours. */
async function nextHopMac(view: HostView, out: ServicePortItem, ip: string): Promise<{ mac: string | null; from: string }> {
  const network = view.labels.replica.ports.get(out.portId)?.network_id;
  for (const p of view.labels.replica.ports.values()) {
    if (p.network_id === network && p.fixed_ips.some((f) => f.ip_address === ip)) {
      return { mac: p.mac_address, from: `${view.labels.label({ kind: 'port', id: p.id })} holds ${ip}` };
    }
  }
  const n = (await view.neighbours(out.netns)).find((x) => x.ip === ip && x.dev === out.device);
  return n
    ? { mac: n.mac, from: `neighbour table: ${ip} lladdr ${n.mac}` }
    : { mac: null, from: `no port and no neighbour entry for ${ip}` };
}

export async function enterNamespace(view: HostView, into: ServicePortItem, p: TracePacket): Promise<NamespaceResult> {
  const netns = into.netns;
  const origin = view.plan.namespaces.find((n) => n.name === netns)?.origin;
  const owner: ObjectRef =
    origin && origin.kind !== 'host' ? { kind: origin.kind, id: origin.id } : { kind: 'port', id: into.portId };
  const hop = (says: string, result: 'pass' | 'drop', evidence: Evidence[]): TraceHop => ({
    host: view.host,
    where: netns,
    says,
    result,
    evidence,
    refs: [owner, ...evidence.flatMap((e) => e.refs)],
  });
  const who = view.labels.label(owner);
  if (!netns.startsWith('qrouter-')) {
    const own = holder(view, netns, p.dst);
    if (own) return { kind: 'delivered', hop: hop(`${who}: ${p.dst} is its own address`, 'pass', []), portId: own.portId };
    const cause: DropCause = { code: 'no-route', refs: [owner], says: `${who} does not route: ${p.dst} is not its address` };
    return { kind: 'dropped', hop: hop(cause.says, 'drop', []), cause };
  }
  const tables = await view.iptables(netns);
  const at = (outIf: string | null, extra: { ctstate?: string[]; mark?: number } = {}) =>
    netfilterPacket(p, { inIf: into.device, outIf, physIn: null, physOut: null, bridged: false }, extra);
  const mangle = evaluateChain(tables, 'mangle', 'PREROUTING', at(null), noSets);
  const dnat = evaluateChain(tables, 'nat', 'PREROUTING', at(null, { mark: mangle.mark }), noSets);
  const evidence = [...ruleEvidence(view, mangle, netns), ...ruleEvidence(view, dnat, netns)];
  const dst = dnat.nat?.kind === 'DNAT' ? dnat.nat.to : p.dst;
  const route = await view.routeGet(netns, dst, p.src, into.device);
  const routeText = `ip route get ${dst} from ${p.src} iif ${into.device}`;
  if (route.error || (route.type !== 'unicast' && route.type !== 'local')) {
    evidence.push({ text: routeText, says: route.error ?? route.type, refs: [owner] });
    const cause: DropCause = {
      code: 'no-route',
      refs: [owner],
      says: `${who} has no route to ${dst} (${route.error ?? route.type})`,
    };
    return { kind: 'dropped', hop: hop(cause.says, 'drop', evidence), cause };
  }
  if (route.type === 'local') {
    const floating =
      dnat.nat?.kind === 'DNAT'
        ? undefined
        : [...view.labels.replica.floatingips.values()].find(
            (f) => f.floating_ip_address === dst && f.port_id && f.router_id === owner.id,
          );
    if (floating) {
      // The intent forwards this address to a port, the namespace keeps it: its DNAT rule is gone.
      evidence.push({ text: `${routeText}: local`, says: `${dst} is an address of the router itself`, refs: [owner] });
      const fip = `floating IP ${dst} (${floating.id.slice(0, 8)})`;
      const planned = view.plan.floatingIps.some((f) => f.netns === netns && f.floatingIpAddress === dst);
      const why = planned
        ? "the agent's plan has the rule, so the host has drifted"
        : "the agent's plan does not have it yet (the association is newer than its last pass)";
      const cause: DropCause = {
        code: 'missing-nat',
        refs: [owner, { kind: 'floatingip', id: floating.id }],
        says: `${who} has no DNAT rule for ${fip} (to ${floating.fixed_ip_address}): the router answers it itself; ${why} (quark explain floatingip ${dst})`,
      };
      return { kind: 'dropped', hop: hop(cause.says, 'drop', evidence), cause };
    }
    const own = holder(view, netns, dst);
    evidence.push({ text: `${routeText}: local`, says: `${dst} is an address of the router itself`, refs: [owner] });
    return {
      kind: 'delivered',
      hop: hop(`${who}: ${dst} is its own address`, 'pass', evidence),
      portId: own?.portId ?? into.portId,
    };
  }
  const out = view.plan.servicePorts.find((s) => s.netns === netns && s.device === route.dev);
  evidence.push({
    text: `${routeText}: ${route.gateway ? `via ${route.gateway} ` : ''}dev ${route.dev}`,
    says: `routed out of ${route.dev}${out ? ` (${view.labels.label({ kind: 'port', id: out.portId })})` : ''}`,
    refs: out ? [{ kind: 'port', id: out.portId }] : [],
  });
  const dnatted = dnat.nat?.kind === 'DNAT' ? ['DNAT'] : [];
  const forward = evaluateChain(tables, 'filter', 'FORWARD', at(route.dev, { ctstate: dnatted, mark: dnat.mark }), noSets);
  evidence.push(...ruleEvidence(view, forward, netns));
  if (forward.verdict !== 'ACCEPT' || !out) {
    const why = out ? `its filter FORWARD chain dropped it` : `${route.dev} is not one of its ports`;
    const cause: DropCause = { code: out ? 'firewall' : 'no-route', refs: [owner], says: `${who}: ${why}` };
    return { kind: 'dropped', hop: hop(cause.says, 'drop', evidence), cause };
  }
  const snat = evaluateChain(tables, 'nat', 'POSTROUTING', at(route.dev, { ctstate: dnatted, mark: forward.mark }), noSets);
  evidence.push(...ruleEvidence(view, snat, netns));
  const src = snat.nat?.kind === 'SNAT' ? snat.nat.to : p.src;
  const hopIp = route.gateway ?? dst;
  const mac = await nextHopMac(view, out, hopIp);
  evidence.push({ text: `neighbour ${hopIp} dev ${route.dev}`, says: mac.from, refs: [] });
  const nat = [
    dnat.nat?.kind === 'DNAT' ? `DNAT ${p.dst} → ${dst}` : '',
    snat.nat?.kind === 'SNAT' ? `SNAT ${p.src} → ${src}` : 'no SNAT',
  ].filter(Boolean);
  const says = `${who} routes ${dst} out of ${route.dev}${route.gateway ? ` via ${route.gateway}` : ''} (${nat.join(', ')})`;
  if (!mac.mac && !out.device.startsWith('qg-')) {
    const network = view.labels.replica.ports.get(out.portId)?.network_id;
    const on = network ? ` on ${view.labels.label({ kind: 'network', id: network })}` : '';
    const cause: DropCause = {
      code: 'no-neighbour',
      refs: [owner, ...(network ? [{ kind: 'network', id: network } as const] : [])],
      says: `${who}: no port${on} holds ${hopIp}, so its ARP goes unanswered`,
    };
    return { kind: 'dropped', hop: hop(`${says}; ${cause.says}`, 'drop', evidence), cause };
  }
  const packet: TracePacket = { ...p, src, dst, srcMac: out.mac, dstMac: mac.mac, ttl: p.ttl - 1 };
  return { kind: 'forward', hop: hop(says, 'pass', evidence), out, packet };
}
