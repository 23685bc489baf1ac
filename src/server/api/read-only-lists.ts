/**
 * The read-only collections of read-only-lists.ts (availability zones, floating IP pools,
 * service providers): computed at request time from the store, with the declaration's filters,
 * fields, sorting and paging, for any authenticated caller (their policies are RULE_ANY in
 * Neutron's deprecated defaults, which Zed still honours).
 */
import type { FastifyInstance } from 'fastify';
import type { ResourceDeclaration } from '../../model/api/attribute.js';
import type { ReadView } from '../../store/view.js';
import type { Caller } from '../caller.js';
import { canSeeNetwork } from '../plugin/rbac-access.js';
import type { RouteDeps } from './collection-routes.js';
import { type QueryBag, matchesFilter, parseListQuery, sortedPage } from './list-query.js';
import { renderRecord } from './render.js';

type Item = Record<string, unknown> & { id: string };

/** Neutron's _list_availability_zones: a zone per agent zone and resource, available while one agent there is enabled. */
export function availabilityZoneList(view: ReadView): Item[] {
  const zones = new Map<string, Item>();
  for (const a of view.all('agent')) {
    const resource = a.agent_type === 'DHCP agent' ? 'network' : a.agent_type === 'L3 agent' ? 'router' : null;
    if (!a.availability_zone || !resource) continue;
    const key = `${a.availability_zone} ${resource}`;
    const up = a.admin_state_up;
    const was = zones.get(key)?.state === 'available';
    zones.set(key, { id: key, name: a.availability_zone, resource, state: up || was ? 'available' : 'unavailable' });
  }
  return [...zones.values()];
}

/** Neutron's get_floatingip_pools: the IPv4 subnets of the external networks the caller sees. */
function floatingIpPoolList(view: ReadView, caller: Caller): Item[] {
  return view
    .all('network')
    .filter((n) => n['router:external'] && canSeeNetwork(view, n, caller))
    .flatMap((n) => view.by('subnet', 'network', n.id).filter((s) => s.ip_version === 4))
    .map((s) => ({
      id: s.id,
      subnet_id: s.id,
      subnet_name: s.name,
      network_id: s.network_id,
      cidr: s.cidr,
      project_id: caller.projectId ?? '',
      tenant_id: caller.projectId ?? '',
    }));
}

/** What implements each service: Quark's own L3 (legacy routers in qrouter namespaces). */
const SERVICE_PROVIDERS: Item[] = [{ id: 'L3_ROUTER_NAT quark', service_type: 'L3_ROUTER_NAT', name: 'quark', default: true }];

export function registerReadOnlyLists(
  app: FastifyInstance,
  decls: ReadonlyMap<string, ResourceDeclaration>,
  deps: RouteDeps,
): void {
  const lists: [string, (view: ReadView, caller: Caller) => Item[]][] = [
    ['availability_zones', (view) => availabilityZoneList(view)],
    ['floatingip-pools', floatingIpPoolList],
    ['service-providers', () => SERVICE_PROVIDERS],
  ];
  for (const [path, items] of lists) {
    const decl = decls.get(path)!;
    const attributes = Object.keys(decl.attributes);
    app.get(`/v2.0/${path}`, async (request) => {
      const caller = deps.callerOf(request);
      const q = parseListQuery(decl, request.query as QueryBag, deps.paginationMaxLimit);
      const matched = items(deps.store.view, caller).filter((i) => q.filters.every((f) => matchesFilter(i[f.name], f)));
      const page = sortedPage(
        matched,
        q,
        (i, key) => i[key],
        (i) => i.id,
      );
      return { [decl.collection]: page.items.map((i) => renderRecord(i, undefined, attributes, q.fields)) };
    });
  }
}
