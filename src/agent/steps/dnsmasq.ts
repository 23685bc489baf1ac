/**
 * One dnsmasq per network this host serves, in its qdhcp namespace (dataplane/drivers/dnsmasq.ts):
 * files written and reloaded, processes started, restarted or revived, stale leases released,
 * and the dnsmasq of networks no longer served stopped. Objects are the qdhcp namespaces.
 */
import type { Logger } from 'pino';
import { type DnsmasqReport, dnsmasqReportChanged, reconcileDnsmasq } from '../../dataplane/drivers/dnsmasq.js';
import { dhcpNamespace } from '../../model/names.js';
import type { Pass, ReconcileStep, StepResult } from '../reconcile/step.js';

const changesOf = (r: DnsmasqReport) =>
  r.started.length + r.restarted.length + r.revived.length + r.reloaded.length + r.released + r.stopped.length;

export class DnsmasqStep implements ReconcileStep {
  readonly name = 'dnsmasq';
  readonly requires = ['namespaces', 'service-ports'];
  /** What this step wrote to the disk (the driver's cache). */
  private readonly known = new Map<string, string>();

  constructor(private readonly log: Logger) {}

  objects(pass: Pass): string[] {
    return pass.plan.dnsmasq.map((d) => d.netns);
  }

  async apply(pass: Pass): Promise<StepResult> {
    const { report, failed } = await reconcileDnsmasq(pass.plan.dnsmasq, {
      stateDir: pass.settings.stateDir,
      prune: true,
      full: pass.full,
      known: this.known,
      due: (item) => pass.due(item.netns),
    });
    this.logReport(report);
    return {
      changes: changesOf(report),
      failed: new Map([...failed].map(([network, e]) => [dhcpNamespace(network), e])),
      ...(dnsmasqReportChanged(report) ? { detail: { ...report } } : {}),
    };
  }

  reset(): void {
    this.known.clear();
  }

  private logReport(r: DnsmasqReport): void {
    if (!dnsmasqReportChanged(r)) return;
    for (const network of r.revived) this.log.warn({ network }, 'dnsmasq had died; started it again');
    const { started, restarted, reloaded, released, stopped } = r;
    this.log.info({ started, restarted, reloaded, released, stopped }, 'dnsmasq changed');
  }
}
