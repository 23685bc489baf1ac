import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseLeaseFile, udhcpcArgv, writeUdhcpcHook } from '../../lab/udhcpc-script.js';
import type { Network, Port, Subnet } from '../../model/resources.js';
import { type TestLab, testLab } from '../../testing/lab-harness.js';

describe('extra_dhcp_opts reach the instance: dnsmasq hands a port its own options', () => {
  let t: TestLab;
  let hook: string;
  let net: Network;

  /** Runs the instance's DHCP client and returns what the lease handed out (empty without a lease). */
  async function dhcp(vm: string): Promise<Record<string, string>> {
    const leaseFile = join(t.lab.options.dir, `${vm}.lease`);
    try {
      await t.lab.exec('compute1', udhcpcArgv({ hook, leaseFile, tries: 3 }), vm);
    } catch {
      return {};
    }
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
    ({ network: net } = await t.api.post<{ network: Network }>('/v2.0/networks', {
      network: { name: 'opts', project_id: 'alpha' },
    }));
    await t.api.post<{ subnet: Subnet }>('/v2.0/subnets', {
      subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24', project_id: 'alpha' },
    });
    await t.until('DHCP for the network', () =>
      t.store.view.by('port', 'network', net.id).some((p) => p.device_owner === 'network:dhcp' && p.status === 'ACTIVE'),
    );
  });
  after(() => t?.close());

  it("gives the instance its port's domain-name (option 15) and the other instances the network's", async () => {
    const vm1: Port = await t.instance('compute1', 'vm1', {
      network_id: net.id,
      project_id: 'alpha',
      port_security_enabled: false,
      extra_dhcp_opts: [{ opt_name: 'domain-name', opt_value: 'conformance.test' }],
    });
    await t.instance('compute1', 'vm2', { network_id: net.id, project_id: 'alpha', port_security_enabled: false });
    await t.until('the ports ACTIVE', () => t.store.view.by('port', 'network', net.id).every((p) => p.status === 'ACTIVE'));
    await t.until('vm1 gets its own domain', async () => (await dhcp('vm1')).domain === 'conformance.test', 20_000);
    assert.equal((await dhcp('vm2')).domain, 'openstacklocal', 'the option is the port’s alone');
    await t.api.put(`/v2.0/ports/${vm1.id}`, {
      port: { extra_dhcp_opts: [{ opt_name: 'domain-name', opt_value: 'changed.test' }] },
    });
    await t.until('vm1 gets the changed domain', async () => (await dhcp('vm1')).domain === 'changed.test', 20_000);
    await t.api.put(`/v2.0/ports/${vm1.id}`, { port: { extra_dhcp_opts: [{ opt_name: 'domain-name', opt_value: null }] } });
    await t.until('vm1 is back to the network’s domain', async () => (await dhcp('vm1')).domain === 'openstacklocal', 20_000);
  });
});
