/**
 * A firewall driver turns the host's firewall model into plan items (Neutron's
 * `firewall_driver`). `iptables_hybrid` filters on the hybrid plug's qbr bridge with iptables
 * and ipsets; `iptables` does the same on the network's Linux bridge (the Linux bridge
 * mechanism); `noop` filters nothing. An `openvswitch` driver (conntrack flows on br-int) fits
 * the same interface: it reads the same model and would return flows instead of chains.
 */
import type { FirewallDriverName } from '../inputs.js';
import type { PlanPart } from '../plan.js';
import { iptablesLinuxBridge } from './iptables/iptables-driver.js';
import { iptablesHybrid } from './iptables-hybrid/hybrid-driver.js';
import { type FirewallModel, type FirewallScheme, HYBRID_SCHEME } from './model.js';

export interface FirewallDriver {
  readonly name: FirewallDriverName;
  /** Which ports it filters and how their connections are tracked. */
  readonly scheme: FirewallScheme;
  /** The plan items that enforce `model`; pure and deterministic. */
  enforce(model: FirewallModel): PlanPart;
}

const noop: FirewallDriver = { name: 'noop', scheme: HYBRID_SCHEME, enforce: () => ({}) };

export const FIREWALL_DRIVERS: Readonly<Record<FirewallDriverName, FirewallDriver>> = {
  iptables_hybrid: iptablesHybrid,
  iptables: iptablesLinuxBridge,
  noop,
};
