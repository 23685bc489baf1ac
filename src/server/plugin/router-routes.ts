/**
 * A router's extra routes (the `extraroute` extension): at most `maxRoutes`, and each next hop
 * must lie on a subnet the router is connected to without being one of the router's own
 * addresses, as Neutron's extraroute_db checks.
 */
import { QuarkError } from '../../model/errors.js';
import { parseIp } from '../../model/ip/address.js';
import { cidrContains } from '../../model/ip/cidr.js';
import { mustParseCidr } from '../../model/ipam.js';
import type { HostRoute, Router } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';
import { routerPorts } from './router-ports.js';

/** Python's repr of the routes, as Neutron's message shows them. */
const showRoutes = (routes: readonly HostRoute[]) =>
  `[${routes.map((r) => `{'destination': '${r.destination}', 'nexthop': '${r.nexthop}'}`).join(', ')}]`;

export function checkRoutes(view: ReadView, maxRoutes: number, router: Router, routes: readonly HostRoute[]): void {
  if (routes.length > maxRoutes) {
    throw new QuarkError(
      'RoutesExhausted',
      `Unable to complete operation for ${router.id}. The number of routes exceeds the maximum ${maxRoutes}.`,
    );
  }
  if (routes.length === 0) return;
  const cidrs = [];
  const own = new Set<string>();
  for (const p of routerPorts(view, router.id)) {
    for (const f of p.fixed_ips) {
      const subnet = view.get('subnet', f.subnet_id);
      if (subnet) cidrs.push(mustParseCidr(subnet.cidr));
      own.add(f.ip_address);
    }
  }
  for (const route of routes) {
    const hop = parseIp(route.nexthop)!;
    const invalid = (reason: string) =>
      new QuarkError('InvalidRoutes', `Invalid format for routes: ${showRoutes(routes)}, ${reason}`);
    if (!cidrs.some((c) => cidrContains(c, hop))) throw invalid('the nexthop is not connected with router');
    if (own.has(route.nexthop)) throw invalid('the nexthop is used by router');
  }
}
