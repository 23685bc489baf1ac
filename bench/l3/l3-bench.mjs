#!/usr/bin/env node
// L3 agent benchmark (root; `npm run build` first). Builds an emulated network node (l2, l3,
// br-ex with the internet host) and a compute node, with the server in this process, then:
//
//   latency   time from `add_router_interface` until an instance behind the new interface
//             reaches the internet host, and from a floating IP association until the internet
//             host reaches the instance by it: each measured by a `ping -D -i 0.01` running
//             before the change (first reply's timestamp − time the API call started)
//   converge  R routers, each with a gateway, an interface and F floating IPs (ports that are
//             not plugged: the router's NAT does not care); then the network node's agent is
//             killed and started again, (a) with the host intact and (b) after its qrouter
//             namespaces were deleted; time from the start until its first full pass has
//             applied the plan (the agent's status shows port states only after such a pass)
//
//   node bench/l3/l3-bench.mjs latency [--changes 20]
//   node bench/l3/l3-bench.mjs converge [--routers 100] [--fips 10]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { inNodeNetns } from '../../dist/lab/node.js';
import { agentStatus, testLab } from '../../dist/testing/lab-harness.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    changes: { type: 'string', default: '20' },
    routers: { type: 'string', default: '100' },
    fips: { type: 'string', default: '10' },
  },
});
const mode = positionals[0] ?? 'latency';
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((xs.length * p) / 100) - 1)];
const summary = (xs) =>
  `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (n=${xs.length})`;
const unlimited = { quotaNetwork: -1, quotaSubnet: -1, quotaPort: -1, quotaRouter: -1, quotaFloatingip: -1 };

const t = await testLab({
  nodes: [
    { name: 'network', roles: ['l2', 'l3'], external: true },
    { name: 'compute1', roles: ['l2'] },
  ],
  tunnelType: 'gre',
  server: unlimited,
});

/** `ping -D` until stopped; resolves with the epoch ms of the first reply. */
function firstReply(argv) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
  let buffer = '';
  const reply = new Promise((resolve) => {
    child.stdout.on('data', (d) => {
      buffer += d.toString();
      const m = /^\[(\d+\.\d+)\] \d+ bytes from/m.exec(buffer);
      if (m) resolve(Number(m[1]) * 1000);
    });
  });
  return { reply, stop: () => child.kill('SIGTERM') };
}

async function within(what, promise, ms = 20_000) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function externalNetwork(cidr, gateway) {
  const ext = (
    await t.api.post('/v2.0/networks', {
      network: {
        name: 'public',
        'router:external': true,
        'provider:network_type': 'flat',
        'provider:physical_network': 'physnet1',
      },
    })
  ).network;
  await t.api.post('/v2.0/subnets', {
    subnet: { network_id: ext.id, ip_version: 4, cidr, gateway_ip: gateway, enable_dhcp: false },
  });
  return ext;
}

async function tenantNetwork(i) {
  const net = (await t.api.post('/v2.0/networks', { network: { name: `n${i}`, project_id: 'bench' } })).network;
  const cidr = `10.${Math.floor(i / 256)}.${i % 256}.0/24`;
  const subnet = (
    await t.api.post('/v2.0/subnets', {
      subnet: { network_id: net.id, ip_version: 4, cidr, project_id: 'bench', enable_dhcp: false },
    })
  ).subnet;
  return { net, subnet };
}

async function latency(changes) {
  const ext = await externalNetwork('203.0.113.0/24', '203.0.113.1');
  const router = (
    await t.api.post('/v2.0/routers', {
      router: { name: 'r', project_id: 'bench', external_gateway_info: { network_id: ext.id } },
    })
  ).router;
  const interfaceTimes = [];
  const vms = [];
  for (let i = 0; i < changes; i++) {
    const { net, subnet } = await tenantNetwork(i);
    const vm = await t.instance('compute1', `vm${i}`, { network_id: net.id, project_id: 'bench', port_security_enabled: false });
    await t.lab.exec('compute1', ['ip', 'route', 'add', 'default', 'via', subnet.gateway_ip], `vm${i}`);
    await t.until('the instance ACTIVE', () => t.store.view.get('port', vm.id)?.status === 'ACTIVE');
    const ping = firstReply(
      inNodeNetns(t.lab.node('compute1').handle, `vm${i}`, ['ping', '-D', '-n', '-i', '0.01', '203.0.113.1']),
    );
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    const { port_id } = await t.api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
    const seen = {};
    const watch = setInterval(() => {
      const p = t.store.view.get('port', port_id);
      if (p?.['binding:host_id'] && !seen.bound) seen.bound = Date.now() - t0;
      if (p?.status === 'ACTIVE' && !seen.active) seen.active = Date.now() - t0;
    }, 2);
    interfaceTimes.push((await within('an instance behind a new interface to reach the internet', ping.reply)) - t0);
    clearInterval(watch);
    if (process.env.DEBUG) console.log(`  bound ${seen.bound} ms, ACTIVE ${seen.active} ms, reply ${interfaceTimes.at(-1)} ms`);
    ping.stop();
    vms.push(vm);
  }
  console.log(`add_router_interface → instance reaches the internet host: ${summary(interfaceTimes)}`);

  const fipTimes = [];
  for (let i = 0; i < changes; i++) {
    const fip = (await t.api.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.id, project_id: 'bench' } }))
      .floatingip;
    const ping = firstReply([
      'ip',
      'netns',
      'exec',
      t.lab.fabric.internetNetns,
      'ping',
      '-D',
      '-n',
      '-i',
      '0.01',
      fip.floating_ip_address,
    ]);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await t.api.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: vms[i].id } });
    fipTimes.push((await within('the internet host to reach the floating IP', ping.reply)) - t0);
    ping.stop();
  }
  console.log(`floating IP association → internet host reaches the instance: ${summary(fipTimes)}`);
}

async function converge(routers, fips) {
  // 100 gateways and 1,000 floating IPs need more than a /24; no traffic crosses this network.
  const ext = await externalNetwork('100.64.0.0/20', '100.64.0.1');
  const t0 = performance.now();
  for (let i = 0; i < routers; i++) {
    const { net, subnet } = await tenantNetwork(i);
    const router = (
      await t.api.post('/v2.0/routers', {
        router: { name: `r${i}`, project_id: 'bench', external_gateway_info: { network_id: ext.id } },
      })
    ).router;
    await t.api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
    for (let f = 0; f < fips; f++) {
      const port = (await t.api.post('/v2.0/ports', { port: { network_id: net.id, project_id: 'bench' } })).port;
      await t.api.post('/v2.0/floatingips', {
        floatingip: { floating_network_id: ext.id, project_id: 'bench', port_id: port.id },
      });
    }
  }
  console.log(`created ${routers} routers with ${fips} floating IPs each in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const all = routers * fips;
  const converged = async () => {
    const s = await agentStatus(t, 'network').catch(() => null);
    return (
      s?.synced && s.last && !s.last.error && t.store.view.all('floatingip').filter((f) => f.status === 'ACTIVE').length === all
    );
  };
  await t.until('the agent to serve every floating IP', converged, 600_000);
  console.log(`all ${all} floating IPs ACTIVE ${((performance.now() - t0) / 1000).toFixed(1)} s after the first request`);

  for (const wipe of [false, true]) {
    await t.lab.stopAgent('network', 'SIGKILL');
    if (wipe) {
      const list = (await t.lab.exec('network', ['ip', 'netns', 'list'])).stdout;
      const names = list
        .split('\n')
        .map((l) => l.split(' ')[0])
        .filter((n) => n.startsWith('qrouter-'));
      for (const n of names) await t.lab.exec('network', ['ip', 'netns', 'delete', n]);
    }
    const start = performance.now();
    t.lab.startAgent('network');
    // Done once a pass of the synced replica finished: only such a pass records port states.
    await t.until(
      'the restarted agent to finish its first full pass',
      async () => {
        const s = await agentStatus(t, 'network').catch(() => null);
        return s !== null && Object.keys(s.ports).length > 0 && !s.last?.error;
      },
      600_000,
    );
    const took = ((performance.now() - start) / 1000).toFixed(2);
    console.log(
      `restart ${wipe ? 'after deleting the qrouter namespaces' : 'with the host intact'}: converged ${took} s after the start`,
    );
  }
  // Forced full resyncs with nothing to change: the pass and (where the agent reports them) its steps.
  for (let i = 0; i < 3; i++) {
    let { last } = await agentStatus(t, 'network', '/resync', 'POST');
    // A pass the feed or OVSDB asked for may have followed the full one: ask again.
    while (!last.full) ({ last } = await agentStatus(t, 'network', '/resync', 'POST'));
    const steps = (last.steps ?? []).filter((s) => s.ms >= 1).map((s) => `${s.step} ${s.ms}`);
    console.log(
      `forced full resync: ${last.ms} ms, ${last.changes ?? '-'} changes${steps.length ? `; ms by step: ${steps.join(', ')}` : ''}`,
    );
  }
}

try {
  if (mode === 'latency') await latency(Number(values.changes));
  else if (mode === 'converge') await converge(Number(values.routers), Number(values.fips));
  else throw new Error(`unknown mode ${mode}`);
} finally {
  if (process.env.DEBUG)
    for (const n of ['network', 'compute1'])
      console.log(
        n,
        readFileSync(join(t.lab.node(n).handle.dir, 'log', 'agent.log'), 'utf8')
          .split('\n')
          .filter((l) => l.includes('"pass"') || l.includes('bound'))
          .slice(-40)
          .map((l) => {
            const j = JSON.parse(l);
            return `${j.time % 100000} ${j.msg} ${j.ms ?? ''} ${JSON.stringify(j.steps ?? '')} ${j.revision ?? ''}`;
          })
          .join('\n'),
      );
  await t.close();
}
