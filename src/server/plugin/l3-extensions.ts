/**
 * What the router extensions add to the handlers of other resources, kept here so those stay as
 * they were: a floating IP shows its port forwardings (`expose-port-forwarding-in-fip`), a router
 * its conntrack helpers (`expose-l3-conntrack-helper`), and a port forwarding leaves out the
 * single ports its ranges do not have (as Neutron 21 shows it, measured).
 */
import type { HandlerSpec } from '../api/resource.js';
import type { Kind } from '../../store/kinds.js';
import { conntrackHelpersOf } from './conntrack-helpers.js';
import { portForwardingsOf } from './port-forwardings.js';

type Derive<K extends Kind> = NonNullable<HandlerSpec<K>['derived']>;

const EXTRA: { readonly [K in Kind]?: Derive<K> } = {
  floatingip: (view, fip) => ({ port_forwardings: portForwardingsOf(view, fip) }),
  router: (view, router) => ({ conntrack_helpers: conntrackHelpersOf(view, router) }),
  port_forwarding: (_view, pf) => ({
    external_port: pf.external_port ?? undefined,
    internal_port: pf.internal_port ?? undefined,
  }),
};

export function withRouterExtensions<K extends Kind>(spec: HandlerSpec<K>): HandlerSpec<K> {
  const extra = EXTRA[spec.kind] as Derive<K> | undefined;
  if (!extra) return spec;
  const own = spec.derived;
  return {
    ...spec,
    derived: (view, record, services) => ({ ...own?.(view, record, services), ...extra(view, record, services) }),
  };
}
