/**
 * The L3 part of the plan: for every router scheduled to this host's L3 agent (the feed sends
 * exactly those), its qrouter namespace, devices, routes, NAT rules, router advertisements,
 * metadata proxy, port forwardings, conntrack helpers and metering chains. A router that is
 * administratively down gets nothing, as Neutron's server syncs only routers that are up; its
 * namespace goes at the next pass.
 */
import type { HostSettings, ReplicaView } from '../inputs.js';
import { portBridge } from '../mechanisms.js';
import type { DaemonItem, PlanPart } from '../plan.js';
import { conntrackHelperChains } from './conntrack-helpers.js';
import { meteringChains } from './metering.js';
import { natChains } from './nat.js';
import { portForwardingPart } from './port-forwarding.js';
import { metadataProxyItem } from '../metadata-proxy.js';
import { qrouterItems } from './qrouter.js';
import { radvdItem } from './radvd.js';
import { indexRouters, routerView } from './router-view.js';

export function compileL3(replica: ReplicaView, settings: HostSettings): PlanPart {
  const index = indexRouters(replica);
  const routers = [...replica.routers.values()].filter((r) => r.admin_state_up).sort((a, b) => (a.id < b.id ? -1 : 1));
  const each = routers.map((router) => {
    const view = routerView(replica, index, router);
    const items = qrouterItems(view, (network) => portBridge(settings, network));
    const netns = items.namespace.name;
    const radvd = radvdItem(view, netns, settings);
    const metadata = settings.metadata?.enabled ? settings.metadata : null;
    const proxy = metadata
      ? metadataProxyItem({ kind: 'router', id: router.id, netns, bind: `0.0.0.0:${metadata.port}` }, settings.stateDir, metadata)
      : null;
    const daemons = [radvd, proxy].filter((d): d is DaemonItem => d !== null);
    const forwarding = portForwardingPart(view, netns);
    const iptables = [
      ...natChains(view, netns, metadata?.port ?? null, forwarding.prerouting),
      ...forwarding.chains,
      ...conntrackHelperChains(view, netns),
      ...meteringChains(view, netns),
    ];
    return { ...items, iptables, daemons, portForwardings: forwarding.items };
  });
  return {
    namespaces: each.map((r) => r.namespace),
    sysctls: each.flatMap((r) => r.sysctls),
    servicePorts: each.flatMap((r) => r.servicePorts),
    routes: each.flatMap((r) => r.routes),
    iptables: each.flatMap((r) => r.iptables),
    floatingIps: each.flatMap((r) => r.floatingIps),
    portForwardings: each.flatMap((r) => r.portForwardings),
    daemons: each.flatMap((r) => r.daemons),
  };
}
