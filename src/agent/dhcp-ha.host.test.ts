import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseLeaseFile, udhcpcArgv, writeUdhcpcHook } from '../lab/udhcpc-script.js';
import type { Network, Port } from '../model/resources.js';
import { type TestLab, testLab } from '../testing/lab-harness.js';

/**
 * DHCP on two agents per network (dhcpAgentsPerNetwork 2): each DHCP node has its own port and
 * dnsmasq with the same reservations, and an instance whose DHCP server dies renews its lease
 * from the other one, keeping its address.
 */
const RENEW = fileURLToPath(new URL('../testing/dhcp-renew.js', import.meta.url));

describe('DHCP: two agents serve one network', () => {
  let t: TestLab;
  let net: Network;
  const nodes = ['dhcp1', 'dhcp2'];
  const dhcpDir = (node: string, file: string) => join(t.lab.node(node).handle.dir, 'state', 'dhcp', net.id, file);

  before(async () => {
    t = await testLab({
      nodes: [
        { name: 'dhcp1', roles: ['l2', 'dhcp'] },
        { name: 'dhcp2', roles: ['l2', 'dhcp'] },
        { name: 'compute1', roles: ['l2'] },
      ],
      server: { dhcpAgentsPerNetwork: 2 },
      staticAddresses: false,
    });
    net = (await t.api.post<{ network: Network }>('/v2.0/networks', { network: { project_id: 'alpha' } })).network;
    await t.api.post('/v2.0/subnets', {
      subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24', project_id: 'alpha' },
    });
  });
  after(() => t?.close());

  it('gives each DHCP node its own port and dnsmasq, with the same reservations', async () => {
    const dhcpPorts = () => t.store.view.by('port', 'network', net.id).filter((p) => p.device_owner === 'network:dhcp');
    await t.until(
      'a DHCP port ACTIVE on each DHCP node',
      () => {
        const ports = dhcpPorts();
        return (
          ports.length === 2 && ports.every((p) => p.status === 'ACTIVE') && nodes.every((n) => existsSync(dhcpDir(n, 'pid')))
        );
      },
      30_000,
    );
    assert.deepEqual(
      dhcpPorts()
        .map((p) => p['binding:host_id'])
        .sort(),
      nodes,
    );
    const agents = (await t.api.get<{ agents: { host: string }[] }>(`/v2.0/networks/${net.id}/dhcp-agents`)).agents;
    assert.deepEqual(agents.map((a) => a.host).sort(), nodes);
    const vm = await t.instance('compute1', 'vm1', { network_id: net.id, project_id: 'alpha', port_security_enabled: false });
    await t.until(
      'both hosts files to hold the instance',
      () => nodes.every((n) => readFileSync(dhcpDir(n, 'host'), 'utf8').includes(vm.mac_address)),
      20_000,
    );
    assert.equal(readFileSync(dhcpDir('dhcp1', 'host'), 'utf8'), readFileSync(dhcpDir('dhcp2', 'host'), 'utf8'));
  });

  it('renews the lease from the other server when the one that gave it dies, keeping the address', async () => {
    const hook = writeUdhcpcHook(join(t.lab.options.dir, 'udhcpc-hook.sh'));
    const leaseFile = join(t.lab.options.dir, 'vm1.lease');
    await t.lab.exec('compute1', udhcpcArgv({ hook, leaseFile }), 'vm1');
    const lease = parseLeaseFile(readFileSync(leaseFile, 'utf8'));
    const vm = t.store.view.by('port', 'network', net.id).find((p: Port) => p.device_owner === 'compute:nova')!;
    assert.equal(lease.ip, vm.fixed_ips[0]!.ip_address);
    const servers = new Map(
      t.store.view
        .by('port', 'network', net.id)
        .filter((p) => p.device_owner === 'network:dhcp')
        .map((p) => [p.fixed_ips[0]!.ip_address, p['binding:host_id']]),
    );
    const giver = servers.get(lease.serverid!)!;
    assert.ok(giver, `the lease came from a DHCP port: ${lease.serverid}`);
    await t.lab.killNode(giver);
    // RFC 2131 4.4.5: the renewal unicast to the dead server goes unanswered; rebinding, broadcast, is answered by the other.
    const { stdout } = await t.lab.exec(
      'compute1',
      [process.execPath, RENEW, vm.mac_address, lease.ip!, lease.serverid!, '3000'],
      'vm1',
    );
    const answers = JSON.parse(stdout) as { renewing: unknown; rebinding: { type: string; server: string; ip: string } | null };
    assert.equal(answers.renewing, null);
    assert.deepEqual(answers.rebinding, {
      type: 'ACK',
      server: [...servers.keys()].find((ip) => ip !== lease.serverid),
      ip: lease.ip,
    });
  });
});
