import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { QuarkClient } from '../client/client.js';
import { QuarkError } from '../model/errors.js';
import { routerNamespace } from '../model/names.js';
import type { Network, Port, Router, SecurityGroup } from '../model/resources.js';
import { type TestLab, agentStatus, testLab, ipOf } from '../testing/lab-harness.js';

// Another project's ports on real hosts: a port that would join the victim's router (issue 13,
// item 1) is refused, and the victim's qrouter namespace gets no interface on the attacker's
// network; on the victim's shared network the attacker's port is firewalled like any instance
// (no trusted owner, no address pairs, port security on), so a spoofed source address is
// dropped while its own address passes. A control shows each observation would see the attack.

/** The NeutronError type of a refused request (or 'accepted'). */
async function refusal(request: Promise<unknown>): Promise<string> {
  try {
    await request;
    return 'accepted';
  } catch (e) {
    if (e instanceof QuarkError) return e.code;
    throw e;
  }
}

describe('ports of another project on real hosts: no way into a router, no way past the firewall', () => {
  let t: TestLab;
  let attacker: QuarkClient;
  let victimRouter: Router;
  let attackerNet: Network;
  let shared: Network;
  let victimVm: Port;
  let attackerVm: Port;

  /** The addresses in the victim router's namespace on the network node. */
  const routerAddresses = async () =>
    (await t.lab.exec('network', ['ip', '-o', '-4', 'addr', 'show'], routerNamespace(victimRouter.id))).stdout;
  const ping = (vm: string, ip: string, extra: string[] = []) =>
    t.lab.exec('compute1', ['ping', '-c', '1', '-W', '1', ...extra, ip], vm).then(
      () => true,
      () => false,
    );

  before(async () => {
    t = await testLab({
      nodes: [
        { name: 'network', roles: ['l2', 'dhcp', 'l3'] },
        { name: 'compute1', roles: ['l2'] },
      ],
    });
    attacker = t.as('attacker');
    const victim = t.as('victim');
    const { network: victimNet } = await victim.post<{ network: Network }>('/v2.0/networks', { network: { name: 'v' } });
    const { subnet } = await victim.post<{ subnet: { id: string } }>('/v2.0/subnets', {
      subnet: { network_id: victimNet.id, ip_version: 4, cidr: '10.1.0.0/24' },
    });
    victimRouter = (await victim.post<{ router: Router }>('/v2.0/routers', { router: { name: 'victim-router' } })).router;
    await victim.put(`/v2.0/routers/${victimRouter.id}/add_router_interface`, { subnet_id: subnet.id });
    attackerNet = (await attacker.post<{ network: Network }>('/v2.0/networks', { network: { name: 'a' } })).network;
    await attacker.post('/v2.0/subnets', { subnet: { network_id: attackerNet.id, ip_version: 4, cidr: '10.2.0.0/24' } });

    // The victim's shared network (made shared by the admin), with an instance that answers pings from anywhere.
    shared = (
      await t.api.post<{ network: Network }>('/v2.0/networks', { network: { name: 's', shared: true, project_id: 'victim' } })
    ).network;
    await victim.post('/v2.0/subnets', { subnet: { network_id: shared.id, ip_version: 4, cidr: '10.3.0.0/24' } });
    const groups = await victim.get<{ security_groups: SecurityGroup[] }>('/v2.0/security-groups?name=default');
    await victim.post('/v2.0/security-group-rules', {
      security_group_rule: { security_group_id: groups.security_groups[0]!.id, direction: 'ingress', protocol: 'icmp' },
    });
    victimVm = await t.instance('compute1', 'victim', { network_id: shared.id, project_id: 'victim' });
    // The attacker's own port on the shared network, made through the API as the attacker; the
    // admin (Nova's role) binds it to the compute node, and the lab plugs it.
    const { port } = await attacker.post<{ port: Port }>('/v2.0/ports', { port: { network_id: shared.id } });
    await t.api.put(`/v2.0/ports/${port.id}`, { port: { 'binding:host_id': 'compute1', device_owner: 'compute:nova' } });
    await t.lab.plug('compute1', port.id, 'attacker');
    await t.lab.exec('compute1', ['ip', 'addr', 'add', `${ipOf(port)}/24`, 'dev', 'eth0'], 'attacker');
    attackerVm = port;
    await t.until('both instances ACTIVE', () =>
      [victimVm, attackerVm].every((p) => t.store.view.get('port', p.id)?.status === 'ACTIVE'),
    );
    await t.until('the victim router’s namespace with its interface', async () =>
      (await routerAddresses().catch(() => '')).includes('10.1.0.1/24'),
    );
  });
  after(async () => {
    await t?.close();
  });

  it('refuses the attacker’s port that names the victim’s router, and the router never gets an interface on its network', async () => {
    for (const owner of ['network:router_interface', 'network:router_gateway', 'network:router_centralized_snat']) {
      const attempt = attacker.post('/v2.0/ports', {
        port: {
          network_id: attackerNet.id,
          device_owner: owner,
          device_id: victimRouter.id,
          fixed_ips: [{ ip_address: '10.2.0.1' }],
        },
      });
      assert.equal(await refusal(attempt), 'DeviceIDNotOwnedByTenant', owner);
    }
    const { port } = await attacker.post<{ port: Port }>('/v2.0/ports', { port: { network_id: attackerNet.id } });
    const moved = attacker.put(`/v2.0/ports/${port.id}`, {
      port: { device_owner: 'network:router_interface', device_id: victimRouter.id },
    });
    assert.equal(await refusal(moved), 'DeviceIDNotOwnedByTenant');
    // Let the network node's agent catch up with every write above and make a full pass, then look.
    const revision = t.store.revision;
    await t.until('the network node at the latest revision', async () => (await agentStatus(t, 'network')).revision >= revision);
    await agentStatus(t, 'network', '/resync', 'POST');
    assert.doesNotMatch(await routerAddresses(), /10\.2\.0\./, 'no interface of the victim’s router on the attacker’s network');
    assert.equal(
      t.store.view.by('port', 'device', victimRouter.id).every((p) => p.network_id !== attackerNet.id),
      true,
      'no port of the victim’s router on the attacker’s network in the store',
    );
    await attacker.delete(`/v2.0/ports/${port.id}`);
  });

  it('control: the same port made by an admin is wired into the router, so the observation above would see it', async () => {
    const { port } = await t.api.post<{ port: Port }>('/v2.0/ports', {
      port: {
        network_id: attackerNet.id,
        project_id: 'attacker',
        device_owner: 'network:router_interface',
        device_id: victimRouter.id,
        fixed_ips: [{ ip_address: '10.2.0.1' }],
      },
    });
    try {
      await t.until('the admin’s interface in the router namespace', async () =>
        (await routerAddresses()).includes('10.2.0.1/24'),
      );
      console.log(`# the victim router's addresses with the admin's port:\n${await routerAddresses()}`);
    } finally {
      await t.api.put(`/v2.0/routers/${victimRouter.id}/remove_router_interface`, { port_id: port.id });
    }
    await t.until('the interface gone again', async () => !(await routerAddresses()).includes('10.2.0.1'));
  });

  it('refuses the attacker trusted owners, address pairs and port security changes on the victim’s shared network', async () => {
    const attempts: [string, Record<string, unknown>][] = [
      ['device_owner network:dhcp', { device_owner: 'network:dhcp' }],
      ['allowed_address_pairs 0.0.0.0/0', { allowed_address_pairs: [{ ip_address: '0.0.0.0/0' }] }],
      ['port_security_enabled false', { port_security_enabled: false }],
      ['mac_address of the victim', { mac_address: victimVm.mac_address }],
      ['fixed_ips naming an address', { fixed_ips: [{ ip_address: '10.3.0.200' }] }],
    ];
    for (const [label, body] of attempts) {
      assert.equal(
        await refusal(attacker.post('/v2.0/ports', { port: { network_id: shared.id, ...body } })),
        'PolicyNotAuthorized',
        label,
      );
      assert.equal(await refusal(attacker.put(`/v2.0/ports/${attackerVm.id}`, { port: body })), 'PolicyNotAuthorized', label);
    }
  });

  it('drops the attacker’s spoofed source address at its port’s firewall, while its own address passes', async () => {
    await t.until('the attacker pings the victim from its own address', () => ping('attacker', ipOf(victimVm)));
    // Another address of the shared subnet, configured inside the attacker's instance.
    await t.lab.exec('compute1', ['ip', 'addr', 'add', '10.3.0.200/24', 'dev', 'eth0'], 'attacker');
    for (let i = 0; i < 3; i++) {
      assert.equal(await ping('attacker', ipOf(victimVm), ['-I', '10.3.0.200']), false, 'a spoofed source got through');
    }
    assert.equal(await ping('attacker', ipOf(victimVm)), true, 'its own address still passes');
    // Control: with port security off (which only the admin or the network's owner may set) the
    // same spoofed ping gets through, so the failures above are the firewall's doing.
    await t.api.put(`/v2.0/ports/${attackerVm.id}`, { port: { security_groups: [], port_security_enabled: false } });
    await t.until('the spoofed ping through an unfiltered port', () => ping('attacker', ipOf(victimVm), ['-I', '10.3.0.200']));
  });
});
