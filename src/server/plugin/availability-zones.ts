/**
 * Availability zones of networks and routers (network_availability_zone,
 * router_availability_zone): the hints a request gives must name zones that agents of the
 * right kind report (else 404 AvailabilityZoneNotFound, as Neutron's validate_availability_zones);
 * the zones shown are those of the agents that serve the resource now. Quark's scheduler does
 * not steer by hints (docs/api.md).
 */
import { QuarkError } from '../../model/errors.js';
import type { Network } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';
import { schedulable } from './agents.js';
import type { Services } from './context.js';
import { networkDhcpAgents } from './host-schedule.js';
import { l3AgentsFor } from './scheduler.js';

export function checkZoneHints(view: ReadView, resource: 'network' | 'router', hints: readonly string[]): void {
  const type = resource === 'network' ? 'DHCP agent' : 'L3 agent';
  const known = new Set(
    view
      .all('agent')
      .filter((a) => a.agent_type === type && a.availability_zone)
      .map((a) => a.availability_zone),
  );
  const missing = hints.filter((h) => !known.has(h));
  if (missing.length > 0) {
    throw new QuarkError('AvailabilityZoneNotFound', `AvailabilityZone ${missing.join(', ')} could not be found.`);
  }
}

/** The zones of the agents, of the given ids, that serve a resource. */
export function zonesOf(view: ReadView, agentIds: Iterable<string>): string[] {
  const zones = new Set<string>();
  for (const id of agentIds) {
    const zone = view.get('agent', id)?.availability_zone;
    if (zone) zones.add(zone);
  }
  return [...zones].sort();
}

/** The zones a network is served in: those of the DHCP agents the scheduler gives it. */
export function networkZones(view: ReadView, services: Services, net: Network): string[] {
  const agents = schedulable(view.all('agent'));
  return zonesOf(view, networkDhcpAgents(view, net, agents, services));
}

/** The zones a router is served in: that of its L3 agent. */
export function routerZones(view: ReadView, routerId: string): string[] {
  return zonesOf(view, l3AgentsFor(routerId, schedulable(view.all('agent'))));
}
