import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { alive } from '../lab/processes.js';
import { parseLeaseFile, udhcpcArgv, writeUdhcpcHook } from '../lab/udhcpc-script.js';
import { dhcpNamespace } from '../model/names.js';
import type { Network, Port, Subnet } from '../model/resources.js';
import { type TestLab, agentStatus, testLab } from '../testing/lab-harness.js';

describe('DHCP role: qdhcp namespaces with dnsmasq on the network node, instances on a compute node', () => {
  let t: TestLab;
  let hook: string;
  let netA: Network;
  let subA: Subnet;
  let vm1: Port;

  const dir = (networkId: string) => join(t.lab.node('network').handle.dir, 'state', 'dhcp', networkId);
  const pidOf = (networkId: string) => Number(readFileSync(join(dir(networkId), 'pid'), 'utf8').trim());
  const namespaces = async () => (await t.lab.exec('network', ['ip', 'netns', 'list'])).stdout;

  async function network(project: string, cidr: string, subnet: Record<string, unknown> = {}) {
    const { network: net } = await t.api.post<{ network: Network }>('/v2.0/networks', {
      network: { name: `${project}-net`, project_id: project },
    });
    const { subnet: sub } = await t.api.post<{ subnet: Subnet }>('/v2.0/subnets', {
      subnet: { network_id: net.id, ip_version: 4, cidr, project_id: project, ...subnet },
    });
    return { net, sub };
  }

  /** Waits until the network's DHCP port is wired and its dnsmasq runs. */
  async function served(net: Network): Promise<Port> {
    let port: Port | undefined;
    await t.until(
      `DHCP for ${net.name}`,
      () => {
        port = t.store.view.by('port', 'network', net.id).find((p) => p.device_owner === 'network:dhcp');
        return port?.status === 'ACTIVE' && existsSync(join(dir(net.id), 'pid')) && alive(pidOf(net.id));
      },
      20_000,
    );
    return port!;
  }

  async function instance(node: string, name: string, attrs: Record<string, unknown>): Promise<Port> {
    const port = await t.instance(node, name, { port_security_enabled: false, ...attrs });
    await t.until(`${name} ACTIVE`, () => t.store.view.get('port', port.id)?.status === 'ACTIVE');
    return port;
  }

  /** Runs the instance's DHCP client; returns what the lease handed out (throws without a lease). */
  async function dhcp(node: string, vm: string, tries = 5): Promise<Record<string, string>> {
    const leaseFile = join(t.lab.options.dir, `${vm}.lease`);
    await t.lab.exec(node, udhcpcArgv({ hook, leaseFile, tries }), vm);
    return parseLeaseFile(readFileSync(leaseFile, 'utf8'));
  }

  before(async () => {
    t = await testLab({
      nodes: [
        { name: 'network', roles: ['l2', 'dhcp'] },
        { name: 'compute1', roles: ['l2'] },
      ],
      staticAddresses: false,
    });
    hook = writeUdhcpcHook(join(t.lab.options.dir, 'udhcpc-hook.sh'));
    ({ net: netA, sub: subA } = await network('alpha', '10.0.0.0/24', {
      dns_nameservers: ['198.51.100.53', '198.51.100.54'],
      host_routes: [{ destination: '192.168.100.0/24', nexthop: '10.0.0.254' }],
    }));
  });
  after(() => t?.close());

  it("gives an instance across the tunnel exactly the API's address, gateway, DNS, MTU and host routes", async () => {
    const dhcpPort = await served(netA);
    assert.equal(dhcpPort.fixed_ips[0]?.ip_address, '10.0.0.2', 'the first free address of the pool');
    assert.equal(dhcpPort['binding:host_id'], 'network');
    vm1 = await instance('compute1', 'vm1', { network_id: netA.id, project_id: 'alpha' });
    const lease = await dhcp('compute1', 'vm1');
    assert.equal(lease.ip, vm1.fixed_ips[0]!.ip_address);
    assert.equal(lease.mask, '24');
    assert.equal(lease.router, subA.gateway_ip);
    assert.equal(lease.dns, '198.51.100.53 198.51.100.54');
    assert.equal(lease.mtu, '1458');
    assert.equal(lease.domain, 'openstacklocal');
    assert.equal(lease.lease, '86400');
    assert.equal(lease.staticroutes, '192.168.100.0/24 10.0.0.254 0.0.0.0/0 10.0.0.1');
    const addr = await t.lab.exec('compute1', ['ip', '-4', '-o', 'addr', 'show', 'eth0'], 'vm1');
    assert.match(addr.stdout, new RegExp(`inet ${vm1.fixed_ips[0]!.ip_address.replaceAll('.', '\\.')}/24 `));
    const routes = (await t.lab.exec('compute1', ['ip', '-4', 'route', 'show'], 'vm1')).stdout;
    assert.match(routes, /default via 10\.0\.0\.1 dev eth0/);
    assert.match(routes, /192\.168\.100\.0\/24 via 10\.0\.0\.254 dev eth0/);
    const mtu = await t.lab.exec('compute1', ['cat', '/sys/class/net/eth0/mtu'], 'vm1');
    assert.equal(Number(mtu.stdout), 1458);
    const ping = await t.lab.exec('compute1', ['ping', '-c', '1', '-W', '2', '10.0.0.2'], 'vm1');
    assert.match(ping.stdout, /1 received/, 'the DHCP server answers on its address');
    const status = await agentStatus(t, 'network');
    assert.equal(status.last?.error, null);
  });

  it('hands out their own addresses on two networks with the same cidr', async () => {
    const { net: netB } = await network('beta', '10.0.0.0/24');
    await served(netB);
    const vm2 = await instance('compute1', 'vm2', {
      network_id: netB.id,
      project_id: 'beta',
      fixed_ips: [{ ip_address: '10.0.0.50' }],
    });
    const lease = await dhcp('compute1', 'vm2');
    assert.equal(lease.ip, '10.0.0.50');
    assert.equal(vm2.fixed_ips[0]?.ip_address, '10.0.0.50');
    assert.equal(lease.dns, '10.0.0.2', 'without dns_nameservers dnsmasq offers itself');
    assert.ok(!lease.staticroutes, 'no host routes, no option 121');
    assert.match(await namespaces(), new RegExp(dhcpNamespace(netB.id)));
    const again = await dhcp('compute1', 'vm1');
    assert.equal(again.ip, vm1.fixed_ips[0]!.ip_address, 'network A still answers for its own port');
  });

  it('serves a subnet added later: the DHCP port gets an address on it and dnsmasq its range', async () => {
    const netB = t.store.view.all('network').find((n) => n.name === 'beta-net')!;
    const pid = pidOf(netB.id);
    const { subnet: sub2 } = await t.api.post<{ subnet: Subnet }>('/v2.0/subnets', {
      subnet: { network_id: netB.id, ip_version: 4, cidr: '10.5.0.0/24', project_id: 'beta' },
    });
    await t.until('the DHCP port to get an address on the new subnet', () =>
      t.store.view.by('port', 'network', netB.id).some((p) => p.device_owner === 'network:dhcp' && p.fixed_ips.length === 2),
    );
    // The args file is written before the restart: wait for the new process, not just the file.
    await t.until('dnsmasq restarted with the new range (a new range needs a new command line)', () => {
      const args = readFileSync(join(dir(netB.id), 'args'), 'utf8');
      const now = existsSync(join(dir(netB.id), 'pid')) ? pidOf(netB.id) : pid; // the pid file is rewritten on restart
      return args.includes(`set:subnet-${sub2.id},10.5.0.0,static`) && now !== pid && alive(now);
    });
    const vm5 = await instance('compute1', 'vm5', {
      network_id: netB.id,
      project_id: 'beta',
      fixed_ips: [{ subnet_id: sub2.id }],
    });
    const lease = await dhcp('compute1', 'vm5');
    assert.equal(lease.ip, vm5.fixed_ips[0]!.ip_address);
    assert.equal(lease.router, '10.5.0.1');
    assert.equal(lease.staticroutes, '10.0.0.0/24 0.0.0.0 0.0.0.0/0 10.5.0.1', 'an on-link route to the other subnet');
  });

  it('serves a port added later without restarting dnsmasq', async () => {
    const pid = pidOf(netA.id);
    const vm3 = await instance('compute1', 'vm3', { network_id: netA.id, project_id: 'alpha' });
    const lease = await dhcp('compute1', 'vm3');
    assert.equal(lease.ip, vm3.fixed_ips[0]!.ip_address);
    assert.equal(pidOf(netA.id), pid, 'same dnsmasq, reloaded with SIGHUP');
    assert.ok(readFileSync(join(dir(netA.id), 'host'), 'utf8').includes(vm3.mac_address));
  });

  it('gives no offer on a subnet with DHCP disabled, and tears DHCP down when it is disabled', async () => {
    const { net: netC } = await network('gamma', '10.3.0.0/24', { enable_dhcp: false });
    await instance('compute1', 'vm4', { network_id: netC.id, project_id: 'gamma' });
    await assert.rejects(dhcp('compute1', 'vm4', 2), 'no DHCP server answers');
    assert.ok(!(await namespaces()).includes(dhcpNamespace(netC.id)));
    assert.ok(!t.store.view.by('port', 'network', netC.id).some((p) => p.device_owner === 'network:dhcp'));

    const { net: netD, sub: subD } = await network('delta', '10.4.0.0/24');
    await served(netD);
    const pid = pidOf(netD.id);
    await t.api.put(`/v2.0/subnets/${subD.id}`, { subnet: { enable_dhcp: false } });
    await t.until('DHCP of delta to go', async () => !existsSync(dir(netD.id)) && !(await namespaces()).includes(netD.id));
    assert.ok(!alive(pid), 'dnsmasq stopped');
    await t.until('the DHCP port to go', () => !t.store.view.by('port', 'network', netD.id).length);
  });

  it('keeps dnsmasq and its leases across an agent restart, and serves while the agent is down', async () => {
    const pid = pidOf(netA.id);
    const leases = readFileSync(join(dir(netA.id), 'leases'), 'utf8');
    assert.ok(leases.includes(vm1.mac_address), leases);
    await t.lab.stopAgent('network');
    const lease = await dhcp('compute1', 'vm1');
    assert.equal(lease.ip, vm1.fixed_ips[0]!.ip_address, 'dnsmasq serves without its agent');
    t.lab.startAgent('network');
    await t.until('the network agent synced', async () => (await agentStatus(t, 'network').catch(() => null))?.synced === true);
    await t.until('a pass after the restart', async () => ((await agentStatus(t, 'network')).reconciles ?? 0) >= 2);
    assert.equal(pidOf(netA.id), pid, 'same dnsmasq');
    assert.ok(alive(pid));
    assert.ok(readFileSync(join(dir(netA.id), 'leases'), 'utf8').includes(vm1.mac_address), 'leases kept');
  });

  it('starts a dnsmasq that died again at the next pass, with its leases', async () => {
    const pid = pidOf(netA.id);
    process.kill(pid, 'SIGKILL');
    await t.until('dnsmasq gone', () => !alive(pid));
    await agentStatus(t, 'network', '/resync', 'POST');
    assert.notEqual(pidOf(netA.id), pid);
    assert.ok(alive(pidOf(netA.id)));
    const log = readFileSync(join(t.lab.node('network').handle.dir, 'log', 'agent.log'), 'utf8');
    assert.ok(log.includes('dnsmasq had died'), 'the agent logs the death');
    assert.ok(readFileSync(join(dir(netA.id), 'leases'), 'utf8').includes(vm1.mac_address), 'leases kept');
    const lease = await dhcp('compute1', 'vm1');
    assert.equal(lease.ip, vm1.fixed_ips[0]!.ip_address);
  });

  it('finds nothing to change in a forced full resync', async () => {
    const status = await agentStatus(t, 'network', '/resync', 'POST');
    assert.equal(status.last?.full, true);
    const last = JSON.stringify(status.last);
    assert.equal(status.last?.error, null, last);
    assert.equal(status.last?.changes, 0, `no step changed anything (dnsmasq and DHCP ports included): ${last}`);
    const agent = t.store.view.all('agent').find((a) => a.agent_type === 'DHCP agent' && a.host === 'network');
    assert.ok(agent, 'the DHCP agent reports');
  });

  it('removes the namespace, the process and the directory when the network is deleted', async () => {
    const pid = pidOf(netA.id);
    for (const [node, vm] of [
      ['compute1', 'vm1'],
      ['compute1', 'vm3'],
    ] as const) {
      const port = t.store.view.by('port', 'network', netA.id).find((p) => p.device_owner === 'compute:nova');
      assert.ok(port, vm);
      await t.lab.unplug(node, port.id);
      await t.api.delete(`/v2.0/ports/${port.id}`);
    }
    await t.api.delete(`/v2.0/networks/${netA.id}`);
    await t.until('qdhcp of alpha to go', async () => !(await namespaces()).includes(netA.id) && !existsSync(dir(netA.id)));
    assert.ok(!alive(pid), 'dnsmasq stopped');
  });
});
