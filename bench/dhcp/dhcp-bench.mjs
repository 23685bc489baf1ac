#!/usr/bin/env node
// DHCP role benchmark (root; `npm run build` first). Two parts:
//
//   reload  One network with --ports ports (default 1000) served by a real dnsmasq in a throwaway
//           namespace: compile time of the DHCP part, first start, then --rounds times "one port
//           more": compile + files rewritten + SIGHUP (the driver's pass), and the time until
//           dnsmasq logged that it re-read the hosts and options files; and an idle pass.
//   lease   A lab with a network node (l2, dhcp) and a compute node (l2): --instances instances
//           (default 20) created one after another; for each, the time from `quark vif plug`
//           returning to busybox udhcpc holding its lease (udhcpc started right after the plug,
//           as a booting instance would, retrying every second); then the same with the client
//           started once the port is ACTIVE. Each instance is deleted once measured (--keep
//           keeps them all on the node).
//
//   node bench/dhcp/dhcp-bench.mjs [reload|lease|all] [--ports 1000] [--rounds 20] [--instances 20] [--keep]
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { compileDhcp } from '../../dist/dataplane/compile/dhcp/compile-dhcp.js';
import { applyDnsmasq } from '../../dist/dataplane/drivers/dnsmasq.js';
import { addNetns, deleteNetns, ipBatch } from '../../dist/dataplane/drivers/ip.js';
import { id, network, port, replicaOf, settings, subnet } from '../../dist/dataplane/testing/fixtures.js';
import { udhcpcArgv, writeUdhcpcHook } from '../../dist/lab/udhcpc-script.js';
import { dhcpPortDeviceId } from '../../dist/model/names.js';
import { uniquePrefix } from '../../dist/testing/host.js';
import { testLab } from '../../dist/testing/lab-harness.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    ports: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '20' },
    instances: { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
  },
});
const KEEP = values.keep;
const what = positionals[0] ?? 'all';
const PORTS = Number(values.ports);
const ROUNDS = Number(values.rounds);
const INSTANCES = Number(values.instances);

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((xs.length * p) / 100) - 1)];
const ms = (x) => `${x.toFixed(x < 1 ? 2 : 1)} ms`;
const summary = (name, xs) =>
  console.log(
    `${name.padEnd(48)} p50 ${ms(pct(xs, 50)).padStart(10)}  p99 ${ms(pct(xs, 99)).padStart(10)}  max ${ms(Math.max(...xs)).padStart(10)}  (n=${xs.length})`,
  );
const sleep = (n) => new Promise((r) => setTimeout(r, n));

async function reloadBench() {
  const prefix = uniquePrefix('qb');
  const netns = `${prefix}-srv`;
  const stateDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  chmodSync(stateDir, 0o755);
  const net = network({ id: id('bbbb1'), mtu: 1458 });
  const sub = subnet({
    id: id('5b1'),
    network_id: net.id,
    cidr: '10.0.0.0/20',
    gateway_ip: '10.0.0.1',
    allocation_pools: [{ start: '10.0.0.2', end: '10.0.15.254' }],
  });
  const ipOf = (i) => `10.0.${(i + 3) >> 8}.${(i + 3) & 255}`;
  const macOf = (i) =>
    `fa:16:3e:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
  const vm = (i) =>
    port({
      id: id(`c${i.toString(16)}`),
      network_id: net.id,
      host: 'compute1',
      mac_address: macOf(i),
      fixed_ips: [{ subnet_id: sub.id, ip_address: ipOf(i) }],
    });
  const dhcp = port({
    id: id('d0cb1'),
    network_id: net.id,
    host: 'network',
    device_owner: 'network:dhcp',
    device_id: dhcpPortDeviceId('network', net.id),
    mac_address: 'fa:16:3e:ff:ff:01',
    fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.0.2' }],
  });
  const host = settings('network', { roles: ['dhcp'], stateDir });
  const ports = Array.from({ length: PORTS }, (_, i) => vm(i));
  const replicaFor = (ps) => replicaOf({ networks: [net], subnets: [sub], ports: [dhcp, ...ps], dhcpNetworks: [net.id] });
  const compileItem = (replica) => ({ ...compileDhcp(replica, host).dnsmasq[0], netns });
  const item = (ps) => compileItem(replicaFor(ps));
  const log = () => join(stateDir, 'dhcp', net.id, 'log');
  const reads = () => (readFileSync(log(), 'utf8').match(/read .*\/opts/g) ?? []).length;
  try {
    await addNetns(netns);
    const device = item([]).device;
    await ipBatch(netns, [
      `link add ${device} type veth peer name ${prefix}p`,
      `link set ${device} up`,
      `addr add 10.0.0.2/20 dev ${device}`,
    ]);
    const compileTimes = [];
    const replica = replicaFor(ports);
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      compileItem(replica);
      compileTimes.push(performance.now() - t0);
    }
    summary(`compile DHCP part, ${PORTS} ports`, compileTimes);
    let t0 = performance.now();
    await applyDnsmasq([item(ports)], { stateDir, prune: true });
    console.log(`first pass: write files, start dnsmasq            ${ms(performance.now() - t0)}`);
    const hostsBytes = readFileSync(join(stateDir, 'dhcp', net.id, 'host')).length;
    const pass = [];
    const reloaded = [];
    for (let r = 0; r < ROUNDS; r++) {
      const before = reads();
      const next = replicaFor(r % 2 === 0 ? [...ports, vm(PORTS + r)] : ports);
      t0 = performance.now();
      const report = await applyDnsmasq([compileItem(next)], { stateDir, prune: true, full: false });
      pass.push(performance.now() - t0);
      if (report.reloaded.length !== 1) throw new Error(`expected a reload, got ${JSON.stringify(report)}`);
      while (reads() === before) await sleep(1);
      reloaded.push(performance.now() - t0);
    }
    summary(`pass with one port more or less (compile+write+HUP)`, pass);
    summary(`… until dnsmasq re-read its files (${(hostsBytes / 1024).toFixed(0)} KiB hosts)`, reloaded);
    const steady = item(ports);
    for (const full of [true, false]) {
      const idle = [];
      for (let r = 0; r < ROUNDS; r++) {
        t0 = performance.now();
        await applyDnsmasq([steady], { stateDir, prune: true, full });
        idle.push(performance.now() - t0);
      }
      summary(`idle ${full ? 'full' : 'incremental'} pass (driver only, nothing changed)`, idle);
    }
  } finally {
    await applyDnsmasq([], { stateDir, prune: true }).catch(() => undefined);
    await deleteNetns(netns);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function leaseBench() {
  const t = await testLab({
    nodes: [
      { name: 'network', roles: ['l2', 'dhcp'] },
      { name: 'compute1', roles: ['l2'] },
    ],
    staticAddresses: false,
  });
  try {
    const hook = writeUdhcpcHook(join(t.lab.options.dir, 'hook.sh'));
    const { network: net } = await t.api.post('/v2.0/networks', { network: { name: 'bench', project_id: 'bench' } });
    await t.api.post('/v2.0/subnets', {
      subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24', project_id: 'bench' },
    });
    await t.until(
      'DHCP served',
      () => t.store.view.by('port', 'network', net.id).some((p) => p.device_owner === 'network:dhcp' && p.status === 'ACTIVE'),
      30_000,
    );
    await sleep(500);
    // Without --keep each instance goes once measured: the userspace datapath of one emulated
    // compute node polls every port in one thread, and with ~100 veths on 2 shared cores its
    // poll loop stretches to seconds, which would measure OVS rather than DHCP.
    const retire = async (vm, name) => {
      await t.lab.unplug('compute1', vm.id);
      await t.api.delete(`/v2.0/ports/${vm.id}`);
      await t.lab.exec('compute1', ['ip', 'netns', 'delete', name]);
    };
    const plugToLease = [];
    const createToPlugged = [];
    for (let i = 0; i < INSTANCES; i++) {
      const t0 = performance.now();
      const vm = await t.instance('compute1', `vm${i}`, {
        network_id: net.id,
        project_id: 'bench',
        port_security_enabled: false,
      });
      const t1 = performance.now();
      const leaseFile = join(t.lab.options.dir, `vm${i}.lease`);
      await t.lab.exec('compute1', udhcpcArgv({ hook, leaseFile, tries: 10 }), `vm${i}`);
      plugToLease.push(performance.now() - t1);
      createToPlugged.push(t1 - t0);
      const got = readFileSync(leaseFile, 'utf8');
      if (!got.includes(`ip=${vm.fixed_ips[0].ip_address}\n`)) throw new Error(`vm${i} got ${got}`);
      if (!KEEP) await retire(vm, `vm${i}`);
    }
    summary('port create + quark vif plug', createToPlugged);
    summary(`plug → lease (udhcpc, ${INSTANCES} instances)`, plugToLease);
    // The same again, but the client starts once the compute agent reported the port ACTIVE:
    // separates the agent's wiring time from the DHCP exchange (and from udhcpc's 1 s retry).
    const plugToActive = [];
    const activeToLease = [];
    for (let i = 0; i < INSTANCES; i++) {
      const name = `vw${i}`;
      const vm = await t.instance('compute1', name, { network_id: net.id, project_id: 'bench', port_security_enabled: false });
      const t1 = performance.now();
      while (t.store.view.get('port', vm.id)?.status !== 'ACTIVE') await sleep(2);
      const t2 = performance.now();
      await t.lab.exec('compute1', udhcpcArgv({ hook, tries: 10 }), name);
      activeToLease.push(performance.now() - t2);
      plugToActive.push(t2 - t1);
      if (!KEEP) await retire(vm, name);
    }
    summary('plug → port ACTIVE (compute agent wired it)', plugToActive);
    summary('ACTIVE → lease (udhcpc from start to bound)', activeToLease);
  } catch (e) {
    // Keep the agents' logs (and dnsmasq's) for a post-mortem; the lab directory goes with close().
    const keep = mkdtempSync(join(tmpdir(), 'dhcp-bench-logs-'));
    cpSync(t.lab.options.dir, keep, { recursive: true, filter: (src) => !/\/(run|db)(\/|$)|\.sock$/.test(src) });
    console.error(`failed; logs kept in ${keep}`);
    throw e;
  } finally {
    await t.close();
  }
}

if (what === 'reload' || what === 'all') await reloadBench();
if (what === 'lease' || what === 'all') await leaseBench();
