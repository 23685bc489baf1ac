/**
 * The routes of `l3_agent_scheduler` and `dhcp_agent_scheduler`: which routers an L3 agent
 * hosts and which agents host a router, and the same for DHCP agents and networks. The answer
 * comes from the scheduler's pure function over the current records. A network is bound to a
 * DHCP agent or unbound from one by hand (stored on the network, which the scheduler then
 * follows: host-schedule.ts networkDhcpAgents); binding a router by hand is refused.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { QuarkError, badRequest, invalidField } from '../../model/errors.js';
import type { Agent, Network, Router } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';
import { enforce } from '../policy.js';
import { schedulable } from '../plugin/agents.js';
import type { Services } from '../plugin/context.js';
import { networkDhcpAgents, routerAgents, routerHosting } from '../plugin/host-schedule.js';
import { agentNotFound } from '../plugin/not-found.js';
import { DHCP_AGENT, L3_AGENT } from '../plugin/scheduler.js';
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
    const serves = (n: Network) =>
      agent.agent_type === DHCP_AGENT && networkDhcpAgents(view, n, agents, services).includes(agent.id);
    const networks = view.all('network').filter(serves);
    return { networks: networks.map((n) => render(h.networks, services, view, caller, n)) };
  });

  app.get<{ Params: IdParams }>('/v2.0/networks/:id/dhcp-agents', async (request) => {
    const caller = deps.callerOf(request);
    enforce('get_dhcp-agents', caller, { projectId: '' });
    const view = store.view;
    const net = findVisible(h.networks, view, caller, request.params.id) as unknown as Network;
    const ids = networkDhcpAgents(view, net, live(view), services);
    return { agents: ids.map((id) => render(h.agents, services, view, caller, view.get('agent', id) as Agent)) };
  });

  const refuse = (what: string) => async (request: FastifyRequest) => {
    enforce('update_agent', deps.callerOf(request), { projectId: '' });
    throw manual(what);
  };
  app.post('/v2.0/agents/:id/l3-routers', refuse('Routers'));
  app.delete('/v2.0/agents/:id/l3-routers/:router', refuse('Routers'));

  // Neutron's add_network_to_dhcp_agent / remove_network_from_dhcp_agent (agentschedulers_db.py):
  // the binding is the network's current agents plus or minus this one, kept from then on.
  app.post<{ Params: IdParams }>('/v2.0/agents/:id/dhcp-networks', async (request, reply) => {
    const caller = deps.callerOf(request);
    enforce('create_dhcp-network', caller, { projectId: '' });
    const networkId = (request.body as { network_id?: unknown } | null)?.network_id;
    if (typeof networkId !== 'string') throw invalidField('network_id', 'a network id is required');
    await store.write((tx) => {
      const net = findVisible(h.networks, tx, caller, networkId) as unknown as Network;
      const agent = agentOf(tx, request.params.id);
      if (agent.agent_type !== DHCP_AGENT || !agent.admin_state_up) {
        throw new QuarkError('InvalidDHCPAgent', `Agent ${agent.id} is not a valid DHCP Agent or has been disabled.`);
      }
      const current = networkDhcpAgents(tx, net, live(tx), services);
      if (current.includes(agent.id)) {
        throw new QuarkError(
          'NetworkHostedByDHCPAgent',
          `The network ${net.id} has been already hosted by the DHCP Agent ${agent.id}.`,
        );
      }
      tx.put('network', { ...net, dhcp_agents_by_hand: [...current, agent.id] });
    });
    reply.code(201).type('application/json').send('null');
  });
  app.delete<{ Params: IdParams & { network: string } }>('/v2.0/agents/:id/dhcp-networks/:network', async (request, reply) => {
    const caller = deps.callerOf(request);
    enforce('delete_dhcp-network', caller, { projectId: '' });
    await store.write((tx) => {
      const agent = agentOf(tx, request.params.id);
      const net = findVisible(h.networks, tx, caller, request.params.network) as unknown as Network;
      const current = networkDhcpAgents(tx, net, live(tx), services);
      if (!current.includes(agent.id)) {
        throw new QuarkError('NetworkNotHostedByDhcpAgent', `The network ${net.id} is not hosted by the DHCP Agent ${agent.id}.`);
      }
      tx.put('network', { ...net, dhcp_agents_by_hand: current.filter((id) => id !== agent.id) });
    });
    reply.code(204).send();
  });
}
