/**
 * Which agents an API object needs, from the API alone: a port needs the l2 agent of the host it
 * is bound to (a DHCP port the dhcp role there, a router's port the l3 role), a network the
 * agents of its ports' hosts and a DHCP agent when a subnet has DHCP, a router an L3 agent,
 * a floating IP its router's and its port's. Explain and trace use it to say which agent is
 * missing for which object when one is not connected, instead of an answer that looks complete
 * (or an empty host name), and give what the API knows meanwhile.
 */
import type { MissingAgent } from '../../model/explain.js';
import type { ObjectRef } from '../../model/trace.js';
import {
  type Agent,
  DeviceOwner,
  L2_AGENT_TYPES,
  type Port,
  isHaRouter,
  isRouterInterface,
  isRouterOwner,
} from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';
import type { ExplainKind } from './explain.js';
import type { Names } from './names.js';
import { agentKey } from '../../store/kinds.js';

export type AgentRole = MissingAgent['role'];

/** What each role runs as in `GET /v2.0/agents`: the l2 role as its mechanism's agent. */
export const AGENT_TYPES: Readonly<Record<AgentRole, readonly Agent['agent_type'][]>> = {
  l2: L2_AGENT_TYPES,
  dhcp: ['DHCP agent'],
  l3: ['L3 agent'],
};

/** The record of `role` on `host` that reported last (a host that changed mechanism has two L2 ones), if any ever did. */
export function agentRecord(view: ReadView, role: AgentRole, host: string): Agent | undefined {
  return AGENT_TYPES[role]
    .flatMap((t) => view.by('agent', 'typeHost', agentKey(t, host)))
    .sort((a, b) => b.heartbeat_timestamp.localeCompare(a.heartbeat_timestamp))[0];
}

/** A role on a host (`''`: no host has it) that an object needs. */
export interface Need {
  readonly host: string;
  readonly role: AgentRole;
  readonly for: ObjectRef;
}

function roleOfPort(p: Port): AgentRole {
  if (p.device_owner === 'network:dhcp') return 'dhcp';
  if (isRouterOwner(p.device_owner)) return 'l3';
  return 'l2';
}

function portNeeds(p: Port): Need[] {
  const ref: ObjectRef = { kind: 'port', id: p.id };
  const host = p['binding:host_id'];
  // An unbound instance port needs no agent yet: nothing plugged it anywhere.
  if (!host) return roleOfPort(p) === 'l2' ? [] : [{ host: '', role: roleOfPort(p), for: ref }];
  return [{ host, role: roleOfPort(p), for: ref }];
}

/** A router needs the L3 agents of its ports' hosts: for an HA router, every node with its HA port. */
function routerNeeds(view: ReadView, routerId: string): Need[] {
  const ports = view.by('port', 'device', routerId).filter((p) => roleOfPort(p) === 'l3');
  const hosts = [...new Set(ports.map((p) => p['binding:host_id']).filter(Boolean))].sort();
  const ref: ObjectRef = { kind: 'router', id: routerId };
  if (hosts.length === 0) return ports.length > 0 ? [{ host: '', role: 'l3', for: ref }] : [];
  return hosts.map((host) => ({ host, role: 'l3', for: ref }));
}

/** One need per (host, role), the first object that needs it standing for the others. */
function distinct(needs: readonly Need[]): Need[] {
  const seen = new Map<string, Need>();
  for (const n of needs) if (!seen.has(`${n.host} ${n.role}`)) seen.set(`${n.host} ${n.role}`, n);
  return [...seen.values()];
}

export function neededAgents(view: ReadView, kind: ExplainKind, id: string): Need[] {
  switch (kind) {
    case 'port':
      return portNeeds(view.get('port', id)!);
    case 'network': {
      const ports = view.by('port', 'network', id);
      const needs = ports.flatMap(portNeeds).filter((n) => n.role !== 'l3');
      const dhcp = view.by('subnet', 'network', id).some((s) => s.enable_dhcp);
      if (dhcp && !ports.some((p) => roleOfPort(p) === 'dhcp'))
        needs.push({ host: '', role: 'dhcp', for: { kind: 'network', id } });
      return distinct(needs);
    }
    case 'router':
      return routerNeeds(view, id);
    case 'floatingip': {
      const f = view.get('floatingip', id)!;
      const port = f.port_id ? view.get('port', f.port_id) : undefined;
      return distinct([...(f.router_id ? routerNeeds(view, f.router_id) : []), ...(port ? portNeeds(port) : [])]);
    }
    case 'security_group':
      return distinct(view.by('port', 'securityGroup', id).flatMap(portNeeds));
    case 'trunk': {
      const parent = view.get('port', view.get('trunk', id)!.port_id);
      return parent ? portNeeds(parent).filter((n) => n.role === 'l2') : [];
    }
  }
}

/** Why the agent of `need` cannot answer, or null when it is connected. */
export function missingAgent(view: ReadView, names: Names, need: Need, connected: ReadonlySet<string>): MissingAgent | null {
  const what = names.label(need.for);
  const type = AGENT_TYPES[need.role].join(' or ');
  if (!need.host) {
    const reason =
      need.role === 'dhcp'
        ? `no DHCP agent serves it (no DHCP port on the network): is a DHCP agent alive (GET /v2.0/agents)?`
        : `its ports are bound to no host: no L3 agent hosts it (is one alive? GET /v2.0/agents)`;
    return { host: '', role: need.role, for: what, reason };
  }
  if (connected.has(need.host)) return null;
  const record = agentRecord(view, need.role, need.host);
  const last = record
    ? `its ${record.agent_type} last reported at ${record.heartbeat_timestamp} UTC`
    : `no ${type} has ever reported from host ${need.host}`;
  return {
    host: need.host,
    role: need.role,
    for: what,
    reason: `no agent of host ${need.host} is connected to any server (${last}); quark-agent there must run and reach a server`,
  };
}

/** What the API says about the object, known without any agent. */
export function intentLines(view: ReadView, names: Names, kind: ExplainKind, id: string): string[] {
  const label = (ref: ObjectRef) => names.label(ref);
  switch (kind) {
    case 'port': {
      const p = view.get('port', id)!;
      const net = view.get('network', p.network_id);
      const ips = p.fixed_ips.map((f) => f.ip_address).join(', ') || 'no address';
      const host = p['binding:host_id']
        ? `bound to host ${p['binding:host_id']} (vif_type ${p['binding:vif_type']})`
        : 'not bound to a host';
      const segment = net ? `${net['provider:network_type']} ${net['provider:segmentation_id'] ?? ''}`.trim() : '?';
      return [
        `${label({ kind: 'port', id })}: ${host}, status ${p.status}, admin_state_up ${p.admin_state_up}`,
        `${ips} (MAC ${p.mac_address}) on ${label({ kind: 'network', id: p.network_id })} (${segment})`,
        `security groups: ${p.security_groups.map((g) => names.group(g)).join(', ') || 'none'}${p.port_security_enabled === false ? ' (port security off)' : ''}`,
        ...qosLines(view, p),
      ];
    }
    case 'network': {
      const n = view.get('network', id)!;
      const ports = view.by('port', 'network', id);
      const hosts = [...new Set(ports.map((p) => p['binding:host_id']).filter(Boolean))].sort();
      const subnets = view.by('subnet', 'network', id).map((s) => `${s.cidr}${s.enable_dhcp ? ' (DHCP)' : ''}`);
      return [
        `${label({ kind: 'network', id })}: ${n['provider:network_type']} ${n['provider:segmentation_id'] ?? ''}, MTU ${n.mtu}, subnets ${subnets.join(', ') || 'none'}`.replace(
          '  ',
          ' ',
        ),
        `${ports.length} port(s), bound to host(s) ${hosts.join(', ') || 'none'}`,
      ];
    }
    case 'router': {
      const r = view.get('router', id)!;
      const gw = r.external_gateway_info;
      const ports = view.by('port', 'device', id);
      const hosts = [...new Set(ports.map((p) => p['binding:host_id']).filter(Boolean))];
      const interfaces = ports.filter(isRouterInterface).flatMap((p) => p.fixed_ips.map((f) => f.ip_address));
      const lines = [
        `${label({ kind: 'router', id })}: gateway ${gw ? `on ${label({ kind: 'network', id: gw.network_id })} (${gw.external_fixed_ips.map((f) => f.ip_address).join(', ')})` : 'none'}, interfaces ${interfaces.join(', ') || 'none'}`,
      ];
      if (!isHaRouter(r)) return [...lines, `hosted on ${hosts.join(', ') || 'no host'}`];
      // Which node holds the active router, as the L3 agents last reported it (keepalived's VRRP).
      const nodes = ports
        .filter((p) => p.device_owner === DeviceOwner.routerHaInterface)
        .map((p) => `${p.ha_state ?? 'standby'} on ${p['binding:host_id'] || 'no host'}`)
        .sort();
      return [
        ...lines,
        `HA router (VRRP id ${r.ha_vr_id ?? 0}): ${nodes.join(', ') || 'no L3 agent has made its HA port yet'}; its ports are bound to ${hosts.filter((h) => ports.some((p) => p['binding:host_id'] === h && p.device_owner !== DeviceOwner.routerHaInterface)).join(', ') || 'no host'} (the active node)`,
      ];
    }
    case 'floatingip': {
      const f = view.get('floatingip', id)!;
      const to = f.port_id ? `${f.fixed_ip_address} of ${label({ kind: 'port', id: f.port_id })}` : 'no port';
      return [
        `${label({ kind: 'floatingip', id })}: to ${to}, router ${f.router_id ? label({ kind: 'router', id: f.router_id }) : 'none'}, status ${f.status}`,
      ];
    }
    case 'trunk': {
      const t = view.get('trunk', id)!;
      const parent = view.get('port', t.port_id);
      const host = parent?.['binding:host_id'] ? `its parent bound to host ${parent['binding:host_id']}` : 'its parent not bound';
      const subs = t.sub_ports.map(
        (s) =>
          `VLAN ${s.segmentation_id} → ${label({ kind: 'port', id: s.port_id })} on ${label({ kind: 'network', id: view.get('port', s.port_id)?.network_id ?? '' })}`,
      );
      return [
        `${label({ kind: 'trunk', id })}: parent ${label({ kind: 'port', id: t.port_id })}, ${host}, status ${t.status}, admin_state_up ${t.admin_state_up}`,
        `subports: ${subs.join('; ') || 'none'}`,
      ];
    }
    case 'security_group': {
      const rules = view.count('security_group_rule', 'group', id);
      const ports = view.by('port', 'securityGroup', id);
      const hosts = [...new Set(ports.map((p) => p['binding:host_id']).filter(Boolean))].sort();
      return [
        `${label({ kind: 'security_group', id })}: ${rules} rule(s), on ${ports.length} port(s) on host(s) ${hosts.join(', ') || 'none'}`,
      ];
    }
  }
}

/**
 * The QoS policy that applies to a port (its own, else its network's, not for network devices)
 * and what it asks: `QoS policy gold (the network's): egress 20000 kbit/s (burst 2000 kbit), DSCP 26`.
 */
function qosLines(view: ReadView, p: Port): string[] {
  const own = p.qos_policy_id ?? null;
  const inherited = p.device_owner.startsWith('network:') ? null : (view.get('network', p.network_id)?.qos_policy_id ?? null);
  const id = own ?? inherited;
  const policy = id ? view.get('qos_policy', id) : undefined;
  if (!id || !policy) return [];
  const asks = [
    ...view
      .by('qos_bandwidth_limit_rule', 'policy', id)
      .map((r) => `${r.direction} ${r.max_kbps} kbit/s${r.max_burst_kbps ? ` (burst ${r.max_burst_kbps} kbit)` : ''}`),
    ...view.by('qos_dscp_marking_rule', 'policy', id).map((r) => `DSCP ${r.dscp_mark}`),
  ];
  const whose = own ? 'the port’s own' : 'the network’s';
  return [`QoS policy ${policy.name || id} (${whose}): ${asks.join(', ') || 'no rule the hosts enforce'}`];
}
