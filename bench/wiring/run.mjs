#!/usr/bin/env node
// bench/wiring: how long from plugging an instance to its port ACTIVE and to its first
// successful ping, over N instances, pinging a peer on the same host and on the other host (an
// emulated lab with the real agents; the server in this process). And the agent's full resync
// time with many ports on one host, under a continuous ping that must lose nothing.
//
//   node bench/wiring/run.mjs [--instances 100] [--peer same|other|both] [--port-security on|off]
//        [--tunnel gre|vxlan] [--mechanism openvswitch|linuxbridge] [--resync-ports 0]
//        [--vif-type internal|veth] [--resync-rounds 3] [--keep-logs] [--out FILE]
//
// Wiring (skipped with --instances 0): each instance is a port created through the API and
// plugged with the real `quark vif plug` on compute1 (hybrid plug on Open vSwitch; a tap in the
// network's bridge on Linux bridge, where the tunnel must be vxlan). t0 is the moment its qvo…
// interface appears in compute1's OVSDB (the plug's last step), seen by an `ovsdb-client
// monitor` of the bench as the agent's own monitor sees it; on Linux bridge, the moment its tap
// appears (`ip monitor link` in the node, as the agent's own watch sees it). ACTIVE is seen by polling the
// server's store every 2 ms. Like Nova, which boots the guest once the port is ACTIVE, the
// instance then gets its address and pings its peer every 10 ms; the first reply ends the
// sample. With --peer both the instances alternate between a peer on compute1 (same host) and
// one on compute2 (across the tunnel) and each peer gets --instances of them. Instances stay, so
// the host fills up as the run goes. `plug_command_ms` is the wall time of `quark vif plug`
// (a Node process start included).
//
// Resync (--resync-ports N): N ports bound to compute1 (bulk API requests) with their VIFs:
// qvo… ports on br-int with iface-id/attached-mac/iface-status, all in one ovs-vsctl
// transaction, as OVS internal ports (--vif-type internal, the default) or veth pairs qvb…/qvo…
// (--vif-type veth). No instance namespace or qbr: the agent does not look at them. Port
// security is on (the project's default security group: chains per port, N-member ipsets).
// While instance vm-a (compute1) pings vm-b (compute2) every 10 ms: --resync-rounds forced full
// resyncs (POST /resync on the status socket), then the agent is killed (SIGKILL) and started
// again. Pass durations come from the agent's own pass records (debug log: `pass` with ms and
// full); the restart figure is from the start of the new process to the end of its first full
// pass with the replica. The ping's missing replies are counted.
//
// On the userspace datapath, ovs-vswitchd takes seconds to add 1,000 veth ports in one
// transaction (about 9 s alone, far longer while the agent wires them at the same time) and
// 1.6 s for 1,000 internal ports; hence the default.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  background,
  environment,
  machineLoad,
  options,
  pingReplies,
  root,
  round,
  sleep,
  stamp,
  summary,
  writeResult,
} from '../common.mjs';

const { agentStatus, testLab } = await import(join(root, 'dist', 'testing', 'lab-harness.js'));
const { inNode, inNodeNetns, nodeRun } = await import(join(root, 'dist', 'lab', 'node.js'));
const { run } = await import(join(root, 'dist', 'dataplane', 'drivers', 'exec.js'));
const { qvbDevice, qvoDevice, tapDevice } = await import(join(root, 'dist', 'model', 'names.js'));

const opt = options();
const count = Number(opt('--instances', '100'));
const peerMode = opt('--peer', 'both');
const portSecurity = opt('--port-security', 'on') === 'on';
const mechanism = opt('--mechanism', 'openvswitch');
if (!['openvswitch', 'linuxbridge'].includes(mechanism)) throw new Error('--mechanism must be openvswitch or linuxbridge');
const tunnelType = opt('--tunnel', mechanism === 'linuxbridge' ? 'vxlan' : 'gre');
const resyncPorts = Number(opt('--resync-ports', '0'));
const vifType = opt('--vif-type', 'internal');
const rounds = Number(opt('--resync-rounds', '3'));
if (!['internal', 'veth'].includes(vifType)) throw new Error('--vif-type must be internal or veth');
const out = opt('--out', join(root, 'bench', 'results', `wiring-${stamp()}.json`));
const peers = peerMode === 'both' ? ['same', 'other'] : [peerMode];
if (!peers.every((p) => p === 'same' || p === 'other')) throw new Error('--peer must be same, other or both');

/** Runs until the store shows the port ACTIVE; resolves with that moment (performance.now()). */
async function activeAt(t, portId, stop) {
  while (!stop.done) {
    if (t.store.view.get('port', portId)?.status === 'ACTIVE') return performance.now();
    await sleep(2);
  }
  return null;
}

/**
 * When each interface first appeared in a node's OVSDB (`ovsdb-client monitor` on its socket,
 * as the agent's own monitor sees it): the moment the plug's last step committed.
 */
function watchNewInterfaces(t, node) {
  const db = `unix:${join(t.lab.node(node).handle.dir, 'run', 'db.sock')}`;
  const lb = mechanism === 'linuxbridge';
  const proc = background(
    lb
      ? inNode(t.lab.node(node).handle, ['ip', '-o', 'monitor', 'link'])
      : ['ovsdb-client', 'monitor', db, 'Open_vSwitch', 'Interface', 'name', '--format=csv'],
  );
  const seen = new Map();
  const pattern = lb ? /tap[0-9a-f]{8}-[0-9a-f]{2}/g : /qvo[0-9a-f]{8}-[0-9a-f]{2}/g;
  proc.onData((text) => {
    const now = performance.now();
    for (const m of text.matchAll(pattern)) if (!seen.has(m[0])) seen.set(m[0], now);
  });
  return {
    async appeared(name, timeoutMs = 20_000) {
      const deadline = performance.now() + timeoutMs;
      while (!seen.has(name)) {
        if (performance.now() > deadline) throw new Error(`${name} never appeared in OVSDB on ${node}`);
        await sleep(2);
      }
      return seen.get(name);
    },
    stop: () => proc.stop('SIGTERM'),
  };
}

/** One instance on compute1: plug, ACTIVE, address, first ping reply from the peer. */
async function oneInstance(t, network, i, peer, ovsdb) {
  const node = 'compute1';
  const { port } = await t.api.post('/v2.0/ports', {
    port: {
      network_id: network.id,
      project_id: 'bench',
      port_security_enabled: portSecurity,
      'binding:host_id': node,
      device_owner: 'compute:nova',
    },
  });
  const netns = `b${i}`;
  const stop = { done: false };
  const plugStart = performance.now();
  const active = activeAt(t, port.id, stop);
  await t.lab.plug(node, port.id, netns);
  const plugDone = performance.now();
  const t0 = await ovsdb.appeared(mechanism === 'linuxbridge' ? tapDevice(port.id) : qvoDevice(port.id));
  const timeout = setTimeout(() => {
    stop.done = true;
  }, 20_000);
  const activeTime = await active;
  clearTimeout(timeout);
  if (activeTime === null) throw new Error(`port ${i} not ACTIVE 20 s after plug`);
  await t.lab.exec(node, ['ip', 'addr', 'add', `${port.fixed_ips[0].ip_address}/20`, 'dev', 'eth0'], netns);
  const ping = background(inNodeNetns(t.lab.node(node).handle, netns, ['ping', '-i', '0.01', '-W', '1', peer.ip]));
  try {
    await ping.waitFor('bytes from', 20_000);
  } catch (e) {
    throw new Error(`instance ${i}: no ping reply from ${peer.ip} within 20 s (${e.message})`);
  } finally {
    await ping.stop('SIGINT');
  }
  return {
    plug_command_ms: plugDone - plugStart,
    active_ms: activeTime - t0,
    active_before_plug_returned: activeTime < plugDone,
    ping_ms: performance.now() - t0,
  };
}

async function wiringBench(t, network) {
  const peerPorts = {};
  for (const p of peers) {
    const node = p === 'same' ? 'compute1' : 'compute2';
    const port = await t.instance(node, `peer-${p}`, {
      network_id: network.id,
      project_id: 'bench',
      port_security_enabled: portSecurity,
    });
    await t.until(`peer ${p} ACTIVE`, () => t.store.view.get('port', port.id)?.status === 'ACTIVE');
    peerPorts[p] = { ip: port.fixed_ips[0].ip_address, node };
  }
  const samples = Object.fromEntries(peers.map((p) => [p, []]));
  const ovsdb = watchNewInterfaces(t, 'compute1');
  for (let i = 0; i < count * peers.length; i++) {
    const p = peers[i % peers.length];
    const s = await oneInstance(t, network, i, peerPorts[p], ovsdb).catch(async (e) => {
      await ovsdb.stop();
      throw e;
    });
    samples[p].push(s);
    if ((i + 1) % 10 === 0)
      process.stderr.write(
        `${i + 1}/${count * peers.length}: last (${p}) active ${s.active_ms.toFixed(1)} ms, ping ${s.ping_ms.toFixed(1)} ms\n`,
      );
  }
  await ovsdb.stop();
  const since = Date.now();
  await agentStatus(t, 'compute1', '/resync', 'POST');
  const resync = await fullPassSince(t, 'compute1', since);
  const all = Object.values(samples).flat();
  const figures = (xs) => ({
    instances: xs.length,
    plug_to_active_ms: summary(xs.map((s) => s.active_ms)),
    plug_to_first_ping_ms: summary(xs.map((s) => s.ping_ms)),
    active_before_plug_returned: xs.filter((s) => s.active_before_plug_returned).length,
    plug_command_ms: summary(xs.map((s) => s.plug_command_ms)),
  });
  return {
    port_security: portSecurity,
    by_peer: Object.fromEntries(
      peers.map((p) => [p === 'same' ? 'same_host' : 'across_hosts', { peer_host: peerPorts[p].node, ...figures(samples[p]) }]),
    ),
    all: figures(all),
    full_resync_after: {
      ports_on_host: all.length + (peers.includes('same') ? 1 : 0),
      ...passFigures(resync),
    },
  };
}

/** Creates `n` ports bound to compute1 (bulk requests of 250) and their VIFs in one OVSDB transaction. */
async function manyVifs(t, network, n) {
  const created = [];
  const apiStart = performance.now();
  for (let i = 0; i < n; i += 250) {
    const batch = Array.from({ length: Math.min(250, n - i) }, (_, j) => ({
      network_id: network.id,
      project_id: 'bench',
      name: `vif-${i + j}`,
      device_id: `bench-vm-${i + j}`,
      'binding:host_id': 'compute1',
      device_owner: 'compute:nova',
    }));
    created.push(...(await t.api.post('/v2.0/ports', { ports: batch })).ports);
  }
  const apiMs = performance.now() - apiStart;
  const handle = t.lab.node('compute1').handle;
  let linksMs = 0;
  if (vifType === 'veth') {
    const links = created.flatMap((p) => [
      `link add ${qvbDevice(p.id)} mtu ${network.mtu} type veth peer name ${qvoDevice(p.id)} mtu ${network.mtu}`,
      `link set ${qvbDevice(p.id)} up`,
      `link set ${qvoDevice(p.id)} up`,
    ]);
    const linksStart = performance.now();
    await nodeRun(handle, ['ip', '-batch', '-'], `${links.join('\n')}\n`);
    linksMs = performance.now() - linksStart;
  }
  const vsctl = ['ovs-vsctl', '--timeout=600'];
  for (const p of created) {
    const qvo = qvoDevice(p.id);
    vsctl.push('--', '--may-exist', 'add-port', 'br-int', qvo, '--', 'set', 'Interface', qvo);
    if (vifType === 'internal') vsctl.push('type=internal');
    vsctl.push(`external_ids:iface-id=${p.id}`, `external_ids:attached-mac=${p.mac_address}`);
    vsctl.push(`external_ids:vm-uuid=${p.device_id}`, 'external_ids:iface-status=active');
  }
  const ovsStart = performance.now();
  await run(inNode(handle, vsctl), { timeoutMs: 600_000 });
  const t0 = performance.now();
  const ids = created.map((p) => p.id);
  const activeCount = () => ids.filter((id) => t.store.view.get('port', id)?.status === 'ACTIVE').length;
  await t
    .until(`${n} ports ACTIVE`, () => activeCount() === n, 120_000)
    .catch((e) => {
      throw new Error(`${e.message} (${activeCount()} are)`);
    });
  return {
    api_create_ms: round(apiMs),
    vif_type: vifType,
    veth_pairs_ms: round(linksMs),
    ovs_vsctl_ms: round(t0 - ovsStart),
    vsctl_to_all_active_ms: round(performance.now() - t0),
  };
}

/** The agent's pass records (debug log): end time (epoch ms), duration, full or not, changes, each step's ms, the firewall's share. */
function agentPasses(t, node) {
  const log = readFileSync(join(t.lab.node(node).handle.dir, 'log', 'agent.log'), 'utf8');
  const out = [];
  let firewall = null;
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line);
    if (r.msg === 'firewall applied') firewall = { tablesMs: r.tablesMs, conntrackMs: r.conntrackMs };
    if (r.msg === 'agent started') out.push({ end: r.time, event: 'agent started' });
    if (r.msg !== 'pass') continue;
    out.push({
      end: r.time,
      ms: r.ms,
      full: r.full,
      revision: r.revision,
      planMs: r.planMs,
      changes: r.changes,
      steps: r.steps,
      firewall,
    });
    firewall = null;
  }
  return out;
}

/** The first full pass with the replica (revision > 0) that started at or after `since` (epoch ms), from the log. */
async function fullPassSince(t, node, since) {
  for (let i = 0; i < 200; i++) {
    const p = agentPasses(t, node).find((r) => r.full && r.revision > 0 && r.end - r.ms >= since - 5);
    if (p) return p;
    await sleep(10);
  }
  throw new Error(`no full pass of the agent on ${node} since ${new Date(since).toISOString()} in its log`);
}

/** Waits until the (restarted) agent has finished a pass with the replica (its plan names every port); polls every 10 ms. */
async function syncedPass(t, node, ports, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await agentStatus(t, node).catch(() => null);
    if (s?.synced && s.last && Object.keys(s.ports).length >= ports) return s;
    if (Date.now() > deadline) throw new Error(`agent on ${node}: no pass with the replica within ${timeoutMs} ms`);
    await sleep(10);
  }
}

const passFigures = (p) => ({ ms: p.ms, plan_ms: p.planMs, changes: p.changes, steps: p.steps, firewall: p.firewall });

async function resyncBench(t, network, n) {
  const a = await t.instance('compute1', 'vm-a', { network_id: network.id, project_id: 'bench' });
  const b = await t.instance('compute2', 'vm-b', { network_id: network.id, project_id: 'bench' });
  const setup = await manyVifs(t, network, n);
  await t.until('instances ACTIVE', () => [a, b].every((p) => t.store.view.get('port', p.id)?.status === 'ACTIVE'));
  const portsOnHost = n + 1;
  process.stderr.write(`${n} VIFs ACTIVE: ${JSON.stringify(setup)}\n`);
  const reach = performance.now();
  await t.until(
    'vm-a to reach vm-b',
    () =>
      t.lab.exec('compute1', ['ping', '-c', '1', '-W', '0.5', b.fixed_ips[0].ip_address], 'vm-a').then(
        () => true,
        () => false,
      ),
    30_000,
  );
  process.stderr.write(`vm-a reaches vm-b after ${round(performance.now() - reach)} ms\n`);
  // Let the passes the plugging caused finish, so the resyncs below run on a quiet agent.
  await agentStatus(t, 'compute1', '/resync', 'POST');
  const ping = background(
    inNodeNetns(t.lab.node('compute1').handle, 'vm-a', ['ping', '-i', '0.01', '-W', '1', b.fixed_ips[0].ip_address]),
  );
  const pingStart = performance.now();
  const events = [];
  const mark = (what, extra = {}) => events.push({ what, at_ms: round(performance.now() - pingStart), ...extra });
  let result;
  try {
    await ping.waitFor('bytes from');
    await sleep(1000);
    const resyncs = [];
    for (let r = 0; r < rounds; r++) {
      mark('POST /resync');
      const since = Date.now();
      const posted = performance.now();
      await agentStatus(t, 'compute1', '/resync', 'POST');
      const wall = performance.now() - posted;
      const pass = await fullPassSince(t, 'compute1', since);
      mark('resync settled', { full_pass_ms: pass.ms });
      resyncs.push({ ...passFigures(pass), until_settled_ms: round(wall) });
      await sleep(500);
    }
    mark('SIGKILL agent');
    await t.lab.stopAgent('compute1', 'SIGKILL');
    const startedAt = Date.now();
    const started = performance.now();
    t.lab.startAgent('compute1');
    mark('agent started');
    await syncedPass(t, 'compute1', portsOnHost);
    const first = await fullPassSince(t, 'compute1', startedAt);
    mark('first full pass done', { ms: first.ms, after_start_ms: first.end - startedAt });
    const settled = performance.now() - started;
    await sleep(500);
    const since = Date.now();
    await agentStatus(t, 'compute1', '/resync', 'POST');
    const after = await fullPassSince(t, 'compute1', since);
    mark('resync after restart done', { ms: after.ms });
    await sleep(1000);
    result = {
      ports_on_host: portsOnHost,
      port_security: true,
      setup,
      forced_full_resync_ms: resyncs.map((r) => r.ms),
      forced_full_resync: resyncs,
      restart: {
        start_to_first_full_pass_done_ms: first.end - startedAt,
        first_full_pass: passFigures(first),
        start_to_status_synced_ms: round(settled),
        full_resync_after_restart: passFigures(after),
      },
      agent_passes: agentPasses(t, 'compute1').map((p) => ({ ...p, end: new Date(p.end).toISOString() })),
    };
  } finally {
    const stopped = await ping.stop('SIGINT');
    const r = pingReplies(stopped.stdout);
    const loss = {
      interval_ms: 10,
      replies: r.received,
      lost: r.missing.length,
      lost_at_ms: r.missing.map((seq) => (seq - 1) * 10),
      transmitted: r.transmitted,
    };
    if (result) result.ping = { ...loss, events };
    else process.stderr.write(`ping during the failed run: ${JSON.stringify(loss)}\n`);
  }
  return result;
}

const load = machineLoad();
if (mechanism === 'linuxbridge' && resyncPorts > 0) throw new Error('--resync-ports plugs OVS VIFs: Open vSwitch only');
const t = await testLab({
  nodes: [
    { name: 'compute1', roles: ['l2'], mechanism },
    { name: 'compute2', roles: ['l2'], mechanism },
  ],
  tunnelType,
  server: { quotaPort: -1 },
});
let result;
try {
  const { network } = await t.api.post('/v2.0/networks', { network: { name: 'bench', project_id: 'bench' } });
  await t.api.post('/v2.0/subnets', {
    subnet: { network_id: network.id, ip_version: 4, cidr: '10.10.0.0/20', project_id: 'bench' },
  });
  const wiring = count > 0 ? await wiringBench(t, network) : null;
  const resync = resyncPorts > 0 ? await resyncBench(t, network, resyncPorts) : null;
  result = {
    benchmark: 'wiring',
    command: `node bench/wiring/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    date: new Date().toISOString(),
    mechanism,
    tunnel: tunnelType,
    wiring,
    resync,
  };
} catch (e) {
  keepLogs();
  throw e;
} finally {
  if (process.argv.includes('--keep-logs')) keepLogs();
  await t.close();
}

/** The lab (and its logs) goes with close(): keep the agents' logs (on failure, or with --keep-logs). */
function keepLogs() {
  for (const node of ['compute1', 'compute2']) {
    const log = join(t.lab.node(node).handle.dir, 'log', 'agent.log');
    const kept = `/tmp/bench-wiring-${node}-agent.log`;
    try {
      copyFileSync(log, kept);
      process.stderr.write(`kept ${kept}\n`);
    } catch {}
  }
}
result.machine = load();
result.environment = environment();
writeResult(out, result);
if (result.wiring) {
  for (const [name, w] of Object.entries(result.wiring.by_peer)) {
    const a = w.plug_to_active_ms;
    const p = w.plug_to_first_ping_ms;
    console.log(
      `${name} (${w.instances}, port security ${result.wiring.port_security ? 'on' : 'off'}): plug→ACTIVE p50 ${a.p50} p99 ${a.p99} ms; plug→first ping p50 ${p.p50} p99 ${p.p99} ms`,
    );
  }
  console.log(
    `full resync with ${result.wiring.full_resync_after.ports_on_host} ports: ${result.wiring.full_resync_after.ms} ms`,
  );
}
if (result.resync) {
  const r = result.resync;
  console.log(
    `resync, ${r.ports_on_host} ports on compute1 (port security on): forced full pass ${r.forced_full_resync_ms.join(', ')} ms`,
  );
  console.log(
    `  agent SIGKILL + start → first full pass done ${r.restart.start_to_first_full_pass_done_ms} ms (the pass itself ${r.restart.first_full_pass.ms} ms)`,
  );
  console.log(`  ping every 10 ms meanwhile: ${r.ping.replies} replies, ${r.ping.lost} lost`);
}
console.log(`machine: ${JSON.stringify(result.machine)}`);
