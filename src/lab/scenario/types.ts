/**
 * A scenario as the lab uses it: the file (schema.ts) with its defaults filled in and every
 * reference resolved and checked (resolve.ts). Names stay names: the lab maps them to API ids
 * as it creates the objects.
 */
import type { Ipv6Mode, Mechanism, Role, StepActionName } from './schema.js';

export type { Role } from './schema.js';
export type ScenarioIpv6Mode = Ipv6Mode;

export interface ScenarioNode {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly external: boolean;
  /** The node's L2 mechanism (openvswitch unless the scenario says linuxbridge). */
  readonly mechanism: Mechanism;
}

export interface ScenarioSubnet {
  readonly name: string;
  readonly cidr: string;
  /** From the cidr. */
  readonly ipVersion: 4 | 6;
  readonly gateway?: string | null;
  readonly dhcp: boolean;
  readonly dns: readonly string[];
  /** IPv6 only: how instances get their address (`ipv6_mode` sets both). */
  readonly ipv6RaMode: ScenarioIpv6Mode | null;
  readonly ipv6AddressMode: ScenarioIpv6Mode | null;
}

export interface ScenarioNetwork {
  readonly name: string;
  readonly subnets: readonly ScenarioSubnet[];
}

export interface ScenarioRouter {
  readonly name: string;
  readonly externalGateway: boolean;
  readonly snat: boolean;
  readonly interfaces: readonly string[];
  /** The internet host routes the router's IPv4 subnets via its gateway address (IPv6 always is). */
  readonly routedFromInternet: boolean;
}

/** A security group rule in Neutron's fields: ICMP's type and code are its port range. */
export interface ScenarioRule {
  readonly direction: 'ingress' | 'egress';
  readonly protocol: string | null;
  readonly ethertype: 'IPv4' | 'IPv6';
  readonly portRangeMin: number | null;
  readonly portRangeMax: number | null;
  readonly remote: string | null;
  readonly remoteGroup: string | null;
}

export interface ScenarioSecurityGroup {
  readonly name: string;
  readonly rules: readonly ScenarioRule[];
}

/** A probe listener kept running on an instance until `lab down`. */
export interface ScenarioListener {
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
}

export interface ScenarioInstance {
  readonly name: string;
  readonly node: string;
  readonly network: string;
  readonly securityGroups: readonly string[] | null;
  /** Addresses the port asks for; empty: the API chooses. */
  readonly fixedIps: readonly string[];
  readonly listen: readonly ScenarioListener[];
  /** What the metadata service tells it (its SSH keys by name, its user data), as Nova would. */
  readonly publicKeys: Readonly<Record<string, string>>;
  readonly userData: string | null;
}

/**
 * A floating IP of a project, associated at `lab up` with `instance` (or with none). `key` names
 * it in steps: its own name, or `<instance>.floating` for an unnamed one.
 */
export interface ScenarioFloatingIp {
  readonly key: string;
  readonly name: string | null;
  readonly instance: string | null;
}

export interface ScenarioProject {
  readonly name: string;
  readonly networks: readonly ScenarioNetwork[];
  readonly routers: readonly ScenarioRouter[];
  readonly securityGroups: readonly ScenarioSecurityGroup[];
  readonly instances: readonly ScenarioInstance[];
  readonly floatingIps: readonly ScenarioFloatingIp[];
}

/**
 * Where a check sends to: the internet host, an instance, the floating IP an instance has at
 * that moment (`vm3.floating`), a floating IP by its name (wherever it points), or an address.
 */
export type ScenarioTarget =
  | { readonly kind: 'internet' }
  | { readonly kind: 'instance'; readonly instance: string }
  | { readonly kind: 'floating-of'; readonly instance: string }
  | { readonly kind: 'floating-ip'; readonly key: string }
  | { readonly kind: 'address'; readonly address: string };

export interface ScenarioExpectation {
  /** An instance or `internet`. */
  readonly from: string;
  /** As written: an instance, `vm3.floating`, a floating IP's name, an address, or `internet`. */
  readonly to: string;
  readonly target: ScenarioTarget;
  readonly protocol: 'icmp' | 'tcp' | 'udp';
  readonly port: number | null;
  /** Which of the targets' addresses: IPv4 (default) or IPv6. */
  readonly ipVersion: 4 | 6;
  readonly result: 'allowed' | 'blocked';
  /**
   * The source the destination must see: `floating` (the sender's floating IP), `router:<name>`
   * (its gateway address), `self` (the sender's own address: IPv6 is routed, never NATed), or
   * an address.
   */
  readonly source: string | null;
  readonly line: number;
}

export type StepAction =
  | { readonly do: 'move_floating_ip'; readonly floatingIp: string; readonly to: string }
  | { readonly do: 'disassociate_floating_ip'; readonly floatingIp: string }
  | {
      readonly do: 'add_to_group' | 'remove_from_group';
      readonly instance: string;
      readonly project: string;
      readonly group: string;
    }
  | { readonly do: 'add_rule' | 'remove_rule'; readonly project: string; readonly group: string; readonly rule: ScenarioRule }
  | { readonly do: 'restart_server' }
  | { readonly do: 'restart_agent' | 'stop_agent' | 'start_agent' | 'kill_node'; readonly node: string };

/** One action after `lab up`, then what must hold, within `withinMs` of the action. */
export interface ScenarioStep {
  readonly name: string;
  readonly line: number;
  readonly action: StepAction;
  /** The time budget; null: none (the lab still waits up to its own limit and reports the time). */
  readonly withinMs: number | null;
  readonly expect: readonly ScenarioExpectation[];
}

export interface Scenario {
  readonly name: string;
  readonly file: string;
  readonly tunnelType: 'gre' | 'vxlan';
  readonly nodes: readonly ScenarioNode[];
  readonly external: {
    readonly cidr: string;
    readonly gateway: string;
    readonly poolStart: string;
    readonly poolEnd: string;
    /** An IPv6 subnet of the external network too (routers' gateways get an address on it); null: none. */
    readonly ipv6Cidr: string | null;
    /** The internet host's IPv6 address on it, the routers' IPv6 default gateway. */
    readonly ipv6Gateway: string | null;
  };
  /** The management network (root namespace); null: the first free /24 from 198.18.0.0. */
  readonly management: string | null;
  /** The underlay network (tunnel endpoints), inside the lab's fabric namespace. */
  readonly underlay: string;
  readonly projects: readonly ScenarioProject[];
  readonly expect: readonly ScenarioExpectation[];
  readonly steps: readonly ScenarioStep[];
}

export const ACTION_WORDS: Readonly<Record<StepActionName, string>> = {
  move_floating_ip: 'move floating IP',
  disassociate_floating_ip: 'disassociate floating IP',
  add_to_group: 'add to security group',
  remove_from_group: 'remove from security group',
  add_rule: 'add rule',
  remove_rule: 'remove rule',
  restart_server: 'restart the server',
  restart_agent: 'restart agent',
  stop_agent: 'stop agent',
  start_agent: 'start agent',
  kill_node: 'kill node',
};
