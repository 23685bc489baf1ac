/**
 * The wire format of `quark explain` (docs/explain-trace.md): everything an agent finds on its
 * host, each item tied to the API objects that caused it and compared with what the agent's
 * plan wants there.
 */
import type { ObjectRef } from './trace.js';
import type { AgentRole } from './feed.js';

/**
 * ok: the host has it as planned. missing: planned, not on the host. extra: on the host in a
 * place the agent owns, not planned (drift, e.g. a rule added by hand). differs: on the host,
 * but not as planned. learnt: made by the data plane itself (br-tun learning). stale: named as
 * Quark names things, but for an object this host no longer serves. foreign: not Quark's.
 */
export type ItemStatus = 'ok' | 'missing' | 'extra' | 'differs' | 'learnt' | 'stale' | 'foreign';

export type ItemSection =
  | 'namespace'
  | 'bridge'
  | 'ovs-port'
  | 'device'
  | 'address'
  | 'route'
  | 'local-vlan'
  | 'flow'
  | 'fdb'
  | 'neighbour'
  | 'iptables'
  | 'ipset'
  | 'dnsmasq'
  | 'process'
  | 'qos';

export interface HostItem {
  readonly section: ItemSection;
  /** Where it lives: `br-int`, `netns qrouter-…`, `host`, `iptables filter`. */
  readonly where: string;
  /** The item in the operators' own syntax (a flow as dump-flows prints it, a rule as iptables-save). */
  readonly text: string;
  /** What it does, in plain words. */
  readonly says: string;
  /** The API objects that caused it; empty for the host's own things. */
  readonly owners: readonly ObjectRef[];
  readonly status: ItemStatus;
  readonly packets?: number;
  readonly bytes?: number;
}

/** An agent's answer to an explain query. */
export interface HostExplanation {
  readonly host: string;
  readonly roles: readonly string[];
  readonly items: readonly HostItem[];
}

/**
 * An agent the object needs that could not be asked: not connected to any server, or no host
 * has it at all (`host` empty: no L3 agent hosts the router, no DHCP agent serves the network).
 */
export interface MissingAgent {
  readonly host: string;
  readonly role: AgentRole;
  /** The object it is needed for, as a label (`port vm3 (fa156c1c) of project test1`). */
  readonly for: string;
  readonly reason: string;
}

/** `GET /v2.0/quark/explain/{kind}/{id}` and `/explain/hosts/{host}`. */
export interface Explanation {
  readonly subject: { readonly kind: string; readonly id: string; readonly label: string };
  readonly hosts: readonly HostExplanation[];
  /** Hosts that were asked and did not answer (timeout, the agent's own error). */
  readonly unanswered: readonly { readonly host: string; readonly reason: string }[];
  /** Agents the object needs that could not be asked: the answer is incomplete without them. */
  readonly missing: readonly MissingAgent[];
  /** What the API says about the object, known without any agent (binding, addresses, hosts). */
  readonly intent: readonly string[];
  /** Items whose status is missing, extra or differs, over all hosts. */
  readonly drift: number;
  readonly names: Readonly<Record<string, string>>;
  readonly ms: number;
}
