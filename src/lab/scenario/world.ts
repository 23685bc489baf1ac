/**
 * What a scenario's objects are at one point of the file: which instance each floating IP
 * points to, which groups each instance is in, each group's rules, which nodes and agents
 * run. Parsing walks the steps over it, so every reference in a step or in the expectations
 * after it is checked against the lab as it will be at that moment (`vm3.floating` after its
 * floating IP moved away is an error with the file's line, not a failed check later).
 */
import type { ScenarioProject, ScenarioRule } from './types.js';

interface InstanceState {
  readonly project: string;
  readonly node: string;
  readonly network: string;
  readonly groups: Set<string>;
}

const anyRule = (direction: 'ingress' | 'egress', ethertype: 'IPv4' | 'IPv6', remoteGroup: string | null): ScenarioRule => ({
  direction,
  protocol: null,
  ethertype,
  portRangeMin: null,
  portRangeMax: null,
  remote: null,
  remoteGroup,
});

/** The rules Neutron gives a new group: egress to anywhere; the default group also ingress from its members. */
function initialRules(group: string): ScenarioRule[] {
  return (['IPv4', 'IPv6'] as const).flatMap((e) => [
    ...(group === 'default' ? [anyRule('ingress', e, 'default')] : []),
    anyRule('egress', e, null),
  ]);
}

export class World {
  readonly instances = new Map<string, InstanceState>();
  /** Floating IP key → the instance it points to (null: none), and its project. */
  readonly floatingIps = new Map<string, { instance: string | null; project: string; named: boolean }>();
  /** `project/group` → rules. */
  readonly rules = new Map<string, ScenarioRule[]>();
  readonly routers = new Map<string, { project: string; gateway: boolean }>();
  readonly nodes: ReadonlySet<string>;
  /** Nodes a step killed, with the line of that step. */
  readonly killed = new Map<string, number>();
  readonly agentsStopped = new Set<string>();
  /** Each project's security groups by name. */
  private readonly groups = new Map<string, ReadonlySet<string>>();
  /** Networks of each project that a router with an external gateway joins to the outside. */
  private readonly outside = new Set<string>();

  constructor(nodes: readonly string[], projects: readonly ScenarioProject[]) {
    this.nodes = new Set(nodes);
    for (const p of projects) {
      const groups = new Set(['default', ...p.securityGroups.map((g) => g.name)]);
      this.groups.set(p.name, groups);
      for (const g of groups)
        this.rules.set(`${p.name}/${g}`, [...initialRules(g), ...(p.securityGroups.find((x) => x.name === g)?.rules ?? [])]);
      for (const r of p.routers) {
        this.routers.set(r.name, { project: p.name, gateway: r.externalGateway });
        if (!r.externalGateway) continue;
        for (const n of p.networks)
          if (n.subnets.some((s) => r.interfaces.includes(s.name))) this.outside.add(`${p.name}/${n.name}`);
      }
      for (const i of p.instances) {
        const groupsOf = new Set(i.securityGroups ?? ['default']);
        this.instances.set(i.name, { project: p.name, node: i.node, network: i.network, groups: groupsOf });
      }
      for (const f of p.floatingIps)
        this.floatingIps.set(f.key, { instance: f.instance, project: p.name, named: f.name !== null });
    }
  }

  projectsWithGroup(group: string): string[] {
    return [...this.groups].filter(([, groups]) => groups.has(group)).map(([project]) => project);
  }

  groupsOf(project: string): string[] {
    return [...(this.groups.get(project) ?? [])];
  }

  /** The key of the floating IP `instance` has now, if any. */
  floatingOf(instance: string): string | null {
    for (const [key, f] of this.floatingIps) if (f.instance === instance) return key;
    return null;
  }

  /** Whether a router with an external gateway joins the instance's network to the outside (a floating IP needs one). */
  reachesOutside(instance: string): boolean {
    const i = this.instances.get(instance);
    return i !== undefined && this.outside.has(`${i.project}/${i.network}`);
  }

  /** Why `instance` cannot send now (its node was killed), or null. */
  cannotSend(instance: string): string | null {
    const node = this.instances.get(instance)?.node;
    const line = node ? this.killed.get(node) : undefined;
    return line === undefined ? null : `${instance} is on node ${node}, which the step at line ${line} killed`;
  }
}
