import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Explanation } from '../model/explain.js';
import { qvbDevice, tapDevice } from '../model/names.js';
import type { Network, Port } from '../model/resources.js';
import { type TestLab, agentStatus, testLab } from '../testing/lab-harness.js';

// QoS with real traffic (docs/qos.md): iperf3 between two instances of one compute node, first
// without a policy, then with a 20 Mbit/s bandwidth limit on one instance's port, in each
// direction; then a DSCP marking rule, seen on the wire by tcpdump on the other instance. The
// measured figures are printed (BENCHMARKS.md keeps them); the assertions are the issue's
// accuracy budget (±10 %), not timings.

const LIMIT_KBPS = 20000;

describe('QoS on a compute node: bandwidth limits and DSCP marking with real traffic', () => {
  let t: TestLab;
  let vm1: Port;
  let vm2: Port;
  let policy: { id: string };
  const ipOf = (p: Port) => p.fixed_ips[0]!.ip_address;

  before(async () => {
    t = await testLab({ nodes: [{ name: 'compute1', roles: ['l2'] }] });
    const { network: net } = await t.api.post<{ network: Network }>('/v2.0/networks', {
      network: { name: 'q', project_id: 'p' },
    });
    await t.api.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24', project_id: 'p' } });
    vm1 = await t.instance('compute1', 'vm1', { network_id: net.id, project_id: 'p', port_security_enabled: false });
    vm2 = await t.instance('compute1', 'vm2', { network_id: net.id, project_id: 'p', port_security_enabled: false });
    await t.until(
      'both ports ACTIVE',
      () => t.store.view.get('port', vm1.id)?.status === 'ACTIVE' && t.store.view.get('port', vm2.id)?.status === 'ACTIVE',
    );
    policy = (await t.api.post<{ policy: { id: string } }>('/v2.0/qos/policies', { policy: { name: '20M', project_id: 'p' } }))
      .policy;
  });
  after(() => t?.close());

  /** Mbit/s received over 8 s after 2 s left out (slow start, the bucket's burst); `reverse`: vm2 sends to vm1. */
  const iperf = async (reverse = false): Promise<number> => {
    const server = t.lab.exec('compute1', ['timeout', '40', 'iperf3', '-s', '-1'], 'vm2');
    await new Promise((r) => setTimeout(r, 500));
    const argv = ['iperf3', '-c', ipOf(vm2), '-t', '8', '-O', '2', '-J', ...(reverse ? ['-R'] : [])];
    const client = await t.lab.exec('compute1', argv, 'vm1');
    await server.catch(() => undefined);
    const report = JSON.parse(client.stdout) as { end: { sum_received: { bits_per_second: number } } };
    return report.end.sum_received.bits_per_second / 1e6;
  };
  /** The root qdisc of a device on the node, as tc prints it. */
  const qdisc = async (device: string) => (await t.lab.exec('compute1', ['tc', 'qdisc', 'show', 'dev', device, 'root'])).stdout;
  const within = (measured: number, target: number) => Math.abs(measured - target) <= target * 0.1;

  it('limits what an instance sends and receives to 20 Mbit/s, and far above without the policy', async () => {
    const free = await iperf();
    console.log(`no policy: vm1→vm2 ${free.toFixed(1)} Mbit/s`);
    assert.ok(free > 2.5 * (LIMIT_KBPS / 1000), `without a limit ${free} Mbit/s`);

    const rule = (direction: string) =>
      t.api.post(`/v2.0/qos/policies/${policy.id}/bandwidth_limit_rules`, {
        bandwidth_limit_rule: { max_kbps: LIMIT_KBPS, max_burst_kbps: 2000, direction },
      });
    await rule('egress');
    await rule('ingress');
    await t.api.put(`/v2.0/ports/${vm1.id}`, { port: { qos_policy_id: policy.id } });
    await t.until(
      'the limits on vm1’s devices',
      async () => /tbf .*rate 20Mbit/.test(await qdisc(qvbDevice(vm1.id))) && /tbf/.test(await qdisc(tapDevice(vm1.id))),
    );

    const egress = await iperf();
    const ingress = await iperf(true);
    console.log(`20 Mbit/s policy on vm1: vm1→vm2 ${egress.toFixed(1)} Mbit/s, vm2→vm1 ${ingress.toFixed(1)} Mbit/s`);
    assert.ok(within(egress, LIMIT_KBPS / 1000), `egress ${egress} Mbit/s`);
    assert.ok(within(ingress, LIMIT_KBPS / 1000), `ingress ${ingress} Mbit/s`);

    // explain shows the policy and both limits as tc has them.
    const { explanation: explained } = await t.api.get<{ explanation: Explanation }>(`/v2.0/quark/explain/ports/${vm1.id}`);
    assert.ok(
      explained.intent.some((l) => /QoS policy 20M \(the port’s own\): egress 20000 kbit\/s/.test(l)),
      explained.intent.join('\n'),
    );
    const limits = explained.hosts.flatMap((h) => h.items.filter((i) => i.section === 'qos'));
    assert.deepEqual(limits.map((i) => `${i.status} ${i.text}`).sort(), [
      `ok tc qdisc ${qvbDevice(vm1.id)} root tbf rate 20000kbit burst 2000kbit`,
      `ok tc qdisc ${tapDevice(vm1.id)} root tbf rate 20000kbit burst 2000kbit`,
    ]);
    const status = await agentStatus(t, 'compute1', '/resync', 'POST');
    assert.equal(status.last?.changes, 0, `a full resync with the limits in place: ${JSON.stringify(status.last)}`);
  });

  it('marks what the instance sends with the policy’s DSCP, as tcpdump sees it on the other instance', async () => {
    await t.api.post(`/v2.0/qos/policies/${policy.id}/dscp_marking_rules`, { dscp_marking_rule: { dscp_mark: 26 } });
    const marking = async () => (await t.lab.exec('compute1', ['ovs-ofctl', 'dump-flows', 'br-int', 'table=0'])).stdout;
    await t
      .until('the marking flow', async () => /ip_dscp|mod_nw_tos/.test(await marking()))
      .catch(async (e) => {
        console.log(await marking());
        throw e;
      });
    const capture = t.lab.exec(
      'compute1',
      ['timeout', '10', 'tcpdump', '-n', '-v', '-c', '2', '-i', 'eth0', 'icmp[icmptype] == icmp-echo'],
      'vm2',
    );
    await new Promise((r) => setTimeout(r, 1000));
    await t.lab.exec('compute1', ['ping', '-c', '2', '-i', '0.3', ipOf(vm2)], 'vm1');
    const seen = (await capture).stdout;
    console.log(`tcpdump on vm2:\n${seen}`);
    // DSCP 26 (AF31) is the TOS byte 26 << 2 = 0x68.
    assert.match(seen, /tos 0x68/);
  });

  it('removes the limits and the marking with the policy, and a full resync then finds nothing to change', async () => {
    await t.api.put(`/v2.0/ports/${vm1.id}`, { port: { qos_policy_id: null } });
    await t.until(
      'no limit on vm1’s devices',
      async () => !/tbf/.test(await qdisc(qvbDevice(vm1.id))) && !/tbf/.test(await qdisc(tapDevice(vm1.id))),
    );
    await t.until(
      'no marking flow',
      async () => !/ip_dscp|mod_nw_tos/.test((await t.lab.exec('compute1', ['ovs-ofctl', 'dump-flows', 'br-int'])).stdout),
    );
    const status = await agentStatus(t, 'compute1', '/resync', 'POST');
    assert.equal(status.last?.full, true);
    assert.equal(status.last?.error, null);
    assert.equal(status.last?.changes, 0, JSON.stringify(status.last));
  });
});
