import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qvbDevice, qvoDevice, tapDevice } from '../../../model/names.js';
import type { QosPolicy } from '../../../model/qos.js';
import { id, network, ovsAgent, port, replicaOf, settings, subnet, vif } from '../../testing/fixtures.js';
import { golden } from '../../testing/golden.js';
import { compile } from '../compile.js';
import type { HostFacts } from '../inputs.js';
import { renderPlan } from '../render.js';
import { BrInt } from '../tables.js';

// compute1 hosts vm1 with its own policy (limits both ways, DSCP 26), vm2 that inherits its
// network's policy (an egress limit with no burst), and a router port on the same network,
// which a network's policy does not reach (Neutron's should_apply_to_port).
const policy = (name: string): QosPolicy => ({
  id: id(name),
  project_id: 'p1',
  name,
  description: '',
  shared: false,
  is_default: false,
  tags: [],
  created_at: '',
  updated_at: '',
  revision_number: 0,
});
const gold = policy('90001');
const base = policy('90002');
const net = { ...network({ id: id('aaaa1'), 'provider:segmentation_id': 100 }), qos_policy_id: base.id };
const sub = subnet({ id: id('5aaa1'), network_id: net.id, cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' });
const vm = (name: string, ip: string, over: Record<string, unknown> = {}) => ({
  ...port({ id: id(name), network_id: net.id, host: 'compute1', fixed_ips: [{ subnet_id: sub.id, ip_address: ip }] }),
  ...over,
});
const vm1 = vm('c0de1', '10.0.0.11', { qos_policy_id: gold.id });
const vm2 = vm('c0de2', '10.0.0.12');
const router = vm('r0de1', '10.0.0.1', { device_owner: 'network:router_interface' });
const rule = (ruleId: string, policyId: string, direction: 'egress' | 'ingress', max: number, burst: number) => ({
  id: id(ruleId),
  qos_policy_id: policyId,
  project_id: 'p1',
  max_kbps: max,
  max_burst_kbps: burst,
  direction,
});
const replica = replicaOf({
  networks: [net],
  subnets: [sub],
  ports: [vm1, vm2, router],
  agents: [ovsAgent('compute1', '198.18.1.1')],
  qosPolicies: [gold, base],
  qosBandwidthLimitRules: [
    rule('b0001', gold.id, 'egress', 20000, 2000),
    rule('b0002', gold.id, 'ingress', 10000, 0),
    rule('b0003', base.id, 'egress', 5000, 0),
  ],
  qosDscpMarkingRules: [{ id: id('d5c01'), qos_policy_id: gold.id, project_id: 'p1', dscp_mark: 26 }],
});
const facts: HostFacts = { vifs: [vm1, vm2, router].map((p) => vif(p.id, qvoDevice(p.id))), localVlans: new Map() };

describe('compile() for QoS', () => {
  it('shapes each instance VIF by its own policy, else its network’s, and marks DSCP on br-int (golden)', () => {
    const plan = compile(replica, facts, settings('compute1', { tunnelIp: '198.18.1.1' }));
    golden('compute-qos', renderPlan(plan));
    const limits = (plan.bandwidthLimits ?? []).map((l) => `${l.device} ${l.direction} ${l.maxKbps} ${l.burstKbits}`);
    assert.deepEqual(limits, [
      `${qvbDevice(vm1.id)} egress 20000 2000`,
      `${tapDevice(vm1.id)} ingress 10000 8000`,
      // No burst given: Neutron's 80 % of the rate.
      `${qvbDevice(vm2.id)} egress 5000 4000`,
    ]);
    const marks = plan.flows.filter((f) => f.table === BrInt.LOCAL_SWITCHING && f.actions.includes('ip_dscp'));
    assert.deepEqual(
      marks.map((f) => f.match),
      [`ip,in_port=${qvoDevice(vm1.id)},reg2=0`, `ipv6,in_port=${qvoDevice(vm1.id)},reg2=0`],
    );
  });

  it('gives nothing to a VIF that is not wired, nor to a router port', () => {
    const unwired = compile(replica, { vifs: [], localVlans: new Map() }, settings('compute1', { tunnelIp: '198.18.1.1' }));
    assert.deepEqual(unwired.bandwidthLimits, []);
    const plan = compile(replica, facts, settings('compute1', { tunnelIp: '198.18.1.1' }));
    assert.ok(!(plan.bandwidthLimits ?? []).some((l) => l.portId === router.id));
  });
});
