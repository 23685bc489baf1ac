import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Dhclient6Options, dhclient6Argv, writeDhclient6Hook } from '../lab/dhclient6-script.js';
import { parseLeaseFile } from '../lab/udhcpc-script.js';
import { inNodeNetns } from '../lab/node.js';
import { qbrBridge, qvbDevice, qvoDevice, radvdStateDir, routerNamespace, tapDevice } from '../model/names.js';
import type { Network, Port, Router, Subnet } from '../model/resources.js';
import { type TestLab, agentStatus, pingCounts, testLab } from '../testing/lab-harness.js';

/**
 * IPv6 end to end on an emulated network node and compute node: router advertisements from
 * radvd in the qrouter namespace (SLAAC), DHCPv6 from dnsmasq (stateful and stateless), routing
 * between IPv6 subnets, and the security groups' IPv6 guarantees checked with real packets:
 * neighbour discovery passes, an instance's router advertisements and DHCPv6 server replies do
 * not leave it, and it cannot send from another port's address, global or link-local.
 */
describe('IPv6: router advertisements, DHCPv6 and security groups', () => {
  let t: TestLab;
  let hook: string;
  let router: Router;
  let slaacNet: Network;
  let slaac: Subnet;
  let dhcpNet: Network;
  let stateful: Subnet;
  let vm1: Port;
  let vm2: Port;
  let vm3: Port;
  const daemons: ChildProcess[] = [];

  const v6Of = (p: Port, s: Subnet) => p.fixed_ips.find((f) => f.subnet_id === s.id)!.ip_address;
  const exec = (netns: string, argv: readonly string[]) => t.lab.exec('compute', argv, netns);
  const tryExec = (netns: string, argv: readonly string[]) =>
    exec(netns, argv).then(
      (r) => ({ ok: true, out: r.stdout }),
      (e: Error) => ({ ok: false, out: e.message }),
    );
  const routes6 = async (netns: string) => (await exec(netns, ['ip', '-6', 'route', 'show'])).stdout;
  const addresses6 = async (netns: string) => (await exec(netns, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout;
  const linkLocal = async (netns: string) => /inet6 (fe80::[0-9a-f:]+)\/64/.exec(await addresses6(netns))?.[1] ?? '';
  /** A router solicitation, as an instance's kernel sends at boot: radvd answers it at once. */
  const solicit = (netns: string) => tryExec(netns, ['rdisc6', '-1', '-w', '1000', 'eth0']);
  /** Packets counted by the rule of vm's egress chain that matches `pattern`. */
  const egressDrops = async (vm: Port, pattern: string) => {
    const saved = (await t.lab.exec('compute', ['ip6tables-save', '-c', '-t', 'filter'])).stdout;
    const line = saved.split('\n').find((l) => l.includes(`-A quark-fw-o${vm.id.slice(0, 10)} `) && l.includes(pattern));
    return Number(/^\[(\d+):/.exec(line ?? '')?.[1] ?? 0);
  };
  /** Runs a daemon in an instance (radvd, dnsmasq) in the foreground; stopped by the pid the test started. */
  const daemonIn = (netns: string, argv: readonly string[]) => {
    const full = inNodeNetns(t.lab.node('compute').handle, netns, argv);
    const child = spawn(full[0]!, full.slice(1), { stdio: 'ignore' });
    daemons.push(child);
    return child;
  };
  const dhclient = (netns: string, extra: Partial<Dhclient6Options> = {}, seconds = 12) => {
    const dir = t.lab.options.dir;
    const tag = `${netns}-${Math.random().toString(16).slice(2, 8)}`;
    const options: Dhclient6Options = {
      hook,
      leases: join(dir, `${tag}.leases6`),
      pidFile: join(dir, `${tag}.pid`),
      leaseFile: join(dir, `${tag}.lease6`),
      ...extra,
    };
    return { options, argv: ['timeout', String(seconds), ...dhclient6Argv(options)] };
  };
  /** Stops the dhclient a run left in the background, by its pid file. */
  const stopDhclient = (pidFile: string) => {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
    } catch {
      // no lease, no daemon
    }
  };

  async function subnet(net: Network, body: Record<string, unknown>): Promise<Subnet> {
    return (await t.api.post<{ subnet: Subnet }>('/v2.0/subnets', { subnet: { network_id: net.id, project_id: 'six', ...body } }))
      .subnet;
  }

  async function network(name: string): Promise<Network> {
    return (await t.api.post<{ network: Network }>('/v2.0/networks', { network: { name, project_id: 'six' } })).network;
  }

  before(async () => {
    t = await testLab({
      nodes: [
        { name: 'network', roles: ['l2', 'dhcp', 'l3'] },
        { name: 'compute', roles: ['l2'] },
      ],
      staticAddresses: false,
    });
    hook = writeDhclient6Hook(join(t.lab.options.dir, 'dhclient6-hook.sh'));
    slaacNet = await network('slaac-net');
    slaac = await subnet(slaacNet, {
      ip_version: 6,
      cidr: '2001:db8:1::/64',
      ipv6_ra_mode: 'slaac',
      ipv6_address_mode: 'slaac',
    });
    dhcpNet = await network('dhcp6-net');
    stateful = await subnet(dhcpNet, {
      ip_version: 6,
      cidr: '2001:db8:2::/64',
      ipv6_ra_mode: 'dhcpv6-stateful',
      ipv6_address_mode: 'dhcpv6-stateful',
    });
    router = (await t.api.post<{ router: Router }>('/v2.0/routers', { router: { name: 'r6', project_id: 'six' } })).router;
    for (const s of [slaac, stateful]) await t.api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: s.id });
    // The rogue instance of the tests below opens its own group to DHCPv6 clients, as an attacker would.
    const { security_groups } = await t.api.get<{ security_groups: { id: string }[] }>(
      '/v2.0/security-groups?name=default&project_id=six',
    );
    await t.api.post('/v2.0/security-group-rules', {
      security_group_rule: {
        security_group_id: security_groups[0]!.id,
        direction: 'ingress',
        ethertype: 'IPv6',
        protocol: 'udp',
        port_range_min: 547,
        port_range_max: 547,
        project_id: 'six',
      },
    });
    vm1 = await t.instance('compute', 'vm1', { network_id: slaacNet.id, project_id: 'six' });
    vm2 = await t.instance('compute', 'vm2', { network_id: dhcpNet.id, project_id: 'six' });
    vm3 = await t.instance('compute', 'vm3', { network_id: slaacNet.id, project_id: 'six' });
  });

  after(async () => {
    for (const d of daemons) d.kill('SIGTERM');
    await t?.close();
  });

  it('the router advertises the SLAAC prefix: an instance makes the EUI-64 address the API gave its port', async () => {
    assert.equal(slaac.gateway_ip, '2001:db8:1::', 'the subnet-router anycast address, as Neutron 21');
    const want = v6Of(vm1, slaac);
    await t.until(
      'vm1 to configure its SLAAC address and a default route from the router',
      async () => {
        await solicit('vm1');
        return (await addresses6('vm1')).includes(`${want}/64`) && (await routes6('vm1')).includes('default via fe80::');
      },
      60_000,
    );
    const conf = readFileSync(`${radvdStateDir(join(t.lab.node('network').handle.dir, 'state'), router.id)}/radvd.conf`, 'utf8');
    assert.match(conf, /prefix 2001:db8:1::\/64\n {3}\{\n {8}AdvOnLink on;\n {8}AdvAutonomous on;/);
    assert.match(conf, /AdvManagedFlag on;[\s\S]*prefix 2001:db8:2::\/64\n {3}\{\n {8}AdvOnLink on;\n {8}AdvAutonomous off;/);
  });

  it('DHCPv6 (stateful) from dnsmasq gives an instance the address the API allocated', async () => {
    const run = dhclient('vm2');
    try {
      await t.until('a DHCPv6 lease for vm2', async () => (await tryExec('vm2', run.argv)).ok, 40_000);
    } finally {
      stopDhclient(run.options.pidFile);
    }
    const lease = parseLeaseFile(readFileSync(run.options.leaseFile!, 'utf8'));
    assert.equal(lease.ip, v6Of(vm2, stateful));
    await t.until('vm2 to learn the on-link prefix and its default router', async () => {
      await solicit('vm2');
      const r = await routes6('vm2');
      return r.includes('2001:db8:2::/64') && r.includes('default via fe80::');
    });
  });

  it('routes IPv6 between the two subnets without NAT, with neighbour discovery through both firewalls', async () => {
    const to = v6Of(vm2, stateful);
    await t.until(
      'vm1 to ping vm2 across the router',
      async () => (await tryExec('vm1', ['ping', '-6', '-c', '1', '-W', '1', to])).ok,
      20_000,
    );
    // No NAT between the subnets: vm2 answers vm1's own address.
    const reply = await exec('vm2', ['ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', v6Of(vm1, slaac)]);
    assert.equal(pingCounts(reply.stdout).received, 2);
  });

  it('turns IPv6 off on the hybrid plug devices of the compute host', async () => {
    for (const device of [qbrBridge(vm1.id), tapDevice(vm1.id), qvbDevice(vm1.id), qvoDevice(vm1.id)]) {
      const value = (await t.lab.exec('compute', ['cat', `/proc/sys/net/ipv6/conf/${device}/disable_ipv6`])).stdout.trim();
      assert.equal(value, '1', device);
      const addresses = (await t.lab.exec('compute', ['ip', '-6', '-o', 'addr', 'show', 'dev', device])).stdout;
      assert.equal(addresses.trim(), '', `${device} has no IPv6 address`);
    }
  });

  it('drops router advertisements an instance sends: nobody takes its prefix or its default route', async () => {
    const rogueLl = await linkLocal('vm3');
    assert.ok(rogueLl, 'vm3 has a link-local address');
    const conf = join(t.lab.options.dir, 'rogue-radvd.conf');
    writeFileSync(
      conf,
      'interface eth0 {\n AdvSendAdvert on;\n MinRtrAdvInterval 3;\n MaxRtrAdvInterval 4;\n AdvDefaultPreference high;\n prefix 2001:db8:bad::/64 { AdvOnLink on; AdvAutonomous on; };\n};\n',
      { mode: 0o644 },
    );
    daemonIn('vm3', ['radvd', '-n', '-C', conf, '-p', join(t.lab.options.dir, 'rogue-radvd.pid'), '-m', 'stderr']);
    await t.until(
      'the rogue advertisements to be dropped at vm3',
      async () => (await egressDrops(vm3, '--icmpv6-type 134')) >= 2,
      20_000,
    );
    // vm1 solicits again: the rogue answers too, and only the real router may be heard.
    await solicit('vm1');
    const r = await routes6('vm1');
    assert.ok(!r.includes(rogueLl), `vm1 routes via the rogue instance:\n${r}`);
    assert.ok(!r.includes('2001:db8:bad'), `vm1 took the rogue prefix:\n${r}`);
    assert.ok(!(await addresses6('vm1')).includes('2001:db8:bad'));
  });

  it("drops DHCPv6 server replies an instance sends: another instance's client gets no answer from it", async () => {
    // The SLAAC subnet has no DHCPv6 service of the cloud's: any reply would be vm3's.
    const dir = t.lab.options.dir;
    await t.until('vm3 to have its SLAAC address (dnsmasq serves the prefix of an address it holds)', async () => {
      await solicit('vm3');
      return (await addresses6('vm3')).includes(`${v6Of(vm3, slaac)}/64`);
    });
    daemonIn('vm3', [
      'dnsmasq',
      '--keep-in-foreground',
      '--no-hosts',
      '--no-resolv',
      '--port=0',
      '--conf-file=/dev/null',
      `--pid-file=${join(dir, 'rogue-dnsmasq.pid')}`,
      `--dhcp-leasefile=${join(dir, 'rogue-dnsmasq.leases')}`,
      '--interface=eth0',
      '--dhcp-range=2001:db8:1::100,2001:db8:1::1ff,64,600',
    ]);
    await new Promise((r) => setTimeout(r, 500));
    const run = dhclient('vm1', {}, 5);
    const got = await tryExec('vm1', run.argv);
    stopDhclient(run.options.pidFile);
    assert.ok(!got.ok, 'vm1 got a DHCPv6 lease from vm3');
    assert.ok((await egressDrops(vm3, '--sport 547 --dport 546')) > 0, 'vm3 did answer, and its answers were dropped');
    assert.ok(!(await addresses6('vm1')).includes('2001:db8:1::1'), 'no address from the rogue range');
  });

  it("cannot send from another port's IPv6 address, nor from a link-local address not its own", async () => {
    const victim = v6Of(vm1, slaac);
    const target = v6Of(vm2, stateful);
    await exec('vm3', ['ip', '-6', 'addr', 'add', `${victim}/128`, 'dev', 'eth0', 'nodad']);
    const spoofed = await tryExec('vm3', ['ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', '-I', victim, target]);
    assert.ok(!spoofed.ok || pingCounts(spoofed.out).received === 0, 'a spoofed global source got through');
    const own = await tryExec('vm3', ['ping', '-6', '-c', '1', '-W', '2', '-I', v6Of(vm3, slaac), target]);
    assert.ok(own.ok, `vm3 from its own address: ${own.out}`);
    // Neighbour discovery passes every group (Neutron's fixed ICMPv6 rules): a neighbour
    // solicitation for vm1's link-local address is answered when it comes from vm3's own.
    const vm1Ll = await linkLocal('vm1');
    const ownLl = await linkLocal('vm3');
    const solicitVm1 = () => tryExec('vm3', ['ndisc6', '-1', '-r', '2', '-w', '1000', vm1Ll, 'eth0']);
    const fromOwn = await solicitVm1();
    assert.ok(fromOwn.ok, `vm3 from its own link-local address: ${fromOwn.out}`);
    // The kernel picks the source of a link-local solicitation from the link-local addresses it has: only a made-up one now.
    await exec('vm3', ['ip', '-6', 'addr', 'del', `${ownLl}/64`, 'dev', 'eth0']);
    await exec('vm3', ['ip', '-6', 'addr', 'add', 'fe80::bad/64', 'dev', 'eth0', 'nodad']);
    try {
      const fake = await solicitVm1();
      assert.ok(!fake.ok, `a made-up link-local source got an answer: ${fake.out}`);
    } finally {
      await exec('vm3', ['ip', '-6', 'addr', 'del', 'fe80::bad/64', 'dev', 'eth0']);
      await exec('vm3', ['ip', '-6', 'addr', 'add', `${ownLl}/64`, 'dev', 'eth0', 'nodad']);
    }
  });

  it('DHCPv6 (stateless) answers options only, and radvd reloads on SIGHUP when a subnet joins the router', async () => {
    const stateDir = radvdStateDir(join(t.lab.node('network').handle.dir, 'state'), router.id);
    const pid = readFileSync(`${stateDir}/pid`, 'utf8').trim();
    // On the SLAAC network: dnsmasq tags an information request with its subnet only when the
    // link has one DHCPv6 range (measured: beside a stateful range the reply carries no DNS server).
    const stateless = await subnet(slaacNet, {
      ip_version: 6,
      cidr: '2001:db8:3::/64',
      ipv6_ra_mode: 'dhcpv6-stateless',
      ipv6_address_mode: 'dhcpv6-stateless',
      dns_nameservers: ['2001:db8::53'],
    });
    await t.api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: stateless.id });
    await t.until(
      'radvd to advertise the new prefix',
      () => readFileSync(`${stateDir}/radvd.conf`, 'utf8').includes('prefix 2001:db8:3::/64'),
      20_000,
    );
    assert.equal(readFileSync(`${stateDir}/pid`, 'utf8').trim(), pid, 'the same radvd process (reloaded, not restarted)');
    const port = (await t.api.get<{ port: Port }>(`/v2.0/ports/${vm1.id}`)).port;
    const eui64 = v6Of(port, stateless);
    await t.until(
      'vm1 to autoconfigure its stateless address',
      async () => {
        await solicit('vm1');
        return (await addresses6('vm1')).includes(`${eui64}/64`);
      },
      60_000,
    );
    let lease: Record<string, string> = {};
    await t.until(
      "a DHCPv6 information reply for vm1 with the subnet's DNS server",
      async () => {
        const run = dhclient('vm1', { stateless: true });
        const got = await tryExec('vm1', run.argv);
        stopDhclient(run.options.pidFile);
        if (got.ok) lease = parseLeaseFile(readFileSync(run.options.leaseFile!, 'utf8'));
        return (lease.dns ?? '').includes('2001:db8::53');
      },
      30_000,
    );
    assert.equal(lease.ip, '', 'stateless: no address');
  });

  it('finds nothing to change in a forced full resync', async () => {
    for (const node of ['network', 'compute']) {
      const status = await agentStatus(t, node, '/resync', 'POST');
      const steps = status.last?.steps.filter((s) => s.changes > 0).map((s) => `${s.step}: ${s.changes}`);
      assert.equal(status.last?.changes, 0, `${node}: ${steps?.join(', ')}`);
    }
    assert.ok(
      (await t.lab.exec('network', ['ip', '-6', 'addr', 'show'], routerNamespace(router.id))).stdout.includes('2001:db8:3::/64'),
    );
  });
});
