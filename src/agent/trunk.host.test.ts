import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { inNodeNetns } from '../lab/node.js';
import { trunkBridge, trunkPatch } from '../model/names.js';
import type { Network, Port } from '../model/resources.js';
import type { Trunk } from '../model/trunk.js';
import { type TestLab, agentStatus, pingCounts, testLab } from '../testing/lab-harness.js';
import { VLAN_RELAY } from '../testing/vlan-subinterface.js';

// vm1 on compute1 is a VLAN-aware instance: its port on network A is a trunk's parent, and a
// port on network B is the trunk's subport with VLAN 101. vm1 sends on B through a VLAN
// sub-interface eth0.101 (a userspace one: this kernel has no 8021q, see vlan-subinterface.ts).
// vm2 (network B) and vm3 (network A) are plain instances on compute2.
describe('trunks: a VLAN sub-interface of an instance reaches the subport network', () => {
  let t: TestLab;
  let relay: ChildProcess | undefined;
  let netA: Network;
  let netB: Network;
  let parent: Port;
  let sub: Port;
  let trunk: Trunk;

  const ping = async (from: string, to: string, device?: string) => {
    const argv = ['ping', '-c', '1', '-W', '1', ...(device ? ['-I', device] : []), to];
    const r = await t.lab.exec('compute1', argv, from).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
    return pingCounts(r.stdout).received === 1;
  };
  const node = (name: string) => t.lab.node(name).handle;
  const switchPorts = async (bridge: string) =>
    (await t.lab.exec('compute1', ['ovs-vsctl', 'list-ports', bridge]).catch(() => ({ stdout: '' }))).stdout;

  before(async () => {
    t = await testLab({
      nodes: [
        { name: 'compute1', roles: ['l2'] },
        { name: 'compute2', roles: ['l2'] },
      ],
      tunnelType: 'vxlan',
    });
    const network = async (cidr: string) => {
      const n = (await t.api.post<{ network: Network }>('/v2.0/networks', { network: { project_id: 'alpha' } })).network;
      await t.api.post('/v2.0/subnets', {
        subnet: { network_id: n.id, ip_version: 4, cidr, project_id: 'alpha', enable_dhcp: false },
      });
      return n;
    };
    netA = await network('10.0.0.0/24');
    netB = await network('10.0.1.0/24');
    await t.instance('compute2', 'vm2', { network_id: netB.id, project_id: 'alpha', fixed_ips: [{ ip_address: '10.0.1.12' }] });
    await t.instance('compute2', 'vm3', { network_id: netA.id, project_id: 'alpha', fixed_ips: [{ ip_address: '10.0.0.13' }] });
    // As with Nova: the trunk is made before the instance boots on its parent port.
    const port = async (network_id: string, ip: string) =>
      (
        await t.api.post<{ port: Port }>('/v2.0/ports', {
          port: { network_id, project_id: 'alpha', fixed_ips: [{ ip_address: ip }] },
        })
      ).port;
    parent = await port(netA.id, '10.0.0.11');
    sub = await port(netB.id, '10.0.1.11');
    trunk = (
      await t.api.post<{ trunk: Trunk }>('/v2.0/trunks', {
        trunk: {
          port_id: parent.id,
          project_id: 'alpha',
          sub_ports: [{ port_id: sub.id, segmentation_type: 'vlan', segmentation_id: 101 }],
        },
      })
    ).trunk;
    await t.lab.plug('compute1', parent.id, 'vm1');
    await t.lab.exec('compute1', ['ip', 'addr', 'add', '10.0.0.11/24', 'dev', 'eth0'], 'vm1');
    const [program, ...args] = inNodeNetns(node('compute1'), 'vm1', ['python3', '-c', VLAN_RELAY, 'eth0', 'eth0.101', '101']);
    relay = spawn(program!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      relay!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      relay!.on('exit', (code) => reject(new Error(`the VLAN relay exited (${code})`)));
    });
    for (const cmd of [
      ['ip', 'link', 'set', 'eth0.101', 'address', sub.mac_address, 'mtu', String(netB.mtu - 4), 'up'],
      ['ip', 'addr', 'add', '10.0.1.11/24', 'dev', 'eth0.101'],
    ]) {
      await t.lab.exec('compute1', cmd, 'vm1');
    }
  });

  after(async () => {
    try {
      relay?.kill('SIGTERM');
    } finally {
      await t?.close();
    }
  });

  it('binds the subport with its parent and wires the trunk bridge: both ports ACTIVE', async () => {
    const bound = (await t.api.get<{ port: Port }>(`/v2.0/ports/${parent.id}`)).port;
    assert.equal((bound['binding:vif_details'] as { bridge_name?: string }).bridge_name, trunkBridge(trunk.id));
    await t.until(
      'parent and subport ACTIVE',
      () => [parent.id, sub.id].every((id) => t.store.view.get('port', id)?.status === 'ACTIVE'),
      20_000,
    );
    const onTrunk = await switchPorts(trunkBridge(trunk.id));
    for (const name of [trunkPatch('tpt-', parent.id), trunkPatch('spt-', sub.id), `qvo${parent.id.slice(0, 11)}`]) {
      assert.ok(onTrunk.includes(name), `${name} on the trunk bridge: ${onTrunk}`);
    }
    assert.equal((await t.api.get<{ trunk: Trunk }>(`/v2.0/trunks/${trunk.id}`)).trunk.status, 'ACTIVE');
    const subport = t.store.view.get('port', sub.id)!;
    assert.deepEqual([subport['binding:host_id'], subport.device_owner], ['compute1', 'trunk:subport']);
  });

  it('untagged traffic stays on the parent network; VLAN 101 reaches the subport network', async () => {
    await t.until('vm1 reaches vm3 on network A untagged', () => ping('vm1', '10.0.0.13', 'eth0'), 20_000);
    await t.until('vm1 reaches vm2 on network B through eth0.101', () => ping('vm1', '10.0.1.12', 'eth0.101'), 20_000);
  });

  it('a subport sends only from its own MAC (Neutron’s MAC spoofing table on spi-)', async () => {
    const mac = async (address: string) => t.lab.exec('compute1', ['ip', 'link', 'set', 'eth0.101', 'address', address], 'vm1');
    // Both ends forget each other's MAC, so vm2 must learn the new one from vm1's ARP reply.
    const forget = () =>
      Promise.all([
        t.lab.exec('compute1', ['ip', 'neigh', 'flush', 'dev', 'eth0.101'], 'vm1'),
        t.lab.exec('compute2', ['ip', 'neigh', 'flush', 'dev', 'eth0'], 'vm2'),
      ]);
    await mac('fa:16:3e:99:99:99');
    await forget();
    await t.until('a spoofed MAC does not reach vm2', async () => !(await ping('vm1', '10.0.1.12', 'eth0.101')), 20_000);
    await forget();
    assert.equal(await ping('vm1', '10.0.1.12', 'eth0.101'), false, 'nor after vm2 asked again');
    await mac(sub.mac_address);
    await forget();
    await t.until('its own MAC does again', () => ping('vm1', '10.0.1.12', 'eth0.101'), 20_000);
  });

  it('trace crosses the trunk bridge from VLAN 101 into the subport network; explain shows the trunk', async () => {
    type Traced = { verdict: { result: string; says: string }; hops: { where: string; says: string }[] };
    const traced = (await t.api.get<{ trace: Traced }>(`/v2.0/quark/trace?from=${sub.id}&to=10.0.1.12`)).trace;
    const path = traced.hops.map((h) => `${h.where}: ${h.says}`).join('\n');
    assert.equal(traced.verdict.result, 'delivered', `${traced.verdict.says}\n${path}`);
    assert.ok(
      traced.hops.some((h) => h.where === trunkBridge(trunk.id)),
      path,
    );
    // The parent's packet leaves untagged, through its egress filter, to network A.
    const untagged = (await t.api.get<{ trace: Traced }>(`/v2.0/quark/trace?from=${parent.id}&to=10.0.0.13`)).trace;
    const hops = untagged.hops.map((h) => `${h.where}: ${h.says}`).join('\n');
    assert.equal(untagged.verdict.result, 'delivered', `${untagged.verdict.says}\n${hops}`);
    assert.ok(
      untagged.hops.some((h) => h.where === trunkBridge(trunk.id)),
      hops,
    );
    type Explained = { drift: number; hosts: { host: string; items: { text: string; says: string; status: string }[] }[] };
    const explained = (await t.api.get<{ explanation: Explained }>(`/v2.0/quark/explain/trunks/${trunk.id}`)).explanation;
    const items = explained.hosts.flatMap((h) => h.items);
    const lines = items.map((i) => `${i.status} ${i.text}: ${i.says}`).join('\n');
    assert.equal(explained.drift, 0, lines);
    for (const want of [
      `bridge ${trunkBridge(trunk.id)}`,
      trunkPatch('spt-', sub.id),
      trunkPatch('spi-', sub.id),
      trunkPatch('tpi-', parent.id),
    ]) {
      assert.ok(
        items.some((i) => i.text.includes(want) && i.status === 'ok'),
        `${want} in\n${lines}`,
      );
    }
  });

  it('removing the subport cuts VLAN 101 and unwires it', async () => {
    await t.api.put(`/v2.0/trunks/${trunk.id}/remove_subports`, { sub_ports: [{ port_id: sub.id }] });
    await t.until('vm1 no longer reaches vm2', async () => !(await ping('vm1', '10.0.1.12', 'eth0.101')), 20_000);
    await t.until(
      'the subport patch pair is gone',
      async () => !(await switchPorts(trunkBridge(trunk.id))).includes('spt-'),
      20_000,
    );
    assert.equal(t.store.view.get('port', sub.id)?.['binding:host_id'], '');
    assert.ok(await ping('vm1', '10.0.0.13', 'eth0'), 'the parent still works');
  });

  it('adding it back restores VLAN 101; a forced full resync then finds nothing to change', async () => {
    await t.api.put(`/v2.0/trunks/${trunk.id}/add_subports`, {
      sub_ports: [{ port_id: sub.id, segmentation_type: 'vlan', segmentation_id: 101 }],
    });
    await t.until('vm1 reaches vm2 again', () => ping('vm1', '10.0.1.12', 'eth0.101'), 20_000);
    for (const name of ['compute1', 'compute2']) {
      const status = await agentStatus(t, name, '/resync', 'POST');
      assert.equal(status.last?.error, null);
      assert.equal(status.last?.changes, 0, `${name}: ${JSON.stringify(status.last)}`);
    }
  });
});
