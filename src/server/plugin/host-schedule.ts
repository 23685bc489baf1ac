/**
 * What the scheduler gives one host's agents: the routers its L3 agent serves and the networks
 * its DHCP agent serves, from the agents recorded alive (see scheduler.ts and agents.ts): a
 * function of the records alone, so every server computes the same at the same revision. The
 * feed uses it to scope what it sends to the host.
 */
import { type Agent, type Network, type Router, isHaRouter } from '../../model/resources.js';
import { agentKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import { schedulable } from './agents.js';
import type { Services } from './context.js';
import { haPortsOf, haStateOf } from './l3-ha.js';
import { DHCP_AGENT, L3_AGENT, type SchedulableAgent, dhcpAgentsFor, l3AgentCount, l3AgentsFor } from './scheduler.js';

/** The L3 agents hosting `router` among `agents` (liveness decided), best first. */
export function routerAgents(router: Router, agents: readonly SchedulableAgent[], services: Services): string[] {
  return l3AgentsFor(router.id, agents, l3AgentCount(router, services.config.maxL3AgentsPerRouter));
}

/** An L3 agent hosting a router, and for an HA router the state shown for it (Neutron's `ha_state`). */
export interface RouterHost {
  readonly agent: Agent;
  /** null for a legacy router. */
  readonly haState: 'active' | 'standby' | 'unknown' | null;
}

/**
 * The L3 agents hosting a router, as `GET /v2.0/routers/{id}/l3-agents` lists them. An HA
 * router's list is its scheduled agents and every agent still holding one of its HA ports (a
 * dead agent keeps its port, as Neutron keeps its binding), each with the state its HA port
 * carries; an agent that reported active but is no longer alive shows standby, or unknown when
 * no hosting agent is alive (Neutron's _get_bindings_and_update_router_state_for_dead_agents,
 * computed here at read time instead of written).
 */
export function routerHosting(
  view: ReadView,
  services: Services,
  router: Router,
  agents: readonly SchedulableAgent[],
): RouterHost[] {
  const scheduled = routerAgents(router, agents, services);
  const record = (id: string) => view.get('agent', id);
  if (!isHaRouter(router)) return scheduled.flatMap((id) => (record(id) ? [{ agent: record(id)!, haState: null }] : []));
  const byId = new Map(agents.map((a) => [a.id, a]));
  const ports = new Map(haPortsOf(view, router.id).map((p) => [p['binding:host_id'], p]));
  const ids = [...scheduled];
  for (const host of ports.keys()) {
    const l3 = view.by('agent', 'typeHost', agentKey(L3_AGENT, host))[0];
    if (l3 && !ids.includes(l3.id)) ids.push(l3.id);
  }
  const alive = (id: string) => byId.get(id)?.alive === true && byId.get(id)?.admin_state_up === true;
  const anyAlive = ids.some(alive);
  return ids.flatMap((id) => {
    const agent = record(id);
    if (!agent) return [];
    const port = ports.get(agent.host);
    const reported = port ? haStateOf(port) : 'standby';
    const haState = reported === 'active' && !alive(id) ? (anyAlive ? 'standby' : 'unknown') : reported;
    return [{ agent, haState }];
  });
}

/** Networks get DHCP agents only when one of their subnets has DHCP enabled. */
export function needsDhcp(view: ReadView, net: Network): boolean {
  return view.by('subnet', 'network', net.id).some((s) => s.enable_dhcp);
}

/**
 * The DHCP agents a network is bound to, whether or not it needs DHCP yet: those an admin bound
 * it to by hand that are live and enabled, else (none bound by hand, or every one of them dead:
 * Neutron's allow_automatic_dhcp_failover, on by default) the scheduler's when it needs DHCP. An
 * admin who removed every binding by hand leaves it unserved until one is added back.
 */
export function networkDhcpAgents(
  view: ReadView,
  net: Network,
  agents: readonly SchedulableAgent[],
  services: Services,
): string[] {
  const byHand = net.dhcp_agents_by_hand;
  if (byHand !== undefined) {
    const usable = new Set(agents.filter((a) => a.agent_type === DHCP_AGENT && a.admin_state_up && a.alive).map((a) => a.id));
    const live = byHand.filter((id) => usable.has(id));
    if (live.length > 0 || byHand.length === 0) return live;
  }
  return needsDhcp(view, net) ? dhcpAgentsFor(net.id, agents, services.config.dhcpAgentsPerNetwork) : [];
}

export function hostSchedule(
  view: ReadView,
  services: Services,
  host: string,
): { dhcpNetworks: Set<string>; routers: Set<string> } {
  const agents = schedulable(view.all('agent'));
  const l3 = agents.find((a) => a.agent_type === L3_AGENT && (a as { host?: string }).host === host);
  const dhcp = agents.find((a) => a.agent_type === DHCP_AGENT && (a as { host?: string }).host === host);
  const routers = new Set<string>();
  const dhcpNetworks = new Set<string>();
  if (l3) for (const r of view.all('router')) if (routerAgents(r, agents, services).includes(l3.id)) routers.add(r.id);
  if (dhcp) {
    for (const n of view.all('network')) {
      // dnsmasq only for a network with a DHCP subnet, even one bound by hand.
      if (needsDhcp(view, n) && networkDhcpAgents(view, n, agents, services).includes(dhcp.id)) dhcpNetworks.add(n.id);
    }
  }
  return { dhcpNetworks, routers };
}
