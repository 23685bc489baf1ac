/**
 * The daemons of the agent's namespaces besides dnsmasq (dataplane/drivers/daemons.ts), one
 * step per service: `keepalived` (an HA router's VRRP), `radvd` (a router's advertisements) and
 * `metadata-proxy` (haproxy in a qrouter or qdhcp namespace). Objects are the namespaces; a daemon that fails to start fails
 * its namespace only.
 */
import type { Logger } from 'pino';
import type { DaemonService } from '../../dataplane/compile/plan.js';
import { daemonChanges, reconcileDaemons } from '../../dataplane/drivers/daemons.js';
import type { Pass, ReconcileStep, StepResult } from '../reconcile/step.js';

export class DaemonStep implements ReconcileStep {
  /** What this step wrote to the disk (path → content). */
  private readonly known = new Map<string, string>();

  constructor(
    readonly name: string,
    private readonly service: DaemonService,
    /** The service's directory under the agent's state directory (`ra`, `metadata-proxy`). */
    private readonly subdir: string,
    readonly requires: readonly string[],
    private readonly log: Logger,
  ) {}

  objects(pass: Pass): string[] {
    return pass.plan.daemons.filter((d) => d.service === this.service).map((d) => d.netns);
  }

  async apply(pass: Pass): Promise<StepResult> {
    const { report, failed } = await reconcileDaemons(this.service, pass.plan.daemons, {
      root: `${pass.settings.stateDir.replace(/\/+$/, '')}/${this.subdir}`,
      // Until the first snapshot the plan is partial: nothing may go.
      prune: pass.synced,
      full: pass.full,
      known: this.known,
      due: (item) => pass.due(item.netns),
    });
    const changes = daemonChanges(report);
    if (changes > 0) this.log.info({ service: this.service, ...report }, `${this.service} changed`);
    return { changes, failed, ...(changes > 0 ? { detail: { ...report } } : {}) };
  }

  reset(): void {
    this.known.clear();
  }
}

/** radvd in each qrouter namespace with IPv6 interfaces, reloaded by SIGHUP when its subnets change. */
export const radvdStep = (log: Logger) => new DaemonStep('radvd', 'radvd', 'ra', ['namespaces', 'service-ports', 'sysctls'], log);

/**
 * keepalived in each HA router's qrouter namespace, reloaded by SIGHUP when the router's
 * addresses or routes change (its VRRP state survives a reload).
 */
export const keepalivedStep = (log: Logger) =>
  new DaemonStep('keepalived', 'keepalived', 'ha_confs', ['namespaces', 'service-ports', 'sysctls', 'iptables'], log);

/** haproxy as the metadata proxy of each router (and of isolated networks' qdhcp namespaces), restarted when its configuration changes. */
export const metadataProxyStep = (log: Logger) =>
  new DaemonStep('metadata-proxy', 'haproxy', 'metadata-proxy', ['namespaces', 'service-ports'], log);
