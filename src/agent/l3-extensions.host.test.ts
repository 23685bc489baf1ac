import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { run } from '../dataplane/drivers/exec.js';
import { inNodeNetns } from '../lab/node.js';
import { meteringChain, routerNamespace } from '../model/names.js';
import type { FloatingIp, MeteringCounter, Network, Port, PortForwarding, Router } from '../model/resources.js';
import { type TestLab, agentStatus, testLab, ipOf } from '../testing/lab-harness.js';

const PROBE = fileURLToPath(new URL('../testing/tcp-probe.js', import.meta.url));
const FTP = fileURLToPath(new URL('../testing/ftp-probe.js', import.meta.url));
const INTERNET = '203.0.113.1';

/** A process the test started; its output lines are collected; stopped by pid. */
class Proc {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(argv: readonly string[]) {
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
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

describe('router extensions on an emulated network node: port forwarding, conntrack helpers, metering', () => {
  let t: TestLab;
  const procs: Proc[] = [];
  let ext: Network;
  let net: Network;
  let router: Router;
  let vm1: Port;
  let vm2: Port;
  let fip: FloatingIp;
  const forwardings: Record<string, PortForwarding> = {};

  const inInternet = (argv: readonly string[]) => ['ip', 'netns', 'exec', t.lab.fabric.internetNetns, ...argv];
  const start = async (argv: readonly string[], ready = 'listening') => {
    const p = new Proc(argv);
    procs.push(p);
    await t.until(`${argv.join(' ')} to start`, () => p.lines.includes(ready), 5000);
    return p;
  };
  const serveIn = (netns: string, port: number, name: string) =>
    start(inNodeNetns(t.lab.node('compute1').handle, netns, [process.execPath, PROBE, 'serve', String(port), name]));
  const askFromInternet = async (host: string, port: number) =>
    (await run(inInternet([process.execPath, PROBE, 'ask', host, String(port), '1500']))).stdout.trim();
  const askFrom = async (netns: string, host: string, port: number) =>
    (await t.lab.exec('compute1', [process.execPath, PROBE, 'ask', host, String(port), '1500'], netns)).stdout.trim();
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
  const ns = () => routerNamespace(router.id);
  const routerTables = async (table: string) => (await t.lab.exec('network', ['iptables-save', '-c', '-t', table], ns())).stdout;

  async function instance(name: string, address: string): Promise<Port> {
    const p = await t.instance('compute1', name, {
      network_id: net.id,
      project_id: 'alpha',
      port_security_enabled: false,
      fixed_ips: [{ ip_address: address }],
    });
    await t.lab.exec('compute1', ['ip', 'route', 'add', 'default', 'via', '10.0.0.1'], name);
    return p;
  }

  async function forward(name: string, to: Port, body: Record<string, unknown>): Promise<PortForwarding> {
    const { port_forwarding } = await t.api.post<{ port_forwarding: PortForwarding }>(
      `/v2.0/floatingips/${fip.id}/port_forwardings`,
      { port_forwarding: { internal_port_id: to.id, internal_ip_address: ipOf(to), protocol: 'tcp', ...body } },
    );
    forwardings[name] = port_forwarding;
    return port_forwarding;
  }

  before(async () => {
    t = await testLab({
      nodes: [
        { name: 'network', roles: ['l2', 'dhcp', 'l3'], external: true },
        { name: 'compute1', roles: ['l2'] },
      ],
      tunnelType: 'gre',
      agentEnv: { QUARK_METERING_INTERVAL: '0.5' },
    });
    ext = (
      await t.api.post<{ network: Network }>('/v2.0/networks', {
        network: { 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' },
      })
    ).network;
    await t.api.post('/v2.0/subnets', {
      subnet: { network_id: ext.id, ip_version: 4, cidr: '203.0.113.0/24', gateway_ip: INTERNET, enable_dhcp: false },
    });
    net = (await t.api.post<{ network: Network }>('/v2.0/networks', { network: { project_id: 'alpha' } })).network;
    const subnet = (
      await t.api.post<{ subnet: { id: string } }>('/v2.0/subnets', {
        subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24', project_id: 'alpha', enable_dhcp: false },
      })
    ).subnet;
    router = (
      await t.api.post<{ router: Router }>('/v2.0/routers', {
        router: { name: 'r', project_id: 'alpha', external_gateway_info: { network_id: ext.id } },
      })
    ).router;
    await t.api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
    vm1 = await instance('vm1', '10.0.0.11');
    vm2 = await instance('vm2', '10.0.0.12');
    await serveIn('vm1', 7777, 'vm1');
    await serveIn('vm2', 7777, 'vm2');
    await serveIn('vm2', 7778, 'vm2b');
    await serveIn('vm2', 7779, 'vm2c');
    await t.until(
      'the router ports ACTIVE',
      () => {
        const ports = t.store.view.by('port', 'device', router.id);
        return ports.length === 2 && ports.every((p) => p.status === 'ACTIVE');
      },
      20_000,
    );
  });

  after(async () => {
    try {
      for (const p of procs) p.stop();
    } finally {
      await t?.close();
    }
  });

  it('two instances behind one floating IP answer on their own forwarded ports from the internet host', async () => {
    fip = (
      await t.api.post<{ floatingip: FloatingIp }>('/v2.0/floatingips', {
        floatingip: { floating_network_id: ext.id, project_id: 'alpha' },
      })
    ).floatingip;
    await forward('vm1', vm1, { internal_port: 7777, external_port: 2201 });
    await forward('vm2', vm2, { internal_port: 7777, external_port: 2202 });
    await forward('range', vm2, { internal_port_range: '7778:7779', external_port_range: '3000:3001' });
    const address = fip.floating_ip_address;
    await answers('vm1 on port 2201', () => askFromInternet(address, 2201), `vm1 ${INTERNET}`);
    await answers('vm2 on port 2202', () => askFromInternet(address, 2202), `vm2 ${INTERNET}`);
    await answers('vm2b on 3000, the first port of the range', () => askFromInternet(address, 3000), `vm2b ${INTERNET}`);
    await answers('vm2c on 3001, the second', () => askFromInternet(address, 3001), `vm2c ${INTERNET}`);
    await t.until('the floating IP ACTIVE', () => t.store.view.get('floatingip', fip.id)?.status === 'ACTIVE');
    await assert.rejects(askFromInternet(address, 2203), 'a port nobody forwards is the router’s own, and closed');
    // trace walks the real hosts and names the forwarding that takes the packet, or says none does.
    type Traced = { verdict: { result: string; says: string }; hops: { says: string }[]; names: Record<string, string> };
    const traced = async (port: number) =>
      (await t.api.get<{ trace: Traced }>(`/v2.0/quark/trace?from=${INTERNET}&to=${address}&protocol=tcp&port=${port}`)).trace;
    const through = await traced(2202);
    assert.equal(through.verdict.result, 'delivered', through.verdict.says);
    assert.ok(through.names[`port_forwarding:${forwardings.vm2!.id}`], JSON.stringify(through.names));
    assert.ok(
      through.hops.some((h) => h.says.includes(`DNAT ${address}:2202 → ${ipOf(vm2)}:7777 by port forwarding tcp`)),
      through.hops.map((h) => h.says).join('\n'),
    );
    const refused = await traced(2203);
    assert.equal(refused.verdict.result, 'dropped');
    assert.match(
      refused.verdict.says,
      /answers tcp\/2203 to floating IP .* itself: its port forwardings take tcp\/2201, tcp\/2202, tcp\/3000-3001/,
    );
    // From inside the cloud through the router: the hairpin SNAT of every floating IP.
    const gw = t.store.view.get('router', router.id)!.external_gateway_info!.external_fixed_ips[0]!.ip_address;
    await answers('vm1 reaches vm2 by the forwarded port', () => askFrom('vm1', address, 2202), `vm2 ${gw}`);
  });

  it('deleting a forwarding closes its port; moving one to the other instance cuts its connections', async () => {
    const address = fip.floating_ip_address;
    await t.api.delete(`/v2.0/floatingips/${fip.id}/port_forwardings/${forwardings.vm1!.id}`);
    await t.until('port 2201 closed', () =>
      askFromInternet(address, 2201).then(
        () => false,
        () => true,
      ),
    );
    const session = new Proc(inInternet([process.execPath, PROBE, 'session', address, '2202']));
    procs.push(session);
    const echoes = () => session.lines.filter((l) => l.startsWith('echo')).length;
    await t.until('the session to carry data', () => echoes() >= 3, 5000);
    assert.equal(session.lines[0], `greeting vm2 ${INTERNET}`);
    await t.api.put(`/v2.0/floatingips/${fip.id}/port_forwardings/${forwardings.vm2!.id}`, {
      port_forwarding: { internal_port_id: vm1.id, internal_ip_address: ipOf(vm1), internal_port: 7777, external_port: 2202 },
    });
    await answers('vm1 behind port 2202 now', () => askFromInternet(address, 2202), `vm1 ${INTERNET}`);
    const tracked = async () =>
      (
        await t.lab.exec('network', ['conntrack', '-L', '-d', address, '-r', ipOf(vm2), '-p', 'tcp', '--dport', '2202'], ns())
      ).stdout.trim();
    await t.until('no connection tracked through the old forwarding', async () => (await tracked()) === '');
    const before = echoes();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(echoes(), before, `the session went on: ${session.lines.slice(-3).join(' | ')}`);
    session.stop();
    await answers('the others still forwarded', () => askFromInternet(address, 3001), `vm2c ${INTERNET}`);
  });

  it('the router’s FTP helper lets a client outside the cloud fetch a file through a floating IP in passive mode', async () => {
    const vm3 = await instance('vm3', '10.0.0.13');
    await start(inNodeNetns(t.lab.node('compute1').handle, 'vm3', [process.execPath, FTP, 'serve', '21', 'quark-ftp-file']));
    const plain = (
      await t.api.post<{ floatingip: FloatingIp }>('/v2.0/floatingips', {
        floatingip: { floating_network_id: ext.id, port_id: vm3.id, project_id: 'alpha' },
      })
    ).floatingip;
    await t.until('vm3 reachable by its floating IP', () => t.store.view.get('floatingip', plain.id)?.status === 'ACTIVE');
    // A client that trusts the address the server names in passive mode, as RFC 959 has it (many
    // clients ignore it and connect to the control connection's peer, which needs no helper).
    const client = [
      'import ftplib, sys',
      'f = ftplib.FTP()',
      'f.trust_server_pasv_ipv4_address = True',
      'f.connect(sys.argv[1], 21, timeout=3)',
      "f.login('a', 'b')",
      'out = []',
      "f.retrbinary('RETR f', out.append)",
      "print(b''.join(out).decode())",
    ].join('\n');
    const fetch = () => run(inInternet(['timeout', '10', '/usr/bin/python3', '-c', client, plain.floating_ip_address]));
    // Without a helper the client is told to connect to 10.0.0.13, which it cannot reach.
    const without = await fetch().then(
      (r) => r.stdout,
      (e) => `failed: ${(e as Error).message.split('\n')[0]}`,
    );
    assert.match(without, /^failed/, `fetched without a helper: ${without}`);
    await t.api.post(`/v2.0/routers/${router.id}/conntrack_helpers`, {
      conntrack_helper: { protocol: 'tcp', port: 21, helper: 'ftp' },
    });
    await t.until('the helper rule in the router', async () => (await routerTables('raw')).includes('--helper ftp'));
    await answers('the file through the floating IP', async () => (await fetch()).stdout.trim(), 'quark-ftp-file', 15_000);
    const helped = (await t.lab.exec('network', ['conntrack', '-L', '-p', 'tcp', '--dport', '21'], ns())).stdout;
    assert.match(helped, /helper=ftp/, 'the control connection is the FTP helper’s');
  });

  it('metering counts an instance’s traffic to the internet host within 5 % of what it sent', async () => {
    const { metering_label: label } = await t.api.post<{ metering_label: { id: string } }>('/v2.0/metering/metering-labels', {
      metering_label: { name: 'vm1-to-internet', project_id: 'alpha' },
    });
    await t.api.post('/v2.0/metering/metering-label-rules', {
      metering_label_rule: {
        metering_label_id: label.id,
        direction: 'egress',
        source_ip_prefix: `${ipOf(vm1)}/32`,
        destination_ip_prefix: `${INTERNET}/32`,
      },
    });
    await t.until('the label’s counter chain in the router', async () =>
      (await routerTables('filter')).includes(`-A ${meteringChain('l', label.id)}`),
    );
    // What the internet host receives, counted at its own door (IP packets, as the label counts them).
    const door = ['INPUT', '-p', 'tcp', '--dport', '9000'];
    await run(inInternet(['iptables', '-I', ...door]));
    const file = join(t.lab.options.dir, 'payload');
    const size = 20 * 1024 * 1024;
    writeFileSync(file, Buffer.alloc(size, 7));
    try {
      const sink = new Proc(inInternet(['socat', '-u', 'TCP-LISTEN:9000,reuseaddr', 'OPEN:/dev/null']));
      procs.push(sink);
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      await t.lab.exec('compute1', ['socat', '-u', `OPEN:${file}`, `TCP:${INTERNET}:9000`], 'vm1');
      const sentMs = Date.now() - started;
      await sink.exited;
      const received = /\[\d+:(\d+)\] -A INPUT -p tcp -m tcp --dport 9000/.exec(
        (await run(inInternet(['iptables-save', '-c', '-t', 'filter']))).stdout,
      );
      const receivedBytes = Number(received?.[1]);
      const counted = async () =>
        (await t.api.get<{ metering_counters: MeteringCounter[] }>(`/v2.0/quark/metering/counters?label_id=${label.id}`))
          .metering_counters[0]?.bytes ?? 0;
      let last = -1;
      await t.until(
        'the agent to report all of it',
        async () => {
          const now = await counted();
          const settled = now > 0 && now === last;
          last = now;
          if (!settled) await new Promise((r) => setTimeout(r, 700));
          return settled;
        },
        20_000,
      );
      const metered = last;
      const figures = {
        payloadBytes: size,
        receivedIpBytes: receivedBytes,
        meteredBytes: metered,
        vsReceived: (metered - receivedBytes) / receivedBytes,
        vsPayload: (metered - size) / size,
        sentMs,
      };
      console.log(`metering accuracy: ${JSON.stringify(figures)}`);
      assert.ok(Math.abs(figures.vsReceived) <= 0.05, `metered ${metered} bytes, the internet host received ${receivedBytes}`);
      assert.ok(Math.abs(figures.vsPayload) <= 0.05, `metered ${metered} bytes for a ${size}-byte payload`);
      const metrics = (await t.quark.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(
        metrics,
        new RegExp(
          `quark_metering_label_bytes_total\\{label_id="${label.id}",router_id="${router.id}",project_id="alpha"\\} ${metered}`,
        ),
      );
    } finally {
      await run(inInternet(['iptables', '-D', ...door]));
    }
  });

  it('finds nothing to change in a forced full resync after all these changes', async () => {
    for (const node of ['network', 'compute1']) {
      const status = await agentStatus(t, node, '/resync', 'POST');
      assert.equal(status.last?.error, null);
      assert.equal(status.last?.changes, 0, `${node}: ${JSON.stringify(status.last)}`);
    }
  });
});
