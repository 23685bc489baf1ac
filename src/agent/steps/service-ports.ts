/**
 * The devices through which namespaces join br-int (veth `tap…`/`ns-…`, `qr-…`, `qg-…`): made
 * before OVS is told about their outer ends, with their MAC, MTU and addresses; devices of the
 * agent's prefixes that no port wants are deleted. A namespace where a device had to be made
 * is renewed: the steps after this one visit it whole. New addresses are announced (gratuitous
 * ARP) in the background: arping takes a second and must not hold up the pass.
 */
import type { HostPlan, ServicePortItem } from '../../dataplane/compile/plan.js';
import { announce, applyServicePorts } from '../../dataplane/drivers/namespaces.js';
import { OWNED_DEVICES } from '../owned.js';
import { NamespaceStep, visited } from '../reconcile/namespace-step.js';
import type { Pass, StepResult } from '../reconcile/step.js';

export class ServicePortsStep extends NamespaceStep<ServicePortItem> {
  readonly name = 'service-ports';

  protected items(plan: HostPlan): readonly ServicePortItem[] {
    return plan.servicePorts;
  }

  protected async applyTo(visit: ReadonlyMap<string, readonly ServicePortItem[]>, pass: Pass): Promise<StepResult> {
    const r = await applyServicePorts(visited(visit), {
      txOffloadOff: pass.settings.datapathType === 'netdev',
      prune: { namespaces: [...visit.keys()], devicePrefixes: OWNED_DEVICES },
    });
    for (const ns of r.created) pass.renewed.add(ns);
    for (const a of r.announced) void announce(a.netns, a.device, a.address);
    return { changes: r.changes, failed: r.failed };
  }
}
