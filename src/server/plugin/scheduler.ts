/**
 * Which agents serve which routers and networks. Quark computes this instead of storing
 * bindings: each router goes to the live, enabled L3 agent with the highest rendezvous weight
 * for the pair (router id, agent id), each network with a DHCP-enabled subnet to the
 * `perNetwork` live DHCP agents with the highest weights. Every server (and, later, every agent)
 * gets the same answer from the same records; when an agent dies its routers and networks move
 * to live agents without a binding table to repair; when one joins, only the resources it now
 * wins (about 1/n of them) move to it.
 *
 * Pure: no clock, no I/O. Liveness is decided by the caller and passed in.
 */

export interface SchedulableAgent {
  readonly id: string;
  readonly agent_type: string;
  readonly admin_state_up: boolean;
  readonly alive: boolean;
}

/** 32-bit FNV-1a with a final avalanche, so ids that share prefixes still spread evenly. */
export function weight(resourceId: string, agentId: string): number {
  let h = 0x811c9dc5;
  const text = `${resourceId}/${agentId}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The `count` eligible agents of `type` with the highest weights for the resource, best first. */
export function schedule(resourceId: string, agents: readonly SchedulableAgent[], type: string, count: number): string[] {
  return agents
    .filter((a) => a.agent_type === type && a.admin_state_up && a.alive)
    .map((a) => ({ id: a.id, w: weight(resourceId, a.id) }))
    .sort((x, y) => y.w - x.w || (x.id < y.id ? -1 : 1))
    .slice(0, count)
    .map((a) => a.id);
}

export const L3_AGENT = 'L3 agent';
export const DHCP_AGENT = 'DHCP agent';

/**
 * The L3 agents hosting a router, best first: one for a legacy router, `count` for an HA router
 * (none when no L3 agent is live). The HA router's agents are its legacy agent and the next
 * ones by weight, so making a router HA keeps it where it was and adds standbys.
 */
export function l3AgentsFor(routerId: string, agents: readonly SchedulableAgent[], count = 1): string[] {
  return schedule(routerId, agents, L3_AGENT, count);
}

/** How many L3 agents host the router: 1, or for an HA router `maxPerHaRouter` (0: every live one, Neutron's UNLIMITED). */
export function l3AgentCount(router: { readonly ha?: boolean }, maxPerHaRouter: number): number {
  if (router.ha !== true) return 1;
  return maxPerHaRouter === 0 ? Number.POSITIVE_INFINITY : maxPerHaRouter;
}

/** The DHCP agents serving a network that needs DHCP (callers check that it does). */
export function dhcpAgentsFor(networkId: string, agents: readonly SchedulableAgent[], perNetwork: number): string[] {
  return schedule(networkId, agents, DHCP_AGENT, perNetwork);
}
