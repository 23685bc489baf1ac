import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { linuxBridge, tapDevice, vxlanDevice } from '../model/names.js';
import type { Explanation } from '../model/explain.js';
import type { Agent, Network, Port } from '../model/resources.js';
import type { TraceResult } from '../model/trace.js';
import { type TestLab, agentStatus, pingCounts, testLab, ipOf, projectNetwork } from '../testing/lab-harness.js';

const active = (t: TestLab, ...ports: Port[]) => ports.every((p) => t.store.view.get('port', p.id)?.status === 'ACTIVE');

/** `ip -d link show DEV` on a node, as one line per device. */
async function link(t: TestLab, node: string, dev: string): Promise<string> {
  return (await t.lab.exec(node, ['ip', '-o', '-d', 'link', 'show', dev])).stdout;
}

describe('Linux bridge hosts, and a VXLAN network across Linux bridge and Open vSwitch hosts', () => {
  let t: TestLab;
  let net: Network;
  let vm1: Port;
  let vm2: Port;
  let vm3: Port;
  before(async () => {
    t = await testLab({
      nodes: [
        { name: 'lb1', roles: ['l2'], mechanism: 'linuxbridge' },
        { name: 'lb2', roles: ['l2'], mechanism: 'linuxbridge' },
        { name: 'ovs1', roles: ['l2'] },
      ],
      tunnelType: 'vxlan',
    });
    net = await projectNetwork(t, 'alpha');
  });
  after(() => t?.close());

  it("reports Neutron's Linux bridge agent and binds its ports with vif_type bridge", async () => {
    const { agents } = await t.api.get<{ agents: Agent[] }>('/v2.0/agents?host=lb1');
    assert.deepEqual(
      agents.map((a) => [a.agent_type, a.binary]),
      [['Linux bridge agent', 'quark-linuxbridge-agent']],
    );
    assert.deepEqual(agents[0]!.configurations.tunnel_types, ['vxlan']);
    vm1 = await t.instance('lb1', 'vm1', { network_id: net.id, project_id: 'alpha' });
    assert.equal(vm1['binding:vif_type'], 'bridge');
    assert.deepEqual(vm1['binding:vif_details'], { port_filter: true, connectivity: 'l2' });
  });

  it('wires instances on two Linux bridge hosts and one Open vSwitch host; they ping each other', async () => {
    vm2 = await t.instance('lb2', 'vm2', { network_id: net.id, project_id: 'alpha' });
    vm3 = await t.instance('ovs1', 'vm3', { network_id: net.id, project_id: 'alpha' });
    await t.until('all three ACTIVE', () => active(t, vm1, vm2, vm3));
    // The default group lets members of the group in: all three are.
    for (const [from, node, to] of [
      ['vm1', 'lb1', vm2],
      ['vm1', 'lb1', vm3],
      ['vm3', 'ovs1', vm2],
    ] as const) {
      const ping = await t.lab.exec(node, ['ping', '-c', '3', '-i', '0.2', '-W', '2', ipOf(to)], from);
      assert.equal(pingCounts(ping.stdout).received, 3, `${from} → ${to.name}`);
    }
    const bridge = linuxBridge(net.id);
    const vni = t.store.view.get('network', net.id)!['provider:segmentation_id']!;
    assert.match(await link(t, 'lb1', vxlanDevice(vni)), new RegExp(`master ${bridge} .*vxlan id ${vni} .*dstport 4789`));
    assert.match(await link(t, 'lb1', tapDevice(vm1.id)), new RegExp(`master ${bridge} `));
    const fdb = (await t.lab.exec('lb1', ['bridge', 'fdb', 'show', 'dev', vxlanDevice(vni)])).stdout;
    for (const ip of ['198.18.1.12', '198.18.1.13'])
      assert.match(fdb, new RegExp(`^00:00:00:00:00:00 dst ${ip.replaceAll('.', '\\.')} self permanent$`, 'm'));
    assert.match(fdb, new RegExp(`^${vm3.mac_address} dst 198\\.18\\.1\\.13 self permanent$`, 'm'));
    const mtu = await t.lab.exec('lb1', ['cat', '/sys/class/net/eth0/mtu'], 'vm1');
    assert.equal(Number(mtu.stdout), 1450);
  });

  it('carries TCP both ways between a Linux bridge host and an Open vSwitch host', async () => {
    for (const [server, serverNode, client, clientNode, target] of [
      ['vm3', 'ovs1', 'vm1', 'lb1', vm3],
      ['vm1', 'lb1', 'vm3', 'ovs1', vm1],
    ] as const) {
      const listening = t.lab.exec(serverNode, ['timeout', '10', 'iperf3', '-s', '-1', '-p', '5201'], server);
      await new Promise((r) => setTimeout(r, 500));
      const { stdout } = await t.lab.exec(clientNode, ['iperf3', '-c', ipOf(target), '-p', '5201', '-t', '1', '-J'], client);
      await listening;
      const received = JSON.parse(stdout).end.sum_received.bytes as number;
      assert.ok(received > 100_000, `${client} → ${server}: ${received} bytes`);
    }
  });

  it('filters on the bridge: a port without the group is not let in, and is once a rule allows it', async () => {
    const { security_group: open } = await t.api.post<{ security_group: { id: string } }>('/v2.0/security-groups', {
      security_group: { name: 'nothing-in', project_id: 'alpha' },
    });
    const vm4 = await t.instance('lb1', 'vm4', { network_id: net.id, project_id: 'alpha', security_groups: [open.id] });
    await t.until('vm4 ACTIVE', () => active(t, vm4));
    await assert.rejects(
      t.lab.exec('lb1', ['ping', '-c', '2', '-i', '0.2', '-W', '1', ipOf(vm4)], 'vm1'),
      'same bridge, no rule',
    );
    await assert.rejects(t.lab.exec('lb2', ['ping', '-c', '2', '-i', '0.2', '-W', '1', ipOf(vm4)], 'vm2'), 'over VXLAN, no rule');
    await t.api.post('/v2.0/security-group-rules', {
      security_group_rule: { security_group_id: open.id, direction: 'ingress', protocol: 'icmp', project_id: 'alpha' },
    });
    await t.until('the rule on lb1', async () =>
      t.lab
        .exec('lb1', ['ping', '-c', '1', '-W', '1', ipOf(vm4)], 'vm1')
        .then(() => true)
        .catch(() => false),
    );
    const ping = await t.lab.exec('lb2', ['ping', '-c', '3', '-i', '0.2', '-W', '2', ipOf(vm4)], 'vm2');
    assert.equal(pingCounts(ping.stdout).received, 3);
  });

  it('explain and trace read the Linux bridge hosts; an entry deleted by hand is drift to both', async () => {
    const vni = t.store.view.get('network', net.id)!['provider:segmentation_id']!;
    const explain = async () =>
      (await t.api.get<{ explanation: Explanation }>(`/v2.0/quark/explain/networks/${net.id}`)).explanation;
    const before = await explain();
    assert.equal(before.drift, 0, JSON.stringify(before.hosts.map((h) => h.items.filter((i) => i.status !== 'ok'))));
    const lb1 = before.hosts.find((h) => h.host === 'lb1')!;
    const entry = `${vm3.mac_address} dev ${vxlanDevice(vni)} dst 198.18.1.13 self permanent`;
    assert.ok(lb1.items.some((i) => i.section === 'fdb' && i.text === entry && i.status === 'ok'));
    assert.ok(lb1.items.some((i) => i.section === 'bridge' && i.text.startsWith(`${linuxBridge(net.id)}: bridge`)));
    const trace = async () =>
      (await t.api.get<{ trace: TraceResult }>(`/v2.0/quark/trace?from=${ipOf(vm1)}&to=${ipOf(vm3)}`)).trace;
    const ok = await trace();
    assert.equal(ok.verdict.result, 'delivered', ok.verdict.says);
    assert.deepEqual(
      ok.hops.map((h) => `${h.host} ${h.where}`),
      [
        `lb1 iptables filter FORWARD on ${linuxBridge(net.id)}`,
        `lb1 ${linuxBridge(net.id)}`,
        'ovs1 br-tun',
        'ovs1 br-int',
        `ovs1 iptables filter FORWARD on qbr${vm3.id.slice(0, 11)}`,
      ],
    );
    await t.lab.exec('lb1', ['bridge', 'fdb', 'del', vm3.mac_address, 'dev', vxlanDevice(vni), 'dst', '198.18.1.13']);
    const after = await explain();
    assert.deepEqual(
      after.hosts.flatMap((h) =>
        h.items.filter((i) => !['ok', 'foreign', 'learnt'].includes(i.status)).map((i) => `${h.host} ${i.status} ${i.text}`),
      ),
      [`lb1 missing ${entry}`],
    );
    assert.match((await trace()).hops[1]!.says, /the agent's plan has it, so the host has drifted/);
    await agentStatus(t, 'lb1', '/resync', 'POST');
    assert.equal((await explain()).drift, 0);
  });

  it('loses no packet while a Linux bridge agent is killed and restarted', async () => {
    const ping = t.lab.exec('lb1', ['ping', '-c', '500', '-i', '0.01', '-W', '1', ipOf(vm2)], 'vm1');
    await new Promise((r) => setTimeout(r, 500));
    await t.lab.stopAgent('lb1', 'SIGKILL');
    t.lab.startAgent('lb1');
    const result = pingCounts((await ping).stdout);
    assert.equal(result.received, result.sent, `lost ${result.sent - result.received} of ${result.sent}`);
    await t.until('lb1 synced again', async () => (await agentStatus(t, 'lb1').catch(() => null))?.synced === true);
  });

  it('finds nothing to change in a forced full resync, on both mechanisms', async () => {
    for (const node of ['lb1', 'lb2', 'ovs1']) {
      await t.until(`${node} idle`, async () => (await agentStatus(t, node)).last !== null);
      const status = await agentStatus(t, node, '/resync', 'POST');
      assert.equal(status.last?.error, null, node);
      assert.equal(status.last?.changes, 0, `${node}: ${JSON.stringify(status.last)}`);
    }
  });

  it('puts back a tap taken out of its bridge by hand at the next full resync', async () => {
    await t.lab.exec('lb1', ['ip', 'link', 'set', tapDevice(vm1.id), 'nomaster']);
    const status = await agentStatus(t, 'lb1', '/resync', 'POST');
    assert.ok((status.last?.changes ?? 0) > 0);
    assert.match(await link(t, 'lb1', tapDevice(vm1.id)), new RegExp(`master ${linuxBridge(net.id)} `));
  });

  it('removes the bridge and VXLAN device of a network with no port left, and the flooding entry to a host gone', async () => {
    const vni = t.store.view.get('network', net.id)!['provider:segmentation_id']!;
    await t.lab.unplug('lb2', vm2.id);
    await t.api.delete(`/v2.0/ports/${vm2.id}`);
    await t.until('no flooding to lb2 from lb1', async () => {
      // Entries the kernel learnt from lb2's frames age out by themselves; the agent's must go.
      const fdb = (await t.lab.exec('lb1', ['bridge', 'fdb', 'show', 'dev', vxlanDevice(vni)])).stdout;
      return !fdb.includes('00:00:00:00:00:00 dst 198.18.1.12');
    });
    await t.until('lb2 has no bridge of the network', async () => {
      const links = (await t.lab.exec('lb2', ['ip', '-o', 'link', 'show'])).stdout;
      return !links.includes(linuxBridge(net.id)) && !links.includes(vxlanDevice(vni));
    });
  });
});

describe('a GRE network on a Linux bridge host', () => {
  let t: TestLab;
  before(async () => {
    t = await testLab({ nodes: [{ name: 'lb1', roles: ['l2'], mechanism: 'linuxbridge' }], tunnelType: 'gre' });
  });
  after(() => t?.close());

  it('fails to bind, and the server says why (quark vif plug refuses it, trace names the reason)', async () => {
    const net = await projectNetwork(t, 'alpha');
    const { port } = await t.api.post<{ port: Port }>('/v2.0/ports', {
      port: { network_id: net.id, project_id: 'alpha', 'binding:host_id': 'lb1' },
    });
    assert.equal(port['binding:vif_type'], 'binding_failed');
    const plug = t.lab.plug('lb1', port.id, 'vm1');
    await assert.rejects(plug, /binding_failed/);
    const { trace } = await t.api.get<{ trace: TraceResult }>(`/v2.0/quark/trace?from=${port.id}&to=10.0.0.200`);
    assert.match(trace.verdict.says, /cannot carry GRE networks \(GRE needs Open vSwitch/);
  });
});
