/**
 * The agent feed's wire format (docs/feed.md). The server streams newline-delimited JSON
 * messages to each agent: first a snapshot of every record in the agent's scope, then the
 * changes to that scope in revision order, and heartbeats while nothing changes.
 */
import type {
  AddressGroup,
  Agent,
  AgentType,
  FloatingIp,
  Network,
  NetworkLog,
  Port,
  Router,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
} from './resources.js';
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

/** What an agent tells the server about itself (heartbeat). */
export interface AgentReport {
  readonly host: string;
  readonly agent_type: AgentType;
  readonly binary: string;
  readonly topic: string;
  readonly configurations: Readonly<Record<string, unknown>>;
  /** True on the first report after the agent started. */
  readonly start_flag: boolean;
}

/** Port status changes an agent reports in one batch. */
export interface PortStatusReport {
  readonly host: string;
  readonly up: readonly string[];
  readonly down: readonly string[];
}

/**
 * Floating IP status an L3 agent reports for the routers it serves, as Neutron's
 * `update_floatingip_statuses`: ACTIVE once its NAT is in place, DOWN when the router cannot
 * serve it (no gateway), ERROR when applying failed.
 */
export interface FloatingIpStatusReport {
  readonly host: string;
  readonly statuses: Readonly<Record<string, 'ACTIVE' | 'DOWN' | 'ERROR'>>;
}
