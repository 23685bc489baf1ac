/**
 * The base of steps whose objects are the agent's namespaces (`qdhcp-…`, `qrouter-…`): each
 * namespace's part of the plan is applied on its own, so one that fails waits for its retry
 * while the others converge.
 *
 * On incremental passes a namespace whose items are exactly those this step last applied is
 * not visited: with a hundred routers that spares hundreds of `ip` and `iptables-save` runs per
 * pass, and a new floating IP costs one look at one router. Full passes visit every namespace,
 * so whatever changed behind the agent's back is repaired; so are namespaces renewed in this
 * pass (made anew, or given a new device, which loses its addresses and routes).
 */
import type { HostPlan } from '../../dataplane/compile/plan.js';
import type { Pass, ReconcileStep, StepResult } from './step.js';

export abstract class NamespaceStep<T extends { readonly netns: string | null }> implements ReconcileStep {
  abstract readonly name: string;
  readonly requires: readonly string[] = ['namespaces'];
  /** Each namespace's items as this step last applied them (a digest). */
  private applied = new Map<string, string>();

  /** This step's items of the plan; those of the host's own namespace (netns null) belong to other steps. */
  protected abstract items(plan: HostPlan): readonly T[];

  /** Applies the items of the namespaces to visit (each namespace has an entry, maybe empty, so stale things in it go). */
  protected abstract applyTo(visit: ReadonlyMap<string, readonly T[]>, pass: Pass): Promise<StepResult>;

  objects(pass: Pass): string[] {
    return pass.plan.namespaces.map((n) => n.name);
  }

  /** Every namespace of the plan with its items, and their digests. */
  parts(plan: HostPlan): { items: Map<string, T[]>; digests: Map<string, string> } {
    const items = new Map(plan.namespaces.map((n) => [n.name, [] as T[]]));
    for (const i of this.items(plan)) if (i.netns !== null) items.get(i.netns)?.push(i);
    return { items, digests: new Map([...items].map(([ns, list]) => [ns, JSON.stringify(list)])) };
  }

  /** The namespaces this pass visits: due ones whose items changed, all on a full pass, and renewed ones. */
  visits(pass: Pass, parts = this.parts(pass.plan)): Map<string, T[]> {
    const changed = (ns: string) => pass.full || pass.renewed.has(ns) || this.applied.get(ns) !== parts.digests.get(ns);
    return new Map([...parts.items].filter(([ns]) => pass.due(ns) && changed(ns)));
  }

  async apply(pass: Pass): Promise<StepResult> {
    const parts = this.parts(pass.plan);
    const visit = this.visits(pass, parts);
    const result = visit.size > 0 ? await this.applyTo(visit, pass) : { changes: 0 };
    this.remember(parts.digests, visit, result.failed);
    return result;
  }

  /**
   * What is applied now: the visited namespaces that did not fail, and the others whose items
   * did not change. A namespace left out is visited at its next due pass.
   */
  remember(
    digests: ReadonlyMap<string, string>,
    visited: ReadonlyMap<string, unknown>,
    failed?: ReadonlyMap<string, unknown>,
  ): void {
    const next = new Map<string, string>();
    for (const [ns, digest] of digests) {
      const applied = visited.has(ns) ? !failed?.has(ns) : this.applied.get(ns) === digest;
      if (applied) next.set(ns, digest);
    }
    this.applied = next;
  }

  reset(): void {
    this.applied.clear();
  }
}

/** The items of one step in the namespaces a pass visits, as one list (drivers take them so). */
export function visited<T>(visit: ReadonlyMap<string, readonly T[]>): T[] {
  return [...visit.values()].flat();
}

/** A namespace step whose driver takes the visited namespaces' items in one call. */
export interface BatchNamespaceStep<T> {
  readonly name: string;
  readonly requires: readonly string[];
  items(plan: HostPlan): readonly T[];
  /** The driver: the items of the namespaces to visit, and those namespaces (each visited, empty or not). */
  apply(items: T[], namespaces: string[]): Promise<StepResult>;
}

export function batchNamespaceStep<T extends { readonly netns: string | null }>(spec: BatchNamespaceStep<T>): NamespaceStep<T> {
  return new (class extends NamespaceStep<T> {
    readonly name = spec.name;
    override readonly requires = spec.requires;
    protected items(plan: HostPlan): readonly T[] {
      return spec.items(plan);
    }
    protected applyTo(visit: ReadonlyMap<string, readonly T[]>): Promise<StepResult> {
      return spec.apply(visited(visit), [...visit.keys()]);
    }
  })();
}
