/**
 * The agent feed's wire format (docs/feed.md). The server streams newline-delimited JSON
 * messages to each agent: first a snapshot of every record in the agent's scope, then the
 * changes to that scope in revision order, and heartbeats while nothing changes.
 */
import type {
  AddressGroup,
  Agent,
  ConntrackHelper,
  FloatingIp,
  LocalIp,
  LocalIpAssociation,
  MeteringLabel,
  MeteringLabelRule,
  Network,
  NetworkLog,
  Port,
  PortForwarding,
  Router,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
} from './resources.js';
import type { QosBandwidthLimitRule, QosDscpMarkingRule, QosPolicy } from './qos.js';
import type { Trunk } from './trunk.js';
import { type Static, Type } from '@sinclair/typebox';
import type { TracePacket, TraceStart } from './trace.js';

export interface FeedRecords {
  network: Network;
  subnet: Subnet;
  port: Port;
  router: Router;
  floatingip: FloatingIp;
  security_group: SecurityGroup;
  security_group_rule: SecurityGroupRule;
  agent: Agent;
  address_group: AddressGroup;
  log: NetworkLog;
  port_forwarding: PortForwarding;
  conntrack_helper: ConntrackHelper;
  metering_label: MeteringLabel;
  metering_label_rule: MeteringLabelRule;
  local_ip: LocalIp;
  local_ip_association: LocalIpAssociation;
  qos_policy: QosPolicy;
  qos_bandwidth_limit_rule: QosBandwidthLimitRule;
  qos_dscp_marking_rule: QosDscpMarkingRule;
  trunk: Trunk;
}

export type FeedKind = keyof FeedRecords;
export const FEED_KINDS: readonly FeedKind[] = [
  'network',
  'subnet',
  'port',
  'router',
  'floatingip',
  'security_group',
  'security_group_rule',
  'agent',
  'address_group',
  'log',
  'port_forwarding',
  'conntrack_helper',
  'metering_label',
  'metering_label_rule',
  'local_ip',
  'local_ip_association',
  'qos_policy',
  'qos_bandwidth_limit_rule',
  'qos_dscp_marking_rule',
  'trunk',
];

export interface FeedRecord {
  readonly kind: FeedKind;
  readonly record: FeedRecords[FeedKind];
}

export interface FeedChange {
  readonly kind: FeedKind;
  readonly id: string;
  readonly op: 'put' | 'delete';
  /** The record for `put`; null for `delete`. */
  readonly record: FeedRecords[FeedKind] | null;
}

export type FeedMessage =
  /**
   * Everything in scope at `revision`: the agent replaces its replica with it. `dhcpNetworks`
   * (agents with the dhcp role) lists the networks scheduled to the host's DHCP agent: other
   * roles bring networks into scope too, so being in the replica does not mean being served.
   */
  | {
      readonly type: 'snapshot';
      readonly revision: number;
      readonly records: readonly FeedRecord[];
      readonly dhcpNetworks?: readonly string[];
    }
  /**
   * What changed in scope up to `revision` (records entering scope come as puts, leaving as
   * deletes). `dhcpNetworks` is present when the set scheduled to the host's DHCP agent changed,
   * and then holds the whole new set.
   */
  | {
      readonly type: 'changes';
      readonly revision: number;
      readonly changes: readonly FeedChange[];
      readonly dhcpNetworks?: readonly string[];
    }
  /** Nothing changed; the server is alive at `revision`. */
  | { readonly type: 'heartbeat'; readonly revision: number }
  /**
   * A question about the host (explain, trace, probe), relayed from an API client. The agent
   * answers with `POST /v2.0/quark/queries/{id}/answer`; `revision` is the session's current one.
   */
  | { readonly type: 'query'; readonly revision: number; readonly id: string; readonly query: AgentQuery };

/**
 * What the server asks an agent about its host (docs/explain-trace.md). Queries only read the
 * host, except `probe`, which sends one real packet from an instance's namespace.
 */
export type AgentQuery =
  /** Every item on the host tied to one of `refs` (`kind:id`), or all items when `refs` is null. */
  | { readonly kind: 'explain'; readonly refs: readonly string[] | null }
  /** Walk `packet` from `start` through this host until it leaves it or stops. */
  | { readonly kind: 'trace'; readonly start: TraceStart; readonly packet: TracePacket }
  /** Send `packet` for real from the namespace of the instance behind `portId`. */
  | { readonly kind: 'probe'; readonly portId: string; readonly packet: TracePacket };

/** The body of `POST /v2.0/quark/queries/{id}/answer`: the answer, or why there is none. */
export interface QueryAnswer {
  readonly host: string;
  readonly answer?: unknown;
  readonly error?: string;
}

/** What an agent does on its host (docs/agent.md): the one type of an agent's, a lab node's and a host plan's roles. */
export const AgentRoleSchema = Type.Union([Type.Literal('l2'), Type.Literal('dhcp'), Type.Literal('l3')]);
export type AgentRole = Static<typeof AgentRoleSchema>;
export const AGENT_ROLES: readonly AgentRole[] = ['l2', 'dhcp', 'l3'];

// The agents' reports: one schema each, checked by the server when they arrive; the types are
// derived from them. Optional keys carry their default (Value.Default fills them).
const Id = Type.String({ minLength: 1 });

/** What an agent tells the server about itself (heartbeat): the body's `agent`. */
export const AgentReportSchema = Type.Object({
  host: Id,
  agent_type: Type.Union([
    Type.Literal('Open vSwitch agent'),
    Type.Literal('Linux bridge agent'),
    Type.Literal('DHCP agent'),
    Type.Literal('L3 agent'),
  ]),
  binary: Id,
  topic: Type.String({ default: 'N/A' }),
  configurations: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  /** True on the first report after the agent started. */
  start_flag: Type.Boolean({ default: false }),
});
export type AgentReport = Readonly<Static<typeof AgentReportSchema>>;

/** Port status changes an agent reports in one batch; `wired_ms`: port id → ms from its VIF appearing to ACTIVE. */
export const PortStatusReportSchema = Type.Object({
  host: Id,
  up: Type.Array(Type.String(), { default: [] }),
  down: Type.Array(Type.String(), { default: [] }),
  wired_ms: Type.Record(Type.String(), Type.Number({ minimum: 0 }), { default: {} }),
});
export type PortStatusReport = Readonly<Static<typeof PortStatusReportSchema>>;

/**
 * Floating IP status an L3 agent reports for the routers it serves, as Neutron's
 * `update_floatingip_statuses`: ACTIVE once its NAT is in place, DOWN when the router cannot
 * serve it (no gateway), ERROR when applying failed.
 */
export const FloatingIpStatusReportSchema = Type.Object({
  host: Id,
  statuses: Type.Record(Type.String(), Type.Union([Type.Literal('ACTIVE'), Type.Literal('DOWN'), Type.Literal('ERROR')])),
});
export type FloatingIpStatusReport = Readonly<Static<typeof FloatingIpStatusReportSchema>>;

/**
 * What an L3 agent's keepalived says about the HA routers it hosts (Neutron's
 * update_ha_routers_states): by router id, active (VRRP master here) or standby.
 */
export const HaStateReportSchema = Type.Object({
  host: Id,
  states: Type.Record(Type.String(), Type.Union([Type.Literal('active'), Type.Literal('standby')])),
});
export type HaStateReport = Readonly<Static<typeof HaStateReportSchema>>;

/**
 * Traffic an L3 agent's routers counted for metering labels since its last accepted report
 * (docs/metering.md), as `POST /v2.0/quark/metering/report`; the server adds it up.
 */
export const MeteringReportSchema = Type.Object({
  host: Id,
  counters: Type.Array(
    Type.Object({
      label_id: Id,
      router_id: Id,
      pkts: Type.Integer({ minimum: 0 }),
      bytes: Type.Integer({ minimum: 0 }),
    }),
  ),
});
export type MeteringReport = Readonly<Static<typeof MeteringReportSchema>>;
