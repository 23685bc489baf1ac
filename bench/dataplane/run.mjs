#!/usr/bin/env node
// bench/dataplane: TCP throughput (iperf3) and ping RTT between lab instances, on one host and
// across two hosts over a GRE or VXLAN tunnel, each as a ratio to a plain veth pair between two
// namespaces measured in the same run with the same options. Instances are real: `quark vif
// plug` (hybrid plug: tap/qbr/qvb/qvo on Open vSwitch; a tap in the network's bridge on Linux
// bridge), the agents' flows or bridges and their iptables firewall, with port security on (the
// project's default security group) and, as a second figure, off. Each mechanism runs on its
// own pair of hosts; Linux bridge hosts tunnel with VXLAN only.
//
//   node bench/dataplane/run.mjs [--mechanism openvswitch,linuxbridge] [--tunnel gre,vxlan] [--time 5]
//        [--reps 3] [--pings 200] [--port-security on,off] [--underlay-mtu 1500] [--tuning] [--out FILE]
//
// Cases are measured round-robin (veth, same host, across hosts, …) so a neighbour's load on the
// shared cores spreads over all of them; each figure is the median of --reps runs of
// `iperf3 -c … -t TIME -J` (receiver's rate). --underlay-mtu raises the underlay cables and the
// server's global_physnet_mtu (tenant MTU = that minus the tunnel overhead). --tuning adds, for
// the cross-host path with port security on, the offload variants docs/flows.md discusses.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  background,
  environment,
  machineLoad,
  median,
  options,
  pct,
  pingReplies,
  root,
  round,
  stamp,
  writeResult,
} from '../common.mjs';

const { testLab } = await import(join(root, 'dist', 'testing', 'lab-harness.js'));
const { inNodeNetns } = await import(join(root, 'dist', 'lab', 'node.js'));
const { qvbDevice, qvoDevice, tapDevice } = await import(join(root, 'dist', 'model', 'names.js'));

const opt = options();
const tunnels = opt('--tunnel', 'gre,vxlan').split(',');
const mechanisms = opt('--mechanism', 'openvswitch').split(',');
if (!mechanisms.every((m) => m === 'openvswitch' || m === 'linuxbridge'))
  throw new Error('--mechanism takes openvswitch, linuxbridge or both');
const seconds = Number(opt('--time', '5'));
const reps = Number(opt('--reps', '3'));
const pings = Number(opt('--pings', '200'));
const security = opt('--port-security', 'on,off').split(',');
const underlayMtu = Number(opt('--underlay-mtu', '1500'));
const tuning = process.argv.includes('--tuning');
const out = opt('--out', join(root, 'bench', 'results', `dataplane-${stamp()}.json`));

const VETH = { a: 'bench-va', b: 'bench-vb', ipA: '192.0.2.1', ipB: '192.0.2.2' };

/** One iperf3 run from `from` to `to` (each `{node, netns}`), the server started for it alone. */
async function iperf(t, from, to, toIp) {
  const server = background(
    inNodeNetns(t.lab.node(to.node).handle, to.netns, ['iperf3', '-s', '-1', '--forceflush', '-p', '5201']),
  );
  try {
    await server.waitFor('Server listening');
    const { stdout } = await t.lab.exec(from.node, ['iperf3', '-c', toIp, '-p', '5201', '-t', String(seconds), '-J'], from.netns);
    const end = JSON.parse(stdout).end;
    return { gbps: round(end.sum_received.bits_per_second / 1e9, 3), retransmits: end.sum_sent.retransmits ?? null };
  } finally {
    await server.stop('SIGTERM');
  }
}

async function pingRtt(t, from, toIp) {
  const { stdout } = await t.lab
    .exec(from.node, ['ping', '-c', String(pings), '-i', '0.01', '-W', '1', toIp], from.netns)
    .catch((e) => ({ stdout: String(e.detail ?? '') }));
  const r = pingReplies(stdout);
  return { p50_ms: pct(r.rtts, 50), p99_ms: pct(r.rtts, 99), received: r.received, sent: pings };
}

/** Offload settings (ethtool -k) of the devices on an instance's path, as the run found them. */
async function offloads(t, node, port, netns) {
  const show = async (dev, ns) => {
    const { stdout } = await t.lab.exec(node, ['ethtool', '-k', dev], ns);
    const get = (k) => new RegExp(`^\\s*${k}: (.+)$`, 'm').exec(stdout)?.[1] ?? null;
    return Object.fromEntries(
      ['tx-checksum-ip-generic', 'tx-tcp-segmentation', 'generic-segmentation-offload', 'generic-receive-offload'].map((f) => [
        f,
        get(f),
      ]),
    );
  };
  const mtu = async (dev, ns) => (await t.lab.exec(node, ['cat', `/sys/class/net/${dev}/mtu`], ns)).stdout.trim();
  const hybrid = port['binding:vif_type'] === 'ovs';
  return {
    eth0: { ...(await show('eth0', netns)), mtu: await mtu('eth0', netns) },
    [tapDevice(port.id).slice(0, 3)]: await show(tapDevice(port.id)),
    ...(hybrid ? { qvb: { ...(await show(qvbDevice(port.id))), mtu: await mtu(qvbDevice(port.id)) } } : {}),
  };
}

/** The underlay at `mtu`: the fabric's underlay bridge and cables and each node's eth1. */
async function raiseUnderlay(t, mtu) {
  const fabricNs = t.lab.fabric.netns;
  const links = execFileSync('ip', ['-n', fabricNs, '-o', 'link', 'show'], { encoding: 'utf8' });
  for (const dev of links.matchAll(/^\d+: (ul\d*)[@:]/gm))
    execFileSync('ip', ['-n', fabricNs, 'link', 'set', dev[1], 'mtu', String(mtu)]);
  for (const node of ['compute1', 'compute2']) await t.lab.exec(node, ['ip', 'link', 'set', 'eth1', 'mtu', String(mtu)]);
}

async function measureTunnel(mechanism, tunnelType) {
  const t = await testLab({
    nodes: [
      { name: 'compute1', roles: ['l2'], mechanism },
      { name: 'compute2', roles: ['l2'], mechanism },
    ],
    tunnelType,
    server: { quotaPort: -1, ...(underlayMtu !== 1500 ? { globalPhysnetMtu: underlayMtu } : {}) },
  });
  try {
    if (underlayMtu !== 1500) await raiseUnderlay(t, underlayMtu);
    const { network } = await t.api.post('/v2.0/networks', { network: { name: 'bench', project_id: 'bench' } });
    await t.api.post('/v2.0/subnets', {
      subnet: { network_id: network.id, ip_version: 4, cidr: '10.20.0.0/24', project_id: 'bench' },
    });
    // Instances: a1, a2 (compute1) and b1 (compute2) with port security; c1, c2, d1 without.
    const made = {};
    for (const [name, node, ps] of [
      ['a1', 'compute1', true],
      ['a2', 'compute1', true],
      ['b1', 'compute2', true],
      ['c1', 'compute1', false],
      ['c2', 'compute1', false],
      ['d1', 'compute2', false],
    ]) {
      if (!security.includes(ps ? 'on' : 'off')) continue;
      const port = await t.instance(node, name, { network_id: network.id, project_id: 'bench', port_security_enabled: ps });
      made[name] = { node, netns: name, port, ip: port.fixed_ips[0].ip_address };
    }
    await t.until('instances ACTIVE', () =>
      Object.values(made).every((i) => t.store.view.get('port', i.port.id)?.status === 'ACTIVE'),
    );
    // The plain veth pair: two namespaces inside compute1, default offloads, MTU 1500.
    await t.lab.exec('compute1', ['ip', 'netns', 'add', VETH.a]);
    await t.lab.exec('compute1', ['ip', 'netns', 'add', VETH.b]);
    await t.lab.exec('compute1', [
      'ip',
      'link',
      'add',
      'veth0',
      'netns',
      VETH.a,
      'type',
      'veth',
      'peer',
      'name',
      'veth0',
      'netns',
      VETH.b,
    ]);
    for (const [ns, ip] of [
      [VETH.a, VETH.ipA],
      [VETH.b, VETH.ipB],
    ]) {
      await t.lab.exec('compute1', ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'veth0'], ns);
      await t.lab.exec('compute1', ['ip', 'link', 'set', 'veth0', 'up'], ns);
      await t.lab.exec('compute1', ['ip', 'link', 'set', 'lo', 'up'], ns);
    }
    const veth = { from: { node: 'compute1', netns: VETH.a }, to: { node: 'compute1', netns: VETH.b }, ip: VETH.ipB };
    const pair = (a, b) => made[a] && made[b] && { from: made[a], to: made[b], ip: made[b].ip };
    const cases = Object.fromEntries(
      Object.entries({
        veth,
        same_host_port_security_on: pair('a1', 'a2'),
        across_hosts_port_security_on: pair('a1', 'b1'),
        same_host_port_security_off: pair('c1', 'c2'),
        across_hosts_port_security_off: pair('c1', 'd1'),
      }).filter(([, c]) => c),
    );
    // Reachability first (and ARP warm), so a failed wiring fails loudly instead of measuring 0.
    for (const [name, c] of Object.entries(cases)) {
      await t.lab.exec(c.from.node, ['ping', '-c', '3', '-i', '0.2', '-W', '1', c.ip], c.from.netns).catch((e) => {
        throw new Error(`${tunnelType} ${name}: no ping: ${e.message}`);
      });
    }
    const runs = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    for (let r = 0; r < reps; r++) {
      for (const [name, c] of Object.entries(cases)) {
        const m = await iperf(t, c.from, c.to, c.ip);
        runs[name].push(m);
        process.stderr.write(
          `${mechanism} ${tunnelType} rep ${r + 1}/${reps} ${name}: ${m.gbps} Gbit/s (${m.retransmits} retransmits)\n`,
        );
      }
    }
    const rtt = {};
    for (const [name, c] of Object.entries(cases)) rtt[name] = await pingRtt(t, c.from, c.ip);
    const vethGbps = median(runs.veth.map((m) => m.gbps));
    const figures = Object.fromEntries(
      Object.entries(runs).map(([name, ms]) => {
        const gbps = median(ms.map((m) => m.gbps));
        return [
          name,
          {
            gbps_median: gbps,
            ratio_to_veth: name === 'veth' ? 1 : round(gbps / vethGbps, 4),
            runs_gbps: ms.map((m) => m.gbps),
            retransmits: ms.map((m) => m.retransmits),
            ping_rtt_ms: rtt[name],
          },
        ];
      }),
    );
    const mtu = (await t.api.get(`/v2.0/networks/${network.id}`)).network.mtu;
    const found = made.a1 ? await offloads(t, 'compute1', made.a1.port, 'a1') : null;
    const tuned = tuning && mechanism === 'openvswitch' && made.a1 && made.b1 ? await tuningVariants(t, made, vethGbps) : null;
    await t.lab.exec('compute1', ['ip', 'netns', 'del', VETH.a]);
    await t.lab.exec('compute1', ['ip', 'netns', 'del', VETH.b]);
    return {
      mechanism,
      tunnel: tunnelType,
      instance_mtu: mtu,
      underlay_mtu: underlayMtu,
      cases: figures,
      instance_offloads: found,
      tuning: tuned,
    };
  } finally {
    await t.close();
  }
}

const AF_XDP_VARIANT = 'AF_XDP: qvo… and eth1 of both hosts as type=afxdp-nonpmd (xdp-mode=generic)';

/** A tuning variant this host cannot run (the reason goes into the result instead of a figure). */
class Unavailable extends Error {}

/**
 * Offload variants on the cross-host path a1 → b1 (port security on), each measured --reps
 * times and restored afterwards. The plug's own setting is eth0 (instance side) tx off.
 */
async function tuningVariants(t, made, vethGbps) {
  const a1 = made.a1;
  const b1 = made.b1;
  const qvbA = qvbDevice(a1.port.id);
  const qvbB = qvbDevice(b1.port.id);
  const tapB = tapDevice(b1.port.id);
  const k = (node, netns, dev, ...kv) => t.lab.exec(node, ['ethtool', '-K', dev, ...kv], netns).catch(() => undefined);
  const vsctl = (node, argv) => t.lab.exec(node, ['ovs-vsctl', ...argv]);
  const xdpPorts = [
    ['compute1', qvoDevice(a1.port.id)],
    ['compute1', 'eth1'],
    ['compute2', qvoDevice(b1.port.id)],
    ['compute2', 'eth1'],
  ];
  // After a port changes type OVS re-opens it: wait until a1 reaches b1 again, counting the pings lost meanwhile.
  const settle = async () => {
    for (let i = 0; i < 50; i++) {
      const ok = await t.lab.exec('compute1', ['ping', '-c', '1', '-W', '0.2', b1.ip], 'a1').then(
        () => true,
        () => false,
      );
      if (ok) return i;
    }
    throw new Error('a1 does not reach b1 after a port type change');
  };
  // What the plug and the agent made of qvo… and eth1: afxdp-nonpmd where OVS offers it, else system.
  const plugged =
    (await vsctl('compute1', ['get', 'Interface', qvoDevice(a1.port.id), 'type'])).stdout.trim().replaceAll('"', '') || 'system';
  const portType = (node, dev, type) =>
    type === 'system'
      ? vsctl(node, ['set', 'Interface', dev, 'type=system', '--', 'remove', 'Interface', dev, 'options', 'xdp-mode'])
      : vsctl(node, ['set', 'Interface', dev, `type=${type}`, 'options:xdp-mode=generic']);
  const variants = [
    {
      name: `as_plugged (instance eth0 tx off; qvo… and eth1 ${plugged})`,
      set: async () => undefined,
      reset: async () => undefined,
    },
    {
      name: 'qvb tx off instead of instance eth0 (TSO through qbr/iptables, segmented at qvb)',
      set: async () => {
        await k('compute1', 'a1', 'eth0', 'tx', 'on');
        await k('compute1', undefined, qvbA, 'tx', 'off');
      },
      reset: async () => {
        await k('compute1', undefined, qvbA, 'tx', 'on');
        await k('compute1', 'a1', 'eth0', 'tx', 'off');
      },
    },
    {
      name: 'GRO on the receiving qvb and tap (veth NAPI)',
      set: async () => {
        await k('compute2', undefined, qvbB, 'gro', 'on');
        await k('compute2', undefined, tapB, 'gro', 'on');
      },
      reset: async () => {
        await k('compute2', undefined, qvbB, 'gro', 'off');
        await k('compute2', undefined, tapB, 'gro', 'off');
      },
    },
    {
      // The other way of OVS's packet I/O on these ports than the plug and the agent chose: AF_XDP
      // sockets (generic XDP on the veths, from OVS's main thread: no busy-polling PMD thread) where
      // they are AF_PACKET, AF_PACKET where they are AF_XDP (the default where OVS offers it).
      name: plugged === 'afxdp-nonpmd' ? 'AF_PACKET: qvo… and eth1 of both hosts as type=system' : AF_XDP_VARIANT,
      set: async () => {
        // Debian's OVS is built with libxdp, but a build without it, or a kernel without XDP on
        // veths, must make this variant report why it is missing rather than fail the whole run.
        const types = (await vsctl('compute1', ['get', 'Open_vSwitch', '.', 'iface_types'])).stdout;
        if (!types.includes('afxdp-nonpmd'))
          throw new Unavailable(`this ovs-vswitchd has no afxdp interface types (iface_types ${types.trim()})`);
        for (const [node, dev] of xdpPorts) {
          await portType(node, dev, plugged === 'afxdp-nonpmd' ? 'system' : 'afxdp-nonpmd');
          const error = (await vsctl(node, ['get', 'Interface', dev, 'error'])).stdout.trim();
          if (error !== '[]' && error !== '') throw new Unavailable(`${node} ${dev}: ${error}`);
        }
        await settle();
      },
      reset: async () => {
        for (const [node, dev] of xdpPorts) await portType(node, dev, plugged);
        await settle();
      },
    },
    {
      name: 'sender GSO off (eth0 gso off: the stack builds MTU-sized packets)',
      set: async () => k('compute1', 'a1', 'eth0', 'gso', 'off'),
      reset: async () => k('compute1', 'a1', 'eth0', 'gso', 'on'),
    },
  ];
  const runs = Object.fromEntries(variants.map((v) => [v.name, []]));
  const unavailable = {};
  for (let r = 0; r < reps; r++) {
    for (const v of variants) {
      if (unavailable[v.name]) continue;
      try {
        await v.set();
        const m = await iperf(t, a1, b1, b1.ip);
        runs[v.name].push(m);
        process.stderr.write(`tuning rep ${r + 1}/${reps} ${v.name}: ${m.gbps} Gbit/s (${m.retransmits} retransmits)\n`);
      } catch (e) {
        if (!(e instanceof Unavailable)) throw e;
        unavailable[v.name] = e.message;
        process.stderr.write(`tuning ${v.name}: unavailable: ${e.message}\n`);
      } finally {
        await v.reset();
      }
    }
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, ms]) => {
      if (unavailable[name]) return [name, { unavailable: unavailable[name] }];
      const gbps = median(ms.map((m) => m.gbps));
      return [
        name,
        {
          gbps_median: gbps,
          ratio_to_veth: round(gbps / vethGbps, 4),
          runs_gbps: ms.map((m) => m.gbps),
          retransmits: ms.map((m) => m.retransmits),
        },
      ];
    }),
  );
}

const load = machineLoad();
const results = [];
for (const mechanism of mechanisms) {
  for (const tunnel of tunnels) {
    if (mechanism === 'linuxbridge' && tunnel === 'gre') continue; // GRE needs Open vSwitch
    results.push(await measureTunnel(mechanism, tunnel));
  }
}
const result = {
  benchmark: 'dataplane',
  command: `node bench/dataplane/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  iperf3: `iperf3 -c <ip> -t ${seconds} -J (1 TCP stream; receiver rate; median of ${reps})`,
  ping: `ping -c ${pings} -i 0.01`,
  machine: load(),
  environment: environment(),
  results,
};
writeResult(out, result);
for (const r of results) {
  console.log(`${r.mechanism} ${r.tunnel} (instance MTU ${r.instance_mtu}, underlay ${r.underlay_mtu}):`);
  for (const [name, c] of Object.entries(r.cases)) {
    console.log(
      `  ${name.padEnd(32)} ${String(c.gbps_median).padStart(7)} Gbit/s  ratio ${String(c.ratio_to_veth).padEnd(6)}  rtt p50 ${c.ping_rtt_ms.p50_ms} ms`,
    );
  }
  for (const [name, v] of Object.entries(r.tuning ?? {}))
    console.log(
      v.unavailable
        ? `  tuning: ${name}: unavailable (${v.unavailable})`
        : `  tuning: ${name}: ${v.gbps_median} Gbit/s (ratio ${v.ratio_to_veth})`,
    );
}
console.log(`machine: ${JSON.stringify(result.machine)}`);
