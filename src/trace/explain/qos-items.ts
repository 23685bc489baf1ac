/**
 * Explain's QoS section (docs/qos.md): the bandwidth limit of each instance port on its hybrid
 * plug's devices, as tc really has it against the plan (rate and bucket), and Quark's limits
 * left on devices the plan no longer limits. The DSCP marking flows are in the flow section.
 */
import type { HostItem, ItemStatus } from '../../model/explain.js';
import type { ObjectRef } from '../../model/trace.js';
import type { ExplainView } from '../host-view.js';

export async function qosItems(view: ExplainView): Promise<HostItem[]> {
  if (!view.bandwidthLimits) return [];
  const planned = view.plan.bandwidthLimits ?? [];
  if (planned.length === 0 && !view.plan.vifBindings.some((v) => v.portName.startsWith('qvo'))) return [];
  const observed = new Map(await view.bandwidthLimits());
  const out: HostItem[] = [];
  for (const l of planned) {
    const have = observed.get(l.device);
    observed.delete(l.device);
    const status: ItemStatus = !have
      ? 'missing'
      : have.rateKbps === l.maxKbps && Math.abs(have.burstKbits - l.burstKbits) <= 1
        ? 'ok'
        : 'differs';
    const owners: ObjectRef[] = [{ kind: 'port', id: l.portId }];
    const shown = have ?? { rateKbps: l.maxKbps, burstKbits: l.burstKbits };
    const wants = status === 'differs' ? `; the plan wants ${l.maxKbps} kbit/s, burst ${l.burstKbits} kbit` : '';
    out.push({
      section: 'qos',
      where: 'host',
      text: `tc qdisc ${l.device} root tbf rate ${shown.rateKbps}kbit burst ${shown.burstKbits}kbit`,
      says: `${l.direction} bandwidth limit of ${view.labels.label(owners[0]!)}: what it ${l.direction === 'egress' ? 'sends' : 'receives'} at most ${l.maxKbps} kbit/s (QoS policy ${l.policyId})${wants}`,
      owners,
      status,
    });
  }
  for (const [device, have] of observed) {
    const port = view.labels.portOfDevice(device);
    const owners: ObjectRef[] = port ? [{ kind: 'port', id: port.id }] : [];
    out.push({
      section: 'qos',
      where: 'host',
      text: `tc qdisc ${device} root tbf rate ${have.rateKbps}kbit burst ${have.burstKbits}kbit`,
      says: `a bandwidth limit of Quark's that the plan no longer has (${port ? view.labels.label(owners[0]!) : 'a port this host does not serve'})`,
      owners,
      status: 'extra',
    });
  }
  return out;
}
