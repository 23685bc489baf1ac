/**
 * iptables and ipsets inside the agent's namespaces (a router's NAT and its filter chains):
 * per namespace the sets first, then one `iptables-restore --noflush` per family, then the
 * sets no rule uses any more. The host's own tables are the firewall step's.
 */
import type { HostPlan, IpsetItem, IptablesChainItem } from '../../dataplane/compile/plan.js';
import { applyIpsets } from '../../dataplane/drivers/ipset.js';
import { applyIptables } from '../../dataplane/drivers/iptables.js';
import { NAMESPACE_CONCURRENCY, eachSettled } from '../../dataplane/drivers/limit.js';
import { OWNED_CHAINS, OWNED_SETS } from '../owned.js';
import { NamespaceStep } from '../reconcile/namespace-step.js';
import type { StepResult } from '../reconcile/step.js';

type NetfilterItem = IptablesChainItem | IpsetItem;

export class NamespaceIptablesStep extends NamespaceStep<NetfilterItem> {
  readonly name = 'iptables';

  protected items(plan: HostPlan): readonly NetfilterItem[] {
    return [...plan.ipsets, ...plan.iptables];
  }

  protected async applyTo(visit: ReadonlyMap<string, readonly NetfilterItem[]>): Promise<StepResult> {
    let changes = 0;
    const failed = await eachSettled(
      visit,
      NAMESPACE_CONCURRENCY,
      ([netns]) => netns,
      async ([netns, items]) => {
        const sets = items.filter((i): i is IpsetItem => i.kind === 'ipset');
        const chains = items.filter((i): i is IptablesChainItem => i.kind === 'iptablesChain');
        // `ipset save` only where the plan has sets: most namespaces have none.
        const destroyStale = sets.length > 0 ? await applyIpsets(netns, sets, OWNED_SETS) : null;
        for (const family of [4, 6] as const) {
          if (
            await applyIptables(
              netns,
              family,
              chains.filter((c) => c.family === family),
              OWNED_CHAINS,
            )
          )
            changes++;
        }
        await destroyStale?.();
      },
    );
    return { changes, failed };
  }
}
