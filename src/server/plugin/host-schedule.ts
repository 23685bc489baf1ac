/**
 * What the scheduler gives one host's agents: the routers its L3 agent serves and the networks
 * its DHCP agent serves, from the agents recorded alive (see scheduler.ts and agents.ts): a
 * function of the records alone, so every server computes the same at the same revision. The
 * feed uses it to scope what it sends to the host.
 */
import type { Network } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';
import { schedulable } from './agents.js';
import type { Services } from './context.js';
import { DHCP_AGENT, L3_AGENT, dhcpAgentsFor, l3AgentsFor } from './scheduler.js';

/** Networks get DHCP agents only when one of their subnets has DHCP enabled. */
export function needsDhcp(view: ReadView, net: Network): boolean {
  return view.by('subnet', 'network', net.id).some((s) => s.enable_dhcp);
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
  if (l3) for (const r of view.all('router')) if (l3AgentsFor(r.id, agents).includes(l3.id)) routers.add(r.id);
  if (dhcp) {
    for (const n of view.all('network')) {
      if (needsDhcp(view, n) && dhcpAgentsFor(n.id, agents, services.config.dhcpAgentsPerNetwork).includes(dhcp.id))
        dhcpNetworks.add(n.id);
    }
  }
  return { dhcpNetworks, routers };
}
