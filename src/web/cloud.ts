/**
 * The cloud as the signed-in user may see it: the records the API lists for their token, kept
 * current by the event stream (`GET /v2.0/quark/events`). Records are the API's dictionaries;
 * attributes the caller may not read (a port's binding, for a member) are simply absent.
 */
import type { HostExplanation } from '../model/explain.js';
import type { Agent, FloatingIp, Network, Port, Router, SecurityGroup, SecurityGroupRule, Subnet } from '../model/resources.js';

type Binding = 'binding:host_id' | 'binding:vif_type' | 'binding:vif_details' | 'binding:vnic_type' | 'binding:profile';
export type ApiPort = Omit<Port, Binding> & Partial<Pick<Port, Binding>>;
export type ApiNetwork = Network & { readonly subnets?: readonly string[] };
export type ApiAgent = Agent & { readonly alive: boolean };
export type ApiSecurityGroup = SecurityGroup & { readonly security_group_rules?: readonly SecurityGroupRule[] };

/** The collections the view lists and the event stream updates. */
export const COLLECTIONS = [
  'networks',
  'subnets',
  'ports',
  'routers',
  'floatingips',
  'security-groups',
  'security-group-rules',
  'agents',
] as const;
export type Collection = (typeof COLLECTIONS)[number];

/** The JSON key of each collection's list (`security-groups` → `security_groups`). */
export const LIST_KEY: Readonly<Record<Collection, string>> = {
  networks: 'networks',
  subnets: 'subnets',
  ports: 'ports',
  routers: 'routers',
  floatingips: 'floatingips',
  'security-groups': 'security_groups',
  'security-group-rules': 'security_group_rules',
  agents: 'agents',
};

/** One change of the event stream. */
export interface CloudChange {
  readonly collection: Collection;
  readonly id: string;
  readonly record: Record<string, unknown> | null;
}

export interface Identity {
  readonly userName: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly roles: readonly string[];
  readonly isAdmin: boolean;
}

type Rec = { readonly id: string; readonly revision_number?: number };

export class Cloud {
  readonly networks = new Map<string, ApiNetwork>();
  readonly subnets = new Map<string, Subnet>();
  readonly ports = new Map<string, ApiPort>();
  readonly routers = new Map<string, Router>();
  readonly floatingips = new Map<string, FloatingIp>();
  readonly securityGroups = new Map<string, ApiSecurityGroup>();
  readonly securityGroupRules = new Map<string, SecurityGroupRule>();
  readonly agents = new Map<string, ApiAgent>();
  /** Project names by id (an admin reads them all; others know their own). */
  readonly projects = new Map<string, string>();
  /** What each host's agent reads on it (`explain host`), for callers allowed to ask. */
  readonly hosts = new Map<string, HostExplanation>();
  /** Hosts whose reading failed, with why. */
  readonly unanswered = new Map<string, string>();
  revision = 0;

  private table(c: Collection): Map<string, Rec> {
    const tables: Record<Collection, Map<string, Rec>> = {
      networks: this.networks,
      subnets: this.subnets,
      ports: this.ports,
      routers: this.routers,
      floatingips: this.floatingips,
      'security-groups': this.securityGroups,
      'security-group-rules': this.securityGroupRules,
      agents: this.agents,
    };
    return tables[c];
  }

  /** Replaces a collection with a list the API answered. */
  load(c: Collection, records: readonly Rec[]): void {
    const t = this.table(c);
    t.clear();
    for (const r of records) t.set(r.id, r);
    if (c === 'security-groups')
      for (const g of records as readonly ApiSecurityGroup[])
        for (const rule of g.security_group_rules ?? []) this.securityGroupRules.set(rule.id, rule);
  }

  /**
   * Applies a change of the stream. A record older than the one held (the list answered after
   * the change was sent) is ignored. Returns whether anything changed.
   */
  apply(change: CloudChange): boolean {
    const t = this.table(change.collection);
    if (!t) return false;
    if (change.record === null) return t.delete(change.id);
    const next = change.record as unknown as Rec;
    const held = t.get(change.id);
    if (held?.revision_number !== undefined && next.revision_number !== undefined && next.revision_number < held.revision_number)
      return false;
    t.set(change.id, next);
    return true;
  }

  projectName(id: string): string {
    return this.projects.get(id) ?? id.slice(0, 8);
  }

  /** A port's name as a person calls it: its name, else the instance or service it belongs to. */
  portName(p: ApiPort): string {
    if (p.name) return p.name;
    if (p.device_owner === 'network:dhcp') return `DHCP ${p.id.slice(0, 8)}`;
    if (p.device_owner === 'network:router_interface' || p.device_owner === 'network:ha_router_replicated_interface')
      return `router interface ${p.id.slice(0, 8)}`;
    if (p.device_owner === 'network:router_ha_interface') return `router HA port ${p.id.slice(0, 8)}`;
    if (p.device_owner === 'network:router_gateway') return `router gateway ${p.id.slice(0, 8)}`;
    return `port ${p.id.slice(0, 8)}`;
  }

  /** The floating IPs mapped to a port. */
  floatingOf(portId: string): FloatingIp[] {
    return [...this.floatingips.values()].filter((f) => f.port_id === portId);
  }

  subnetCidrs(network: ApiNetwork): string[] {
    return [...this.subnets.values()].filter((s) => s.network_id === network.id).map((s) => s.cidr);
  }

  securityGroupName(id: string): string {
    return this.securityGroups.get(id)?.name ?? id.slice(0, 8);
  }
}
