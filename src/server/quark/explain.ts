/**
 * `GET /v2.0/quark/explain/{kind}/{id|name}` and `/explain/hosts/{host}`: asks the agents what
 * their hosts have for an API object (or everything a host has), and names what they found.
 * The object decides which objects' items count: a port brings its network (local VLAN,
 * tunnels) and its security groups; a network its subnets and ports; a router its ports and
 * floating IPs. Every connected agent is asked; hosts with nothing to show are left out.
 */
import type { Explanation, HostExplanation, HostItem, MissingAgent } from '../../model/explain.js';
import { type ErrorCode, QuarkError } from '../../model/errors.js';
import { type ObjectRef, refKey } from '../../model/trace.js';
import { isRouterInterface } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';
import type { AgentAsker } from './broker.js';
import { Names } from './names.js';
import { intentLines, missingAgent, neededAgents } from './needed-agents.js';

export type ExplainKind = 'port' | 'network' | 'router' | 'floatingip' | 'security_group' | 'trunk';

/** URL spellings of the kinds (collection paths, singular, CLI words). */
export const EXPLAIN_KINDS: Readonly<Record<string, ExplainKind>> = {
  ports: 'port',
  port: 'port',
  networks: 'network',
  network: 'network',
  routers: 'router',
  router: 'router',
  floatingips: 'floatingip',
  floatingip: 'floatingip',
  'floating-ips': 'floatingip',
  'floating-ip': 'floatingip',
  'security-groups': 'security_group',
  'security-group': 'security_group',
  security_groups: 'security_group',
  security_group: 'security_group',
  trunks: 'trunk',
  trunk: 'trunk',
};

const NOT_FOUND: Readonly<Record<ExplainKind, ErrorCode>> = {
  port: 'PortNotFound',
  network: 'NetworkNotFound',
  router: 'RouterNotFound',
  floatingip: 'FloatingIPNotFound',
  security_group: 'SecurityGroupNotFound',
  trunk: 'TrunkNotFound',
};

interface Named {
  readonly id: string;
  readonly name?: string;
  readonly floating_ip_address?: string;
}

/** The object by id, or by name (or address, for floating IPs) when exactly one has it. */
export function findObject(view: ReadView, kind: ExplainKind, key: string): Named {
  const byId = view.get(kind, key) as Named | undefined;
  if (byId) return byId;
  const all = view.all(kind) as readonly Named[];
  const hits = all.filter((r) => r.name === key || r.floating_ip_address === key);
  const words = kind.replaceAll('_', ' ');
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1) {
    throw new QuarkError(
      'InvalidInput',
      `Invalid input for operation: ${hits.length} ${words}s are named ${key}; give the id (${hits.map((h) => h.id).join(', ')}).`,
    );
  }
  throw new QuarkError(NOT_FOUND[kind], `${words[0]!.toUpperCase()}${words.slice(1)} ${key} could not be found.`);
}

/** The objects whose items belong in the explanation of one object. */
export function relatedRefs(view: ReadView, kind: ExplainKind, id: string): ObjectRef[] {
  const refs: ObjectRef[] = [{ kind, id }];
  if (kind === 'port') {
    const p = view.get('port', id)!;
    refs.push(
      { kind: 'network', id: p.network_id },
      ...p.security_groups.map((g): ObjectRef => ({ kind: 'security_group', id: g })),
    );
    // A trunk's parent or subport brings its trunk (the trunk bridge and the patch pairs).
    for (const t of [...view.by('trunk', 'port', id), ...view.by('trunk', 'subport', id)]) refs.push({ kind: 'trunk', id: t.id });
  } else if (kind === 'network') {
    for (const s of view.by('subnet', 'network', id)) refs.push({ kind: 'subnet', id: s.id });
    for (const p of view.by('port', 'network', id)) refs.push({ kind: 'port', id: p.id });
  } else if (kind === 'router') {
    for (const p of view.by('port', 'device', id)) refs.push({ kind: 'port', id: p.id });
    const router = view.get('router', id)!;
    for (const f of view.by('floatingip', 'router', id)) {
      refs.push({ kind: 'floatingip', id: f.id });
      for (const pf of view.by('port_forwarding', 'floatingip', f.id)) refs.push({ kind: 'port_forwarding', id: pf.id });
    }
    for (const c of view.by('conntrack_helper', 'router', id)) refs.push({ kind: 'conntrack_helper', id: c.id });
    const labels = [...view.by('metering_label', 'project', router.project_id), ...view.by('metering_label', 'shared', 'shared')];
    for (const l of new Set(labels)) refs.push({ kind: 'metering_label', id: l.id });
  } else if (kind === 'floatingip') {
    for (const pf of view.by('port_forwarding', 'floatingip', id)) refs.push({ kind: 'port_forwarding', id: pf.id });
  } else if (kind === 'trunk') {
    // The trunk bridge, the parent and subport patch pairs, and the local VLANs of their networks.
    const t = view.get('trunk', id)!;
    for (const portId of [t.port_id, ...t.sub_ports.map((s) => s.port_id)]) {
      refs.push({ kind: 'port', id: portId });
      const p = view.get('port', portId);
      if (p) refs.push({ kind: 'network', id: p.network_id });
    }
  } else if (kind === 'security_group') {
    for (const r of view.by('security_group_rule', 'group', id)) refs.push({ kind: 'security_group_rule', id: r.id });
  }
  return refs;
}

const DRIFT = new Set(['missing', 'extra', 'differs', 'stale']);

interface Answers {
  readonly answered: readonly HostExplanation[];
  readonly unanswered: readonly { readonly host: string; readonly reason: string }[];
}

/** What explain knows without the agents: the ones it could not ask, and the API's own account. */
interface Gaps {
  readonly missing: readonly MissingAgent[];
  readonly intent: readonly string[];
}

/** Names every owner (resolving cookie prefixes) and counts the drift. */
function assemble(
  names: Names,
  a: Answers,
  gaps: Gaps,
  keepEmpty: boolean,
  subject: Explanation['subject'],
  started: number,
): Explanation {
  const owners: ObjectRef[] = [];
  const hosts: HostExplanation[] = [];
  for (const h of a.answered) {
    const items: HostItem[] = h.items.map((item) => ({ ...item, owners: item.owners.map((o) => names.resolve(o)) }));
    for (const item of items) owners.push(...item.owners);
    if (items.length > 0 || keepEmpty) hosts.push({ ...h, items });
  }
  const drift = hosts.reduce((n, h) => n + h.items.filter((i) => DRIFT.has(i.status)).length, 0);
  return {
    subject,
    hosts,
    unanswered: a.unanswered,
    missing: gaps.missing,
    intent: gaps.intent,
    drift,
    names: names.table(owners),
    ms: Math.round(performance.now() - started),
  };
}

export async function explainObject(broker: AgentAsker, view: ReadView, kind: ExplainKind, key: string): Promise<Explanation> {
  const started = performance.now();
  const found = findObject(view, kind, key);
  const names = new Names(view);
  const subject = { kind, id: found.id, label: names.label({ kind, id: found.id }) };
  const refs = relatedRefs(view, kind, found.id).map(refKey);
  // Every connected agent is asked, also those whose scope no longer holds the object: a host it
  // left (a router moved, a port unbound) is where leftovers are. One that fails leaves a gap, named.
  const hosts = broker.hosts();
  const settled = await Promise.allSettled(hosts.map((h) => broker.ask<HostExplanation>(h, { kind: 'explain', refs })));
  const answered: HostExplanation[] = [];
  const unanswered: { host: string; reason: string }[] = [];
  settled.forEach((r, i) => {
    if (r.status === 'fulfilled') answered.push(r.value);
    else unanswered.push({ host: hosts[i]!, reason: (r.reason as Error).message });
  });
  // The agents the object needs that are not connected: without them the answer is not the whole story.
  const connected = new Set(hosts);
  const missing = neededAgents(view, kind, found.id)
    .map((need) => missingAgent(view, names, need, connected))
    .filter((m): m is MissingAgent => m !== null);
  const gaps = { missing, intent: intentLines(view, names, kind, found.id) };
  return assemble(names, { answered, unanswered }, gaps, false, subject, started);
}

/** What the API knows of a host: its agents and what is bound or hosted there. */
function hostIntent(view: ReadView, host: string): string[] {
  const agents = view.by('agent', 'host', host).map((a) => `${a.agent_type} (last report ${a.heartbeat_timestamp} UTC)`);
  const ports = view.by('port', 'host', host);
  const routerPorts = ports.filter((p) => p.device_owner === 'network:router_gateway' || isRouterInterface(p));
  const routers = new Set(routerPorts.map((p) => p.device_id)).size;
  const dhcp = ports.filter((p) => p.device_owner === 'network:dhcp').length;
  const instances = ports.filter((p) => p.device_owner.startsWith('compute:')).length;
  return [
    `host ${host}: agents ${agents.join(', ') || 'none'}`,
    `bound here: ${instances} instance port(s), ${dhcp} DHCP port(s), ${routerPorts.length} port(s) of ${routers} router(s)`,
  ];
}

export async function explainHost(broker: AgentAsker, view: ReadView, host: string): Promise<Explanation> {
  const started = performance.now();
  const names = new Names(view);
  const subject = { kind: 'host', id: host, label: `host ${host}` };
  const agents = view.by('agent', 'host', host);
  if (!broker.hosts().includes(host)) {
    if (agents.length === 0) {
      const known = [...new Set(view.all('agent').map((a) => a.host))].sort();
      throw new QuarkError(
        'AgentNotFound',
        `No agent has reported from a host named ${host}${known.length > 0 ? ` (hosts with agents: ${known.join(', ')})` : ''}.`,
      );
    }
    // Known but not connected: say so, with what the API knows of the host.
    const missing = agents.map(
      (a): MissingAgent => ({
        host,
        role: a.agent_type === 'DHCP agent' ? 'dhcp' : a.agent_type === 'L3 agent' ? 'l3' : 'l2',
        for: `host ${host}`,
        reason: `no agent of host ${host} is connected to any server (its ${a.agent_type} last reported at ${a.heartbeat_timestamp} UTC)`,
      }),
    );
    return assemble(names, { answered: [], unanswered: [] }, { missing, intent: hostIntent(view, host) }, true, subject, started);
  }
  // One host asked: its failure is the answer (AgentUnavailable, AgentQueryFailed).
  const answer = await broker.ask<HostExplanation>(host, { kind: 'explain', refs: null });
  return assemble(
    names,
    { answered: [answer], unanswered: [] },
    { missing: [], intent: hostIntent(view, host) },
    true,
    subject,
    started,
  );
}
