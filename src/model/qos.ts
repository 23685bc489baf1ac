/**
 * Quality of service (`qos` and the extensions around it), as Neutron keeps it: a policy owned by
 * a project, optionally shared, holding at most one rule of each type and direction; a network
 * and a port name at most one policy each, and a port's own policy wins over its network's.
 * Rates are Neutron's units: kilobits (1,000 bits) per second, thousands of packets per second.
 */

/** The rule types neutron-lib knows (qos_consts.VALID_RULE_TYPES), in the order Neutron 21 lists them. */
export const QOS_RULE_TYPES = [
  'bandwidth_limit',
  'minimum_bandwidth',
  'packet_rate_limit',
  'dscp_marking',
  'minimum_packet_rate',
] as const;
export type QosRuleType = (typeof QOS_RULE_TYPES)[number];

/** neutron-lib's VALID_DSCP_MARKS: the DSCP code points a marking rule may set. */
export const VALID_DSCP_MARKS = [0, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 46, 48, 56] as const;

/** Seen from the instance: `egress` is what it sends, `ingress` what it receives. */
export type QosDirection = 'egress' | 'ingress';
/** Minimum packet rate rules may also say `any` (neutron-lib's VALID_DIRECTIONS_AND_ANY). */
export type QosPacketRateDirection = QosDirection | 'any';

export interface QosPolicy {
  readonly id: string;
  readonly project_id: string;
  readonly name: string;
  readonly description: string;
  /** Every project may see and use it (RBAC policies may share it with single projects). */
  readonly shared: boolean;
  /** The project's default policy (`qos-default`): new networks of the project get it. */
  readonly is_default: boolean;
  readonly tags: readonly string[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision_number: number;
}

interface RuleBase {
  readonly id: string;
  readonly qos_policy_id: string;
  /** The policy's project (rules are written by admins only, for any project's policy). */
  readonly project_id: string;
}

export interface QosBandwidthLimitRule extends RuleBase {
  readonly max_kbps: number;
  /** 0: Neutron's default burst (80 % of max_kbps for egress). */
  readonly max_burst_kbps: number;
  readonly direction: QosDirection;
}

export interface QosDscpMarkingRule extends RuleBase {
  readonly dscp_mark: number;
}

export interface QosMinimumBandwidthRule extends RuleBase {
  readonly min_kbps: number;
  readonly direction: QosDirection;
}

export interface QosPacketRateLimitRule extends RuleBase {
  readonly max_kpps: number;
  readonly max_burst_kpps: number;
  readonly direction: QosDirection;
}

export interface QosMinimumPacketRateRule extends RuleBase {
  readonly min_kpps: number;
  readonly direction: QosPacketRateDirection;
}

/** A rule with its type, as a policy's `rules` list shows it. */
export type QosRule =
  | ({ readonly type: 'bandwidth_limit' } & QosBandwidthLimitRule)
  | ({ readonly type: 'dscp_marking' } & QosDscpMarkingRule)
  | ({ readonly type: 'minimum_bandwidth' } & QosMinimumBandwidthRule)
  | ({ readonly type: 'packet_rate_limit' } & QosPacketRateLimitRule)
  | ({ readonly type: 'minimum_packet_rate' } & QosMinimumPacketRateRule);

/** The policy that applies to a port: its own, else its network's (Neutron's qos_network_policy_id). */
export function effectiveQosPolicyId(
  port: { readonly qos_policy_id?: string | null },
  network: { readonly qos_policy_id?: string | null } | undefined,
): string | null {
  return port.qos_policy_id ?? network?.qos_policy_id ?? null;
}

/**
 * The burst Neutron's agents give an egress limit without one (tc_lib's
 * get_ingress_qdisc_burst_value: 80 % of the rate, so TCP keeps its pace).
 */
export function egressBurstKbps(rule: Pick<QosBandwidthLimitRule, 'max_kbps' | 'max_burst_kbps'>): number {
  return rule.max_burst_kbps > 0 ? rule.max_burst_kbps : Math.trunc(rule.max_kbps * 0.8);
}

/**
 * The token bucket of a bandwidth limit on a device, kilobits: the rule's burst (or Neutron's
 * 80 % default), but at least what the rate brings in one kernel tick, as Neutron's tc_lib
 * makes it (`_get_tbf_burst_value`; HZ 250 assumed), and at least one full-size frame (Quark's
 * own floor): a smaller bucket would hold back every large packet.
 */
export function tbfBurstKbits(rule: Pick<QosBandwidthLimitRule, 'max_kbps' | 'max_burst_kbps'>): number {
  return Math.max(egressBurstKbps(rule), Math.ceil(rule.max_kbps / 250), 12);
}
