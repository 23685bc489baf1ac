/**
 * QoS on the host's instance VIFs (docs/qos.md), from the policy that applies to each port: its
 * own, else its network's (Neutron's QosRule.should_apply_to_port: a network's policy does not
 * apply to network devices such as router and DHCP ports). What Quark enforces:
 *
 *   bandwidth_limit egress   the instance's sends, shaped where they leave its Linux bridge (qvb…)
 *   bandwidth_limit ingress  what the instance receives, shaped where its bridge hands it over (tap…)
 *   dscp_marking             br-int, as Neutron's OVS agent (br_int.py install_dscp_marking_rule):
 *     LOCAL_SWITCHING(0)  prio 65535  in_port=<VIF>,reg2=0,ip   → reg2=1, set the DSCP, resubmit(,0)
 *                         prio 65535  in_port=<VIF>,reg2=0,ipv6 → the same
 *     (reg2 marks the packet as done, so the resubmitted packet goes on through the usual flows)
 *
 * Only wired VIFs (those with a local VLAN) get anything: an unwired one drops everything anyway.
 */
import { DEAD_VLAN, INTEGRATION_BRIDGE, qvbDevice, tapDevice } from '../../../model/names.js';
import { tbfBurstKbits } from '../../../model/qos.js';
import type { Port } from '../../../model/resources.js';
import type { ReplicaView } from '../inputs.js';
import type { BandwidthLimitItem, FlowItem, VifBindingItem } from '../plan.js';
import { BrInt } from '../tables.js';
import { flow } from './flow.js';

export interface QosPart {
  readonly bandwidthLimits: BandwidthLimitItem[];
  readonly flows: FlowItem[];
}

/** The policy that applies to a port (a network's only to ports that are not network devices). */
export function portQosPolicy(replica: ReplicaView, port: Port): string | null {
  if (port.qos_policy_id) return port.qos_policy_id;
  if (port.device_owner.startsWith('network:')) return null;
  return replica.networks.get(port.network_id)?.qos_policy_id ?? null;
}

export function qosPart(replica: ReplicaView, vifs: readonly VifBindingItem[], local: readonly Port[]): QosPart {
  const out: QosPart = { bandwidthLimits: [], flows: [] };
  if (!replica.qosPolicies || replica.qosPolicies.size === 0) return out;
  const here = new Map(local.map((p) => [p.id, p]));
  const limits = [...(replica.qosBandwidthLimitRules?.values() ?? [])];
  const marks = [...(replica.qosDscpMarkingRules?.values() ?? [])];
  for (const vif of vifs) {
    const port = here.get(vif.portId);
    // Hybrid-plugged instance VIFs only: service ports are the agent's own veths in namespaces.
    if (!port || vif.tag === DEAD_VLAN || !vif.portName.startsWith('qvo')) continue;
    const policyId = portQosPolicy(replica, port);
    if (!policyId || !replica.qosPolicies.has(policyId)) continue;
    const origin = { kind: 'port', id: port.id } as const;
    for (const rule of limits.filter((r) => r.qos_policy_id === policyId).sort((a, b) => (a.direction < b.direction ? -1 : 1))) {
      out.bandwidthLimits.push({
        kind: 'bandwidthLimit',
        device: rule.direction === 'egress' ? qvbDevice(port.id) : tapDevice(port.id),
        portId: port.id,
        direction: rule.direction,
        maxKbps: rule.max_kbps,
        burstKbits: tbfBurstKbits(rule),
        policyId,
        origin,
      });
    }
    const mark = marks.find((r) => r.qos_policy_id === policyId);
    if (mark) {
      for (const proto of ['ip', 'ipv6']) {
        out.flows.push(
          flow(
            INTEGRATION_BRIDGE,
            BrInt.LOCAL_SWITCHING,
            65535,
            `${proto},in_port=${vif.portName},reg2=0`,
            `set_field:1->reg2,set_field:${mark.dscp_mark}->ip_dscp,resubmit(,${BrInt.LOCAL_SWITCHING})`,
            origin,
          ),
        );
      }
    }
  }
  return out;
}
