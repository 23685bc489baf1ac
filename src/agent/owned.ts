/**
 * What the agent owns on a host, by name prefix: only these are ever removed when the plan no
 * longer has them. Anything else (an operator's namespace, Nova's VIFs) is left alone.
 */
import { type DevicePrefix, DHCP_NAMESPACE_PREFIX, ROUTER_NAMESPACE_PREFIX } from '../model/names.js';

/** Namespaces the agent owns; anything else on the host is left alone. */
export const OWNED_NAMESPACES = [DHCP_NAMESPACE_PREFIX, ROUTER_NAMESPACE_PREFIX];
/** Devices the agent owns inside its namespaces. */
export const OWNED_DEVICES: readonly DevicePrefix[] = ['ns-', 'qr-', 'qg-'];
/** iptables chains and ipsets the agent owns. */
export const OWNED_CHAINS = ['quark-'];
export const OWNED_SETS = ['Q'];
