/**
 * What one agent needs to know: its scope. The roots of a scope are computed from the host's
 * own ports and the routers and networks scheduled to it; every record is then in or out of
 * scope by a test against the roots alone. So after a commit that leaves the roots unchanged
 * only the changed records need a test, and the full scope is rebuilt only when roots move.
 *
 * l2:   ports bound to the host; every port, subnet and network of their networks (tunnel and
 *       unicast endpoints, anti-spoofing, DHCP options); their security groups, those groups'
 *       rules, the groups those rules name as remote groups and the member ports of those; the
 *       address groups those rules name; the network logs of the host's ports (by port, by
 *       one of their groups, or every port of their project); the local IP associations of the
 *       host's ports, and their local IPs; the QoS policy that applies to each of the host's
 *       ports (its own, else its network's) with the policy's bandwidth limit and DSCP rules;
 *       the trunks whose parent port is bound to the host (their subports are bound there too).
 * dhcp: the networks scheduled to the host's DHCP agent, with their subnets and ports.
 *       With HA routers on those networks, their HA ports: the hosts of an HA router's
 *       replicated interface are the hosts of its HA ports (flooding reaches every one).
 * l3:   the routers scheduled to the host's L3 agent, their ports, subnets and networks (an HA
 *       router's: its project's HA network too, before the agent made its HA port on it), their
 *       floating IPs and those floating IPs' port forwardings, their conntrack helpers, and the
 *       metering labels that count on them (their projects' and the shared ones) with the
 *       labels' rules.
 * all:  every agent record (tunnel endpoints come from the agents' configurations).
 */
import type { FeedKind } from '../../model/feed.js';
import { DeviceOwner, isHaRouter } from '../../model/resources.js';
import { networkOwnerKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import { haNetworkOf } from '../plugin/l3-ha.js';

export interface ScopeRoots {
  readonly networks: ReadonlySet<string>;
  readonly securityGroups: ReadonlySet<string>;
  /** Groups named as remote groups by rules of the host's groups: their members are in scope. */
  readonly remoteGroups: ReadonlySet<string>;
  readonly routers: ReadonlySet<string>;
  /** Ports in scope beyond those of the networks (remote group members). */
  readonly extraPorts: ReadonlySet<string>;
  /** Networks the host's DHCP agent serves (empty without the dhcp role); the feed tells the agent. */
  readonly dhcpNetworks: ReadonlySet<string>;
  /** Address groups named by rules of the host's groups. */
  readonly addressGroups: ReadonlySet<string>;
  /** Ports bound to the host (l2), and their projects: what network logs are tested against. */
  readonly hostPorts: ReadonlySet<string>;
  readonly hostProjects: ReadonlySet<string>;
  /** Floating IPs of the host's routers: their port forwardings are in scope. */
  readonly floatingIps: ReadonlySet<string>;
  /** Metering labels that count on the host's routers: the routers' projects' and the shared ones. */
  readonly meteringLabels: ReadonlySet<string>;
  /** Local IPs associated with the host's ports. */
  readonly localIps: ReadonlySet<string>;
  /** QoS policies that apply to the host's ports (absent: none). */
  readonly qosPolicies?: ReadonlySet<string>;
}

export interface ScopeRequest {
  readonly host: string;
  readonly roles: ReadonlySet<string>;
  /** Networks scheduled to this host's DHCP agent. */
  readonly dhcpNetworks: ReadonlySet<string>;
  /** Routers scheduled to this host's L3 agent. */
  readonly routers: ReadonlySet<string>;
}

export function scopeRoots(view: ReadView, req: ScopeRequest): ScopeRoots {
  const networks = new Set<string>();
  const securityGroups = new Set<string>();
  const hostPorts = new Set<string>();
  const hostProjects = new Set<string>();
  if (req.roles.has('l2')) {
    for (const p of view.by('port', 'host', req.host)) {
      networks.add(p.network_id);
      hostPorts.add(p.id);
      hostProjects.add(p.project_id);
      for (const g of p.security_groups) securityGroups.add(g);
    }
  }
  const dhcpNetworks = new Set<string>(req.roles.has('dhcp') ? req.dhcpNetworks : []);
  for (const n of dhcpNetworks) networks.add(n);
  const routers = new Set<string>(req.roles.has('l3') ? req.routers : []);
  for (const r of routers) {
    for (const p of view.by('port', 'device', r)) networks.add(p.network_id);
    const router = view.get('router', r);
    const gw = router?.external_gateway_info?.network_id;
    if (gw) networks.add(gw);
    const haNet = router && isHaRouter(router) ? haNetworkOf(view, router.project_id) : undefined;
    if (haNet) networks.add(haNet.id);
  }
  const remoteGroups = new Set<string>();
  const addressGroups = new Set<string>();
  for (const g of securityGroups) {
    for (const rule of view.by('security_group_rule', 'group', g)) {
      if (rule.remote_group_id) remoteGroups.add(rule.remote_group_id);
      if (rule.remote_address_group_id) addressGroups.add(rule.remote_address_group_id);
    }
  }
  const extraPorts = new Set<string>();
  for (const g of remoteGroups) for (const p of view.by('port', 'securityGroup', g)) extraPorts.add(p.id);
  if (req.roles.has('l2')) {
    for (const n of networks) {
      for (const i of view.by('port', 'networkOwner', networkOwnerKey(n, DeviceOwner.haRouterInterface))) {
        for (const p of view.by('port', 'device', i.device_id))
          if (p.device_owner === DeviceOwner.routerHaInterface) extraPorts.add(p.id);
      }
    }
  }
  const { floatingIps, meteringLabels } = routerExtensionRoots(view, routers);
  const localIps = new Set<string>();
  const qosPolicies = new Set<string>();
  for (const p of hostPorts) {
    for (const a of view.by('local_ip_association', 'fixedPort', p)) localIps.add(a.local_ip_id);
    const port = view.get('port', p);
    const policy = port?.qos_policy_id ?? (port && view.get('network', port.network_id)?.qos_policy_id);
    if (policy) qosPolicies.add(policy);
  }
  return {
    networks,
    securityGroups,
    remoteGroups,
    routers,
    extraPorts,
    dhcpNetworks,
    addressGroups,
    hostPorts,
    hostProjects,
    floatingIps,
    meteringLabels,
    localIps,
    qosPolicies,
  };
}

/** The floating IPs and metering labels of the host's routers (docs/port-forwarding.md, docs/metering.md). */
function routerExtensionRoots(view: ReadView, routers: ReadonlySet<string>) {
  const floatingIps = new Set<string>();
  const meteringLabels = new Set<string>();
  if (routers.size === 0) return { floatingIps, meteringLabels };
  const projects = new Set<string>();
  for (const r of routers) {
    for (const f of view.by('floatingip', 'router', r)) floatingIps.add(f.id);
    const router = view.get('router', r);
    if (router) projects.add(router.project_id);
  }
  for (const p of projects) for (const l of view.by('metering_label', 'project', p)) meteringLabels.add(l.id);
  for (const l of view.by('metering_label', 'shared', 'shared')) meteringLabels.add(l.id);
  return { floatingIps, meteringLabels };
}

export function sameRoots(a: ScopeRoots, b: ScopeRoots): boolean {
  const eq = (x: ReadonlySet<string>, y: ReadonlySet<string>) => x.size === y.size && [...x].every((v) => y.has(v));
  return (
    eq(a.networks, b.networks) &&
    eq(a.securityGroups, b.securityGroups) &&
    eq(a.remoteGroups, b.remoteGroups) &&
    eq(a.routers, b.routers) &&
    eq(a.extraPorts, b.extraPorts) &&
    eq(a.dhcpNetworks, b.dhcpNetworks) &&
    eq(a.addressGroups, b.addressGroups) &&
    eq(a.hostPorts, b.hostPorts) &&
    eq(a.hostProjects, b.hostProjects) &&
    eq(a.floatingIps, b.floatingIps) &&
    eq(a.meteringLabels, b.meteringLabels) &&
    eq(a.localIps, b.localIps) &&
    eq(a.qosPolicies ?? new Set(), b.qosPolicies ?? new Set())
  );
}

/** Is this record in the scope these roots define? */
export function inScope(roots: ScopeRoots, kind: FeedKind, record: unknown): boolean {
  const r = record as Record<string, unknown>;
  switch (kind) {
    case 'agent':
      return true;
    case 'network':
      return roots.networks.has(r.id as string);
    case 'subnet':
      return roots.networks.has(r.network_id as string);
    case 'port':
      return roots.networks.has(r.network_id as string) || roots.extraPorts.has(r.id as string);
    case 'security_group':
      return roots.securityGroups.has(r.id as string) || roots.remoteGroups.has(r.id as string);
    case 'security_group_rule':
      return roots.securityGroups.has(r.security_group_id as string);
    case 'router':
      return roots.routers.has(r.id as string);
    case 'floatingip':
      return roots.routers.has((r.router_id as string | null) ?? '');
    case 'address_group':
      return roots.addressGroups.has(r.id as string);
    case 'log':
      return logInScope(roots, r);
    case 'port_forwarding':
      return roots.floatingIps.has(r.floatingip_id as string);
    case 'conntrack_helper':
      return roots.routers.has(r.router_id as string);
    case 'metering_label':
      return roots.meteringLabels.has(r.id as string);
    case 'metering_label_rule':
      return roots.meteringLabels.has(r.metering_label_id as string);
    case 'local_ip':
      return roots.localIps.has(r.id as string);
    case 'local_ip_association':
      return roots.hostPorts.has(r.fixed_port_id as string);
    case 'qos_policy':
      return roots.qosPolicies?.has(r.id as string) === true;
    case 'qos_bandwidth_limit_rule':
    case 'qos_dscp_marking_rule':
      return roots.qosPolicies?.has(r.qos_policy_id as string) === true;
    case 'trunk':
      return roots.hostPorts.has(r.port_id as string);
  }
}

/** A network log reaches the hosts of the ports it covers (docs/security-group-logging.md). */
function logInScope(roots: ScopeRoots, log: Record<string, unknown>): boolean {
  const target = log.target_id as string | null;
  const group = log.resource_id as string | null;
  if (target !== null) return roots.hostPorts.has(target);
  if (group !== null) return roots.securityGroups.has(group);
  return roots.hostProjects.has(log.project_id as string);
}

/** Every record in scope, as (kind, record) pairs. */
export function scopeRecords(view: ReadView, roots: ScopeRoots): { kind: FeedKind; record: { id: string } }[] {
  const out: { kind: FeedKind; record: { id: string } }[] = [];
  const add = (kind: FeedKind, record: { id: string } | undefined) => {
    if (record) out.push({ kind, record });
  };
  for (const a of view.all('agent')) add('agent', a);
  const ports = new Set<string>(roots.extraPorts);
  for (const n of roots.networks) {
    add('network', view.get('network', n));
    for (const s of view.by('subnet', 'network', n)) add('subnet', s);
    for (const p of view.by('port', 'network', n)) ports.add(p.id);
  }
  for (const id of ports) add('port', view.get('port', id));
  for (const g of new Set([...roots.securityGroups, ...roots.remoteGroups])) add('security_group', view.get('security_group', g));
  for (const g of roots.securityGroups)
    for (const rule of view.by('security_group_rule', 'group', g)) add('security_group_rule', rule);
  for (const r of roots.routers) {
    add('router', view.get('router', r));
    for (const f of view.by('floatingip', 'router', r)) add('floatingip', f);
    for (const c of view.by('conntrack_helper', 'router', r)) add('conntrack_helper', c);
  }
  for (const f of roots.floatingIps) for (const pf of view.by('port_forwarding', 'floatingip', f)) add('port_forwarding', pf);
  for (const l of roots.meteringLabels) {
    add('metering_label', view.get('metering_label', l));
    for (const rule of view.by('metering_label_rule', 'label', l)) add('metering_label_rule', rule);
  }
  for (const g of roots.addressGroups) add('address_group', view.get('address_group', g));
  if (roots.hostPorts.size > 0) for (const l of view.all('log')) if (logInScope(roots, l as never)) add('log', l);
  for (const l of roots.localIps) add('local_ip', view.get('local_ip', l));
  for (const p of roots.hostPorts)
    for (const a of view.by('local_ip_association', 'fixedPort', p)) add('local_ip_association', a);
  for (const q of roots.qosPolicies ?? []) {
    add('qos_policy', view.get('qos_policy', q));
    for (const r of view.by('qos_bandwidth_limit_rule', 'policy', q)) add('qos_bandwidth_limit_rule', r);
    for (const r of view.by('qos_dscp_marking_rule', 'policy', q)) add('qos_dscp_marking_rule', r);
  }
  for (const p of roots.hostPorts) for (const t of view.by('trunk', 'port', p)) add('trunk', t);
  return out;
}
