/**
 * The read routes of `l3_agent_scheduler` and `dhcp_agent_scheduler`: which routers an L3
 * agent hosts and which agents host a router, and the same for DHCP agents and networks. The
 * answer comes from the scheduler's pure function over the current records; binding a router or
 * network to an agent by hand is refused, since nothing is stored to bind.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../model/errors.js';
import type { Agent, Network, Router } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';
import { enforce } from '../policy.js';
import { schedulable } from '../plugin/agents.js';
import { needsDhcp, routerAgents, routerHosting } from '../plugin/host-schedule.js';
import { agentNotFound } from '../plugin/not-found.js';
import { DHCP_AGENT, L3_AGENT, dhcpAgentsFor } from '../plugin/scheduler.js';
import { findVisible, render } from './collection.js';
import type { RouteDeps } from './collection-routes.js';
import type { AnyResourceHandler } from './resource.js';

type IdParams = { id: string };

export interface SchedulingHandlers {
  readonly agents: AnyResourceHandler;
  readonly routers: AnyResourceHandler;
  readonly networks: AnyResourceHandler;
}

function agentOf(view: ReadView, id: string): Agent {
  const agent = view.get('agent', id);
  if (!agent) throw agentNotFound(id);
  return agent;
}

const manual = (what: string) =>
  badRequest('agent', `${what} are scheduled by Quark from the live agents (see docs/api.md); they cannot be bound by hand`);

export function registerSchedulingRoutes(app: FastifyInstance, h: SchedulingHandlers, deps: RouteDeps): void {
  const { store, services } = deps;
  const live = (view: ReadView) => schedulable(view.all('agent'));

  app.get<{ Params: IdParams }>('/v2.0/agents/:id/l3-routers', async (request) => {
    const caller = deps.callerOf(request);
    enforce('get_l3-routers', caller, { projectId: '' });
    const view = store.view;
    const agent = agentOf(view, request.params.id);
    const agents = live(view);
    const hosts = (r: Router) => agent.agent_type === L3_AGENT && routerAgents(r, agents, services).includes(agent.id);
    const routers = view.all('router').filter(hosts);
    return { routers: routers.map((r) => render(h.routers, services, view, caller, r)) };
  });

  app.get<{ Params: IdParams }>('/v2.0/routers/:id/l3-agents', async (request) => {
    const caller = deps.callerOf(request);
    enforce('get_l3-agents', caller, { projectId: '' });
    const view = store.view;
    const router = findVisible(h.routers, view, caller, request.params.id) as unknown as Router;
    const hosting = routerHosting(view, services, router, live(view));
    return {
      agents: hosting.map(({ agent, haState }) => ({ ...render(h.agents, services, view, caller, agent), ha_state: haState })),
    };
  });

  app.get<{ Params: IdParams }>('/v2.0/agents/:id/dhcp-networks', async (request) => {
    const caller = deps.callerOf(request);
    enforce('get_dhcp-networks', caller, { projectId: '' });
    const view = store.view;
    const agent = agentOf(view, request.params.id);
    const agents = live(view);
    const perNetwork = services.config.dhcpAgentsPerNetwork;
    const serves = (n: Network) =>
      agent.agent_type === DHCP_AGENT && needsDhcp(view, n) && dhcpAgentsFor(n.id, agents, perNetwork).includes(agent.id);
    const networks = view.all('network').filter(serves);
    return { networks: networks.map((n) => render(h.networks, services, view, caller, n)) };
  });

  app.get<{ Params: IdParams }>('/v2.0/networks/:id/dhcp-agents', async (request) => {
    const caller = deps.callerOf(request);
    enforce('get_dhcp-agents', caller, { projectId: '' });
    const view = store.view;
    const net = findVisible(h.networks, view, caller, request.params.id) as unknown as Network;
    const ids = needsDhcp(view, net) ? dhcpAgentsFor(net.id, live(view), services.config.dhcpAgentsPerNetwork) : [];
    return { agents: ids.map((id) => render(h.agents, services, view, caller, view.get('agent', id) as Agent)) };
  });

  const refuse = (what: string) => async (request: FastifyRequest) => {
    enforce('update_agent', deps.callerOf(request), { projectId: '' });
    throw manual(what);
  };
  app.post('/v2.0/agents/:id/l3-routers', refuse('Routers'));
  app.delete('/v2.0/agents/:id/l3-routers/:router', refuse('Routers'));
  app.post('/v2.0/agents/:id/dhcp-networks', refuse('Networks'));
  app.delete('/v2.0/agents/:id/dhcp-networks/:network', refuse('Networks'));
}
