#!/usr/bin/env node
// bench/wiring: how long from plugging an instance to its port ACTIVE and to its first
// successful ping, over N instances, on one host and across hosts (an emulated lab with the
// real agents; the server in this process). Also the agent's full resync time at that size.
//
//   node bench/wiring/run.mjs [--instances 100] [--tunnel gre|vxlan] [--out FILE]
//
// t0 is when `quark vif plug` returns (its last step adds qvo… to br-int, which the agent sees
// through its OVSDB monitor). ACTIVE is seen by polling the server's store every 2 ms; the ping
// is one echo every 10 ms from the new instance to a peer on the other host.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { testLab } = await import(join(root, 'dist', 'testing', 'lab-harness.js'));
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const count = Number(opt('--instances', '100'));
const tunnelType = opt('--tunnel', 'gre');
const out = opt('--out', join(root, 'bench', 'results', `wiring-${new Date().toISOString().slice(0, 10)}.json`));

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function agentResync(t, node) {
  const socketPath = join(t.lab.node(node).handle.dir, 'state', 'agent.sock');
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/resync', method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

const t = await testLab({
  nodes: [
    { name: 'compute1', roles: ['l2'] },
    { name: 'compute2', roles: ['l2'] },
  ],
  tunnelType,
  server: { quotaPort: -1 },
});
try {
  const { network } = await t.api.post('/v2.0/networks', { network: { name: 'bench', project_id: 'bench' } });
  await t.api.post('/v2.0/subnets', {
    subnet: { network_id: network.id, ip_version: 4, cidr: '10.10.0.0/20', project_id: 'bench' },
  });
  const peer = await t.instance('compute2', 'peer', {
    network_id: network.id,
    project_id: 'bench',
    port_security_enabled: false,
  });
  await t.until('peer ACTIVE', () => t.store.view.get('port', peer.id)?.status === 'ACTIVE');
  const peerIp = peer.fixed_ips[0].ip_address;
  const samples = [];
  for (let i = 0; i < count; i++) {
    const node = 'compute1';
    const { port } = await t.api.post('/v2.0/ports', {
      port: {
        network_id: network.id,
        project_id: 'bench',
        port_security_enabled: false,
        'binding:host_id': node,
        device_owner: 'compute:nova',
      },
    });
    const netns = `b${i}`;
    await t.lab.plug(node, port.id, netns);
    const t0 = performance.now();
    let active = null;
    while (active === null) {
      if (t.store.view.get('port', port.id)?.status === 'ACTIVE') active = performance.now() - t0;
      else await sleep(2);
      if (performance.now() - t0 > 20_000) throw new Error(`port ${i} not ACTIVE after 20 s`);
    }
    await t.lab.exec(node, ['ip', 'addr', 'add', `${port.fixed_ips[0].ip_address}/20`, 'dev', 'eth0'], netns);
    let ping = null;
    while (ping === null) {
      try {
        await t.lab.exec(node, ['ping', '-c', '1', '-W', '0.2', peerIp], netns);
        ping = performance.now() - t0;
      } catch {
        await sleep(10);
      }
      if (performance.now() - t0 > 20_000) throw new Error(`instance ${i} no ping after 20 s`);
    }
    samples.push({ active, ping });
    if ((i + 1) % 10 === 0)
      process.stderr.write(`${i + 1}/${count}: last active ${active.toFixed(1)} ms, ping ${ping.toFixed(1)} ms\n`);
  }
  const resync = await agentResync(t, 'compute1');
  const result = {
    date: new Date().toISOString(),
    instances: count,
    tunnel: tunnelType,
    plug_to_active_ms: {
      p50: pct(
        samples.map((s) => s.active),
        50,
      ),
      p99: pct(
        samples.map((s) => s.active),
        99,
      ),
      max: Math.max(...samples.map((s) => s.active)),
    },
    plug_to_first_ping_ms: {
      p50: pct(
        samples.map((s) => s.ping),
        50,
      ),
      p99: pct(
        samples.map((s) => s.ping),
        99,
      ),
      max: Math.max(...samples.map((s) => s.ping)),
    },
    full_resync_ms: resync.last?.ms ?? null,
    full_resync_ports: count + 0,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await t.close();
}
