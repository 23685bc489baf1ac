import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { run } from '../dataplane/drivers/exec.js';
import { inNodeNetns } from '../lab/node.js';
import { parseLeaseFile, udhcpcArgv, writeUdhcpcHook } from '../lab/udhcpc-script.js';
import { routerNamespace, tapDevice } from '../model/names.js';
import type { Agent, FloatingIp, Network, Port, Router } from '../model/resources.js';
import { type TestLab, agentStatus, pingCounts, testLab, ipOf } from '../testing/lab-harness.js';

const PROBE = fileURLToPath(new URL('../testing/tcp-probe.js', import.meta.url));
const PORT = '7777';

/** A process the test started; its output lines are collected; stopped by pid. */
class Proc {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;

  constructor(argv: readonly string[]) {
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        this.lines.push(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
    });
    this.child.stderr!.resume();
  }

  /** SIGTERM to the pid it started (kill() of an exited child does nothing). */
  stop(): void {
    this.child.kill('SIGTERM');
  }
}

describe('L3: routers, SNAT and floating IPs on an emulated network node', () => {
  let t: TestLab;
  let hook: string;
  const procs: Proc[] = [];
  let ext: Network;
  let netA: Network;
  let routerA: Router;
  let vm1: Port;
  let vm2: Port;
  let fip: FloatingIp;
  let routerB: Router;
  let vmB: Port;

  const inInternet = (argv: readonly string[]) => ['ip', 'netns', 'exec', t.lab.fabric.internetNetns, ...argv];
  const start = async (argv: readonly string[]) => {
    const p = new Proc(argv);
    procs.push(p);
    await t.until('the probe to listen', () => p.lines.includes('listening'), 5000);
    return p;
  };
  const serveIn = (node: string, netns: string, name: string) =>
    start(inNodeNetns(t.lab.node(node).handle, netns, [process.execPath, PROBE, 'serve', PORT, name]));
  /** What a probe server at `host` answers a client in the instance: its name and the peer it sees. */
  const askFrom = async (node: string, netns: string, host: string) =>
    (await t.lab.exec(node, [process.execPath, PROBE, 'ask', host, PORT, '1500'], netns)).stdout.trim();
  const askFromInternet = async (host: string) =>
    (await run(inInternet([process.execPath, PROBE, 'ask', host, PORT, '1500']))).stdout.trim();
  const answers = async (what: string, ask: () => Promise<string>, expected: string, timeoutMs = 20_000) => {
    let last = '';
    await t
      .until(
        what,
        async () => {
          last = await ask().catch((e) => `failed: ${(e as Error).message.split('\n')[0]}`);
          return last === expected;
        },
        timeoutMs,
      )
      .catch(() => assert.fail(`${what}: expected '${expected}', last answer '${last}'`));
  };

  const gatewayIp = async (r: Router) =>
    (await t.api.get<{ router: Router }>(`/v2.0/routers/${r.id}`)).router.external_gateway_info!.external_fixed_ips[0]!
      .ip_address;

  async function tenantNetwork(project: string, cidr: string, name: string): Promise<{ net: Network; subnet: string }> {
    const { network: net } = await t.api.post<{ network: Network }>('/v2.0/networks', {
      network: { name, project_id: project },
    });
    const { subnet } = await t.api.post<{ subnet: { id: string } }>('/v2.0/subnets', {
      subnet: { network_id: net.id, ip_version: 4, cidr, project_id: project },
    });
    return { net, subnet: subnet.id };
  }

  async function routerWithGateway(project: string, name: string): Promise<Router> {
    return (
      await t.api.post<{ router: Router }>('/v2.0/routers', {
        router: { name, project_id: project, external_gateway_info: { network_id: ext.id } },
      })
    ).router;
  }

  async function instance(
    node: string,
    netns: string,
    net: Network,
    project: string,
    gateway: string,
    extra: Record<string, unknown> = {},
  ): Promise<Port> {
    const p = await t.instance(node, netns, { network_id: net.id, project_id: project, port_security_enabled: false, ...extra });
    // The instance takes its address, MTU and default route (the router) from DHCP.
    const leaseFile = join(t.lab.options.dir, `${netns}.lease`);
    await t.until(
      `a DHCP lease for ${netns}`,
      () =>
        t.lab.exec(node, udhcpcArgv({ hook, leaseFile, tries: 3 }), netns).then(
          () => true,
          () => false,
        ),
      30_000,
    );
    const lease = parseLeaseFile(readFileSync(leaseFile, 'utf8'));
    assert.equal(lease.ip, p.fixed_ips[0]!.ip_address);
    assert.equal(lease.router, gateway);
    return p;
  }

  async function routerPortsReady(r: Router): Promise<void> {
    await t.until(
      `the ports of router ${r.name} bound to the network node and ACTIVE`,
      () => {
        const ports = t.store.view.by('port', 'device', r.id);
        return ports.length > 0 && ports.every((p) => p['binding:host_id'] === 'network' && p.status === 'ACTIVE');
      },
      20_000,
    );
  }

  before(async () => {
    t = await testLab({
      nodes: [
        { name: 'network', roles: ['l2', 'dhcp', 'l3'], external: true },
        { name: 'compute1', roles: ['l2'] },
      ],
      tunnelType: 'gre',
      staticAddresses: false,
    });
    hook = writeUdhcpcHook(join(t.lab.options.dir, 'udhcpc-hook.sh'));
    ext = (
      await t.api.post<{ network: Network }>('/v2.0/networks', {
        network: {
          name: 'public',
          'router:external': true,
          'provider:network_type': 'flat',
          'provider:physical_network': 'physnet1',
        },
      })
    ).network;
    await t.api.post('/v2.0/subnets', {
      subnet: { network_id: ext.id, ip_version: 4, cidr: '203.0.113.0/24', gateway_ip: '203.0.113.1', enable_dhcp: false },
    });
    await start(inInternet([process.execPath, PROBE, 'serve', PORT, 'internet']));
  });

  after(async () => {
    try {
      for (const p of procs) p.stop();
    } finally {
      await t?.close();
    }
  });

  it('an instance behind a router reaches the internet host, which sees the gateway address (SNAT)', async () => {
    const a = await tenantNetwork('alpha', '10.0.0.0/24', 'alpha-a');
    netA = a.net;
    routerA = await routerWithGateway('alpha', 'router-a');
    await t.api.put(`/v2.0/routers/${routerA.id}/add_router_interface`, { subnet_id: a.subnet });
    // A fixed address well above the pool's start: the DHCP agent takes the first free address of each
    // network whenever it gets there, and the overlapping-cidr test below reuses this one in another project.
    vm1 = await instance('compute1', 'vm1', netA, 'alpha', '10.0.0.1', { fixed_ips: [{ ip_address: '10.0.0.50' }] });
    await routerPortsReady(routerA);
    const gw = await gatewayIp(routerA);
    await answers('vm1 to reach the internet host', () => askFrom('compute1', 'vm1', '203.0.113.1'), `internet ${gw}`);
  });

  it('with enable_snat false the internet host sees the instance address, and SNAT comes back when enabled', async () => {
    const gw = await gatewayIp(routerA);
    const route = ['ip', 'route', '10.0.0.0/24', 'via', gw];
    await run(inInternet([route[0]!, route[1]!, 'add', ...route.slice(2)]));
    try {
      await t.api.put(`/v2.0/routers/${routerA.id}`, {
        router: { external_gateway_info: { network_id: ext.id, enable_snat: false } },
      });
      await answers('no SNAT', () => askFrom('compute1', 'vm1', '203.0.113.1'), `internet ${ipOf(vm1)}`);
      await t.api.put(`/v2.0/routers/${routerA.id}`, {
        router: { external_gateway_info: { network_id: ext.id, enable_snat: true } },
      });
      await answers('SNAT again', () => askFrom('compute1', 'vm1', '203.0.113.1'), `internet ${gw}`);
    } finally {
      await run(inInternet([route[0]!, route[1]!, 'del', ...route.slice(2)]));
    }
  });

  it('the internet host reaches an instance by its floating IP, which is also the source of its own connections', async () => {
    await serveIn('compute1', 'vm1', 'vm1');
    fip = (
      await t.api.post<{ floatingip: FloatingIp }>('/v2.0/floatingips', {
        floatingip: { floating_network_id: ext.id, port_id: vm1.id, project_id: 'alpha' },
      })
    ).floatingip;
    assert.equal(fip.status, 'DOWN');
    const address = fip.floating_ip_address;
    await answers('the internet host to reach vm1 by its floating IP', () => askFromInternet(address), 'vm1 203.0.113.1');
    await answers('vm1 to leave through its floating IP', () => askFrom('compute1', 'vm1', '203.0.113.1'), `internet ${address}`);
    await t.until('the floating IP ACTIVE', () => t.store.view.get('floatingip', fip.id)?.status === 'ACTIVE');
  });

  it('an instance reaches another instance by its floating IP through the router (hairpin SNAT)', async () => {
    vm2 = await instance('compute1', 'vm2', netA, 'alpha', '10.0.0.1');
    await t.until('vm2 ACTIVE', () => t.store.view.get('port', vm2.id)?.status === 'ACTIVE');
    const gw = await gatewayIp(routerA);
    await answers('vm2 to reach vm1 by its floating IP', () => askFrom('compute1', 'vm2', fip.floating_ip_address), `vm1 ${gw}`);
  });

  it('moving the floating IP to another instance moves the traffic within a second', async () => {
    await serveIn('compute1', 'vm2', 'vm2');
    await answers('vm1 behind the floating IP', () => askFromInternet(fip.floating_ip_address), 'vm1 203.0.113.1');
    await t.api.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: vm2.id } });
    await answers('vm2 behind the floating IP', () => askFromInternet(fip.floating_ip_address), 'vm2 203.0.113.1', 1000);
  });

  it('disassociating the floating IP cuts an established TCP session', async () => {
    const session = new Proc(inInternet([process.execPath, PROBE, 'session', fip.floating_ip_address, PORT]));
    procs.push(session);
    const echoes = () => session.lines.filter((l) => l.startsWith('echo')).length;
    await t.until('the session to carry data', () => echoes() >= 3, 5000);
    assert.equal(session.lines[0], 'greeting vm2 203.0.113.1');
    await t.api.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } });
    const ns = routerNamespace(routerA.id);
    const tracked = async () =>
      (await t.lab.exec('network', ['conntrack', '-L', '-d', fip.floating_ip_address, '-r', ipOf(vm2)], ns)).stdout.trim();
    await t.until('no connection tracked through the old mapping', async () => (await tracked()) === '');
    assert.ok(
      !(await t.lab.exec('network', ['ip', '-o', 'addr'], ns)).stdout.includes(`${fip.floating_ip_address}/32`),
      'the floating IP left the router',
    );
    const before = echoes();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(echoes(), before, `the session went on: ${session.lines.slice(-3).join(' | ')}`);
    session.stop();
  });

  it('two instances on different subnets behind one router reach each other without NAT (east-west)', async () => {
    const c = await tenantNetwork('alpha', '10.1.0.0/24', 'alpha-c');
    await t.api.put(`/v2.0/routers/${routerA.id}/add_router_interface`, { subnet_id: c.subnet });
    const vm3 = await instance('network', 'vm3', c.net, 'alpha', '10.1.0.1');
    await serveIn('network', 'vm3', 'vm3');
    await routerPortsReady(routerA);
    await answers('vm1 to reach vm3', () => askFrom('compute1', 'vm1', ipOf(vm3)), `vm3 ${ipOf(vm1)}`);
    await answers('vm3 to reach vm1', () => askFrom('network', 'vm3', ipOf(vm1)), `vm1 ${ipOf(vm3)}`);
  });

  it('two projects using the same cidr behind different routers both reach the internet host', async () => {
    const b = await tenantNetwork('beta', '10.0.0.0/24', 'beta-b');
    routerB = await routerWithGateway('beta', 'router-b');
    await t.api.put(`/v2.0/routers/${routerB.id}/add_router_interface`, { subnet_id: b.subnet });
    vmB = await instance('compute1', 'vmb', b.net, 'beta', '10.0.0.1', { fixed_ips: [{ ip_address: ipOf(vm1) }] });
    assert.equal(ipOf(vmB), ipOf(vm1), 'the same address in both projects');
    await routerPortsReady(routerB);
    await answers(
      'vmb to reach the internet host',
      () => askFrom('compute1', 'vmb', '203.0.113.1'),
      `internet ${await gatewayIp(routerB)}`,
    );
    await answers('vm1 still', () => askFrom('compute1', 'vm1', '203.0.113.1'), `internet ${await gatewayIp(routerA)}`);
  });

  it('retries a router whose iptables cannot be applied, with backoff, while the other router converges', async () => {
    const nsA = routerNamespace(routerA.id);
    const nsB = routerNamespace(routerB.id);
    const objects = async (step: string) => (await agentStatus(t, 'network')).steps[step]?.objects ?? {};
    // Someone else's rule jumps to a chain with the agent's prefix: the agent deletes the chain as
    // stale, and iptables-restore fails in that namespace while the rule uses it.
    const foreign = ['FORWARD', '-s', '192.0.2.1/32', '-j', 'quark-l3-stale'];
    await t.lab.exec('network', ['iptables', '-N', 'quark-l3-stale'], nsA);
    await t.lab.exec('network', ['iptables', '-A', ...foreign], nsA);
    let fipB: FloatingIp | null = null;
    try {
      const status = await agentStatus(t, 'network', '/resync', 'POST');
      const iptables = status.steps.iptables?.objects ?? {};
      assert.equal(iptables[nsA]?.state, 'error', JSON.stringify(iptables));
      assert.equal(iptables[nsB]?.state, 'applied');
      assert.equal(status.steps['floating-ips']?.objects[nsA]?.error, 'waiting for iptables');
      assert.match(status.last?.error ?? '', new RegExp(`^iptables ${nsA}: `));
      fipB = (
        await t.api.post<{ floatingip: FloatingIp }>('/v2.0/floatingips', {
          floatingip: { floating_network_id: ext.id, port_id: vmB.id, project_id: 'beta' },
        })
      ).floatingip;
      const address = fipB.floating_ip_address;
      await t.until('router B to serve its new floating IP', () => t.store.view.get('floatingip', fipB!.id)?.status === 'ACTIVE');
      assert.match((await t.lab.exec('network', ['iptables-save', '-t', 'nat'], nsB)).stdout, new RegExp(`-d ${address}/32 `));
      await t.until(
        'router A tried again, later each time',
        async () => ((await objects('iptables'))[nsA]?.failures ?? 0) >= 3,
        10_000,
      );
    } finally {
      await t.lab.exec('network', ['iptables', '-D', ...foreign], nsA);
      if (fipB) await t.api.delete(`/v2.0/floatingips/${fipB.id}`);
    }
    await t.until(
      'router A applied at its next retry',
      async () => (await objects('iptables'))[nsA]?.state === 'applied',
      10_000,
    );
    assert.doesNotMatch((await t.lab.exec('network', ['iptables-save'], nsA)).stdout, /quark-l3-stale/);
  });

  it('keeps forwarding while the network node agent is killed and restarted', async () => {
    // 5 s of pings: the restarted agent's first full pass ends well before the last one, so a
    // reply is never cut off by ping's own final wait.
    const ping = t.lab.exec('compute1', ['ping', '-c', '500', '-i', '0.01', '-W', '1', '203.0.113.1'], 'vm1');
    await new Promise((r) => setTimeout(r, 300));
    await t.lab.stopAgent('network', 'SIGKILL');
    t.lab.startAgent('network');
    const out = (await ping).stdout;
    const result = pingCounts(out);
    const answered = new Set([...out.matchAll(/icmp_seq=(\d+)/g)].map((m) => Number(m[1])));
    const missing = Array.from({ length: result.sent }, (_, i) => i + 1).filter((seq) => !answered.has(seq));
    assert.equal(result.sent, 500);
    assert.equal(result.received, 500, `lost ${result.sent - result.received} of ${result.sent}: icmp_seq ${missing.join(', ')}`);
    await t.until(
      'the network node agent synced again',
      async () => (await agentStatus(t, 'network').catch(() => null))?.synced === true,
    );
  });

  it('finds nothing to change in a forced full resync after all these changes', async () => {
    for (const node of ['network', 'compute1']) {
      await t.until(`${node} idle`, async () => (await agentStatus(t, node)).last !== null);
      const status = await agentStatus(t, node, '/resync', 'POST');
      assert.equal(status.last?.full, true);
      assert.equal(status.last?.error, null);
      assert.equal(status.last?.changes, 0, `${node}: ${JSON.stringify(status.last)}`);
    }
  });

  it('reports its routers, gateways, interfaces and floating IPs in the L3 agent heartbeat', async () => {
    const l3 = async () =>
      (await t.api.get<{ agents: Agent[] }>('/v2.0/agents?agent_type=L3%20agent&host=network')).agents[0]?.configurations;
    await t.until(
      'a heartbeat with the counters',
      async () => {
        const c = await l3();
        return c?.routers === 2 && c?.interfaces === 3 && c?.ex_gw_ports === 2 && c?.floating_ips === 0;
      },
      25_000,
    );
  });

  it('deleting a router removes its namespace and devices', async () => {
    const routerB = (await t.api.get<{ routers: Router[] }>('/v2.0/routers?name=router-b')).routers[0]!;
    const ports = t.store.view.by('port', 'device', routerB.id);
    const iface = ports.find((p) => p.device_owner === 'network:router_interface')!;
    await t.api.put(`/v2.0/routers/${routerB.id}/remove_router_interface`, { port_id: iface.id });
    await t.api.delete(`/v2.0/routers/${routerB.id}`);
    await t.until('the namespace and devices to go', async () => {
      const netns = (await t.lab.exec('network', ['ip', 'netns', 'list'])).stdout;
      const links = (await t.lab.exec('network', ['ip', '-o', 'link'])).stdout;
      const ovs = (await t.lab.exec('network', ['ovs-vsctl', 'list-ports', 'br-int'])).stdout;
      return (
        !netns.includes(routerNamespace(routerB.id)) &&
        ports.every((p) => !links.includes(tapDevice(p.id)) && !ovs.includes(tapDevice(p.id)))
      );
    });
    const netns = (await t.lab.exec('network', ['ip', 'netns', 'list'])).stdout;
    assert.ok(netns.includes(routerNamespace(routerA.id)), 'the other router stays');
  });
});

describe('L3: a router moves to the other network node when its L3 agent is disabled', () => {
  let t: TestLab;
  after(() => t?.close());

  it('unbinds the ports on the old host, binds and wires them on the new one, and traffic follows', async () => {
    t = await testLab({
      nodes: [
        { name: 'network', roles: ['l2', 'l3'], external: true },
        { name: 'network2', roles: ['l2', 'l3'], external: true },
        { name: 'compute1', roles: ['l2'] },
      ],
      tunnelType: 'vxlan',
    });
    const ext = (
      await t.api.post<{ network: Network }>('/v2.0/networks', {
        network: { 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' },
      })
    ).network;
    await t.api.post('/v2.0/subnets', {
      subnet: { network_id: ext.id, ip_version: 4, cidr: '203.0.113.0/24', gateway_ip: '203.0.113.1', enable_dhcp: false },
    });
    const net = (await t.api.post<{ network: Network }>('/v2.0/networks', { network: { project_id: 'alpha' } })).network;
    const subnet = (
      await t.api.post<{ subnet: { id: string } }>('/v2.0/subnets', {
        subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24', project_id: 'alpha', enable_dhcp: false },
      })
    ).subnet;
    await t.until('both L3 agents', () => t.store.view.all('agent').filter((a) => a.agent_type === 'L3 agent').length === 2);
    const router = (
      await t.api.post<{ router: Router }>('/v2.0/routers', {
        router: { project_id: 'alpha', external_gateway_info: { network_id: ext.id } },
      })
    ).router;
    await t.api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
    const vm = await t.instance('compute1', 'vm1', { network_id: net.id, project_id: 'alpha', port_security_enabled: false });
    await t.lab.exec('compute1', ['ip', 'route', 'add', 'default', 'via', '10.0.0.1'], 'vm1');
    const hostOf = async () => (await t.api.get<{ agents: Agent[] }>(`/v2.0/routers/${router.id}/l3-agents`)).agents[0]!;
    const first = await hostOf();
    const other = first.host === 'network' ? 'network2' : 'network';
    const boundTo = (host: string) => () => {
      const ports = t.store.view.by('port', 'device', router.id);
      return ports.length === 2 && ports.every((p) => p['binding:host_id'] === host && p.status === 'ACTIVE');
    };
    await t.until(`the router ports wired on ${first.host}`, boundTo(first.host), 20_000);
    const ping = () =>
      t.lab.exec('compute1', ['ping', '-c', '1', '-W', '1', '203.0.113.1'], 'vm1').then(
        () => true,
        () => false,
      );
    await t.until('vm1 to reach the internet host', ping, 20_000);

    await t.api.put(`/v2.0/agents/${first.id}`, { agent: { admin_state_up: false } });
    await t.until(`the router ports wired on ${other}`, boundTo(other), 20_000);
    await t.until(
      `the namespace to leave ${first.host}`,
      async () => !(await t.lab.exec(first.host, ['ip', 'netns', 'list'])).stdout.includes(routerNamespace(router.id)),
    );
    await t.until('vm1 to reach the internet host through the new node', ping, 20_000);
    assert.equal(t.store.view.get('port', vm.id)?.status, 'ACTIVE');
  });
});
