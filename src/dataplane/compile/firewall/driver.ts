/**
 * A firewall driver turns the host's firewall model into plan items (Neutron's
 * `firewall_driver`). `iptables_hybrid` filters on the hybrid plug's qbr bridge with iptables
 * and ipsets; `noop` filters nothing. An `openvswitch` driver (conntrack flows on br-int) fits
 * the same interface: it reads the same model and would return flows instead of chains.
 */
import type { FirewallDriverName } from '../inputs.js';
import type { PlanPart } from '../plan.js';
import { iptablesHybrid } from './iptables-hybrid/hybrid-driver.js';
import type { FirewallModel } from './model.js';

export interface FirewallDriver {
  readonly name: FirewallDriverName;
  /** The plan items that enforce `model`; pure and deterministic. */
  enforce(model: FirewallModel): PlanPart;
}

const noop: FirewallDriver = { name: 'noop', enforce: () => ({}) };

export const FIREWALL_DRIVERS: Readonly<Record<FirewallDriverName, FirewallDriver>> = {
  iptables_hybrid: iptablesHybrid,
  noop,
};
