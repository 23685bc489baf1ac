import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile } from '../../dataplane/compile/compile.js';
import type { HostPlan } from '../../dataplane/compile/plan.js';
import { floatingIp, id, network, port, replicaOf, router, settings, subnet } from '../../dataplane/testing/fixtures.js';
import { NamespaceIptablesStep } from '../steps/namespace-iptables.js';
import { routesStep } from '../steps/routes.js';
import { ServicePortsStep } from '../steps/service-ports.js';
import { sysctlsStep } from '../steps/sysctls.js';
import type { NamespaceStep } from './namespace-step.js';
import type { Pass } from './step.js';

const ext = network({
  id: id('eeee1'),
  'router:external': true,
  'provider:network_type': 'flat',
  'provider:physical_network': 'physnet1',
});
const extSubnet = subnet({ id: id('5eee1'), network_id: ext.id, cidr: '203.0.113.0/24', gateway_ip: '203.0.113.1' });
const net = network({ id: id('aaaa1') });
const sub = subnet({ id: id('5aaa1'), network_id: net.id });
const r = router({ id: id('a0071'), gw_port_id: id('9a7e1') });
const gw = port({
  id: id('9a7e1'),
  network_id: ext.id,
  host: 'network',
  device_owner: 'network:router_gateway',
  device_id: r.id,
  fixed_ips: [{ subnet_id: extSubnet.id, ip_address: '203.0.113.10' }],
});
const qr = port({
  id: id('9a1a1'),
  network_id: net.id,
  host: 'network',
  device_owner: 'network:router_interface',
  device_id: r.id,
  fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.0.1' }],
});
const withGateway = { ...r, external_gateway_info: { network_id: ext.id, enable_snat: true, external_fixed_ips: [] } };
const host = settings('network', { roles: ['l2', 'l3'], bridgeMappings: { physnet1: 'br-ex' } });
const planWith = (floatingips: ReturnType<typeof floatingIp>[]) =>
  compile(
    replicaOf({ networks: [ext, net], subnets: [extSubnet, sub], ports: [gw, qr], routers: [withGateway], floatingips }),
    { vifs: [], localVlans: new Map() },
    host,
  );
const fip = floatingIp({
  id: id('f1a01'),
  floating_network_id: ext.id,
  floating_ip_address: '203.0.113.20',
  port_id: id('c0de1'),
  fixed_ip_address: '10.0.0.4',
  router_id: r.id,
});
const pass = (plan: HostPlan, over: Partial<Pass> = {}) =>
  ({ plan, full: false, renewed: new Set<string>(), due: () => true, ...over }) as Pass;
const qrouter = `qrouter-${r.id}`;

/** Each step as if it had applied `plan` to every namespace. */
function appliedAll(plan: HostPlan) {
  const steps: NamespaceStep<{ netns: string | null }>[] = [
    new ServicePortsStep(),
    sysctlsStep(),
    routesStep(),
    new NamespaceIptablesStep(),
  ];
  for (const step of steps) {
    const parts = step.parts(plan);
    step.remember(parts.digests, parts.items);
  }
  return steps;
}

describe('NamespaceStep', () => {
  it('a new floating IP makes the service-ports and iptables steps visit its router, not sysctls or routes', () => {
    const steps = appliedAll(planWith([]));
    const after = planWith([fip]);
    const visiting = steps.filter((s) => s.visits(pass(after)).has(qrouter)).map((s) => s.name);
    assert.deepEqual(visiting, ['service-ports', 'iptables']);
  });

  it('visits every namespace on a full pass and a renewed one on an incremental pass', () => {
    const plan = planWith([]);
    const steps = appliedAll(plan);
    assert.deepEqual(
      steps.map((s) => s.visits(pass(plan)).size),
      [0, 0, 0, 0],
    );
    assert.deepEqual(
      steps.map((s) => [...s.visits(pass(plan, { full: true })).keys()]),
      steps.map(() => [qrouter]),
    );
    assert.deepEqual(
      steps.map((s) => s.visits(pass(plan, { renewed: new Set([qrouter]) })).size),
      [1, 1, 1, 1],
    );
  });

  it('visits a namespace that failed again, unless it waits out its backoff', () => {
    const plan = planWith([fip]);
    const [ports] = appliedAll(planWith([]));
    const parts = ports!.parts(plan);
    ports!.remember(parts.digests, parts.items, new Map([[qrouter, new Error('RTNETLINK answers: File exists')]]));
    assert.ok(ports!.visits(pass(plan)).has(qrouter));
    assert.equal(ports!.visits(pass(plan, { due: () => false })).size, 0);
  });
});
