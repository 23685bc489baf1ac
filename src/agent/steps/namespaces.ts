/**
 * The agent's namespaces themselves. Missing ones are made first (`ip netns add qrouter-…`),
 * since every later step works inside them; stale ones are deleted last (`ip netns delete …`),
 * once dnsmasq stopped the processes in them and only when the replica is synced, as the plan
 * is then the whole truth.
 */
import { addNamespaces, deleteStaleNamespaces } from '../../dataplane/drivers/namespaces.js';
import { OWNED_NAMESPACES } from '../owned.js';
import type { Pass, ReconcileStep, StepResult } from '../reconcile/step.js';

export class NamespacesStep implements ReconcileStep {
  readonly name = 'namespaces';

  objects(pass: Pass): string[] {
    return pass.plan.namespaces.map((n) => n.name);
  }

  async apply(pass: Pass): Promise<StepResult> {
    const { added, failed } = await addNamespaces(pass.plan.namespaces.filter((n) => pass.due(n.name)));
    for (const ns of added) pass.renewed.add(ns);
    return { changes: added.length, failed };
  }
}

/** Its objects are the namespaces it could not delete (until it can). */
export class StaleNamespacesStep implements ReconcileStep {
  readonly name = 'stale-namespaces';

  objects(): string[] {
    return [];
  }

  async apply(pass: Pass): Promise<StepResult> {
    const { deleted, failed } = await deleteStaleNamespaces(pass.plan.namespaces, OWNED_NAMESPACES);
    return { changes: deleted.length, failed };
  }
}
