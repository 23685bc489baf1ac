#!/usr/bin/env node
// OVSDB driver benchmark (root; `npm run build` first): on a private ovsdb-server + ovs-vswitchd
// (userspace datapath, own namespace), compares adding 100 ports in ONE transaction with 100
// `ovs-vsctl add-port` calls, with and without waiting for ovs-vswitchd; then measures how long a
// committed Interface change takes to reach a monitor (in-process writer, and ovs-vsctl as writer).
//
//   node bench/ovsdb/ovsdb-bench.mjs [--ports 100] [--rounds 3] [--samples 300]
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import {
  applySwitchChange,
  insert,
  mutate,
  namedUuid,
  OvsdbClient,
  readSwitch,
  SwitchMirror,
  set,
  watchInterfaces,
} from '../../dist/dataplane/drivers/ovsdb/index.js';
import { startPrivateOvs } from '../../dist/dataplane/testing/private-ovs.js';

const { values } = parseArgs({
  options: {
    ports: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    samples: { type: 'string', default: '300' },
  },
});
const PORTS = Number(values.ports);
const ROUNDS = Number(values.rounds);
const SAMPLES = Number(values.samples);
const exec = promisify(execFile);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const ms = (x) => `${x.toFixed(1)} ms`;

const ovs = await startPrivateOvs({ vswitchd: true });
const client = await OvsdbClient.connect(ovs.dbSocket);
const vsctl = (...args) =>
  exec('ovs-vsctl', [`--db=unix:${ovs.dbSocket}`, '--timeout=60', ...args], { env: { ...process.env, ...ovs.env } });

try {
  const bridge = `${ovs.prefix}-b`;
  const portName = (i) => `${ovs.prefix}p${i}`;
  const fresh = () => applySwitchChange(client, { removeBridges: [bridge] }, { waitForVswitchd: true });
  const makeBridge = () =>
    applySwitchChange(
      client,
      { bridges: [{ name: bridge, datapathType: 'netdev', failMode: 'secure' }] },
      { waitForVswitchd: true },
    );
  const ports = () =>
    Array.from({ length: PORTS }, (_, i) => ({ bridge, name: portName(i), interfaces: [{ type: 'internal' }] }));

  const modes = {
    'one transaction, no wait': () => applySwitchChange(client, { ports: ports() }),
    'one transaction, wait for ovs-vswitchd': () => applySwitchChange(client, { ports: ports() }, { waitForVswitchd: true }),
    [`${PORTS} × ovs-vsctl --no-wait add-port`]: async () => {
      for (let i = 0; i < PORTS; i++)
        await vsctl('--no-wait', 'add-port', bridge, portName(i), '--', 'set', 'Interface', portName(i), 'type=internal');
    },
    [`${PORTS} × ovs-vsctl add-port (waits)`]: async () => {
      for (let i = 0; i < PORTS; i++)
        await vsctl('add-port', bridge, portName(i), '--', 'set', 'Interface', portName(i), 'type=internal');
    },
  };
  console.log(`adding ${PORTS} internal ports to a netdev bridge, median of ${ROUNDS} rounds:`);
  for (const [name, add] of Object.entries(modes)) {
    const times = [];
    for (let r = 0; r < ROUNDS; r++) {
      await makeBridge();
      const t0 = performance.now();
      await add();
      times.push(performance.now() - t0);
      await fresh();
    }
    console.log(`  ${name.padEnd(42)} ${ms(median(times))}  (rounds: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`);
  }

  await makeBridge();
  const watch = await watchInterfaces(client);
  const events = watch[Symbol.asyncIterator]();
  const seen = async (name) => {
    for (;;) {
      const next = await events.next();
      if (next.value?.some((e) => e.kind === 'added' && e.interface.name === name)) return performance.now();
    }
  };
  const writer = await OvsdbClient.connect(ovs.dbSocket);
  // One port per write, three writers in turn: a raw transaction (insert Interface + Port, add it
  // to Bridge.ports), applySwitchChange (which first reads the switch), and ovs-vsctl.
  const rawAdd = (name) =>
    writer.transact('Open_vSwitch', [
      insert('Interface', { name, type: 'internal' }, 'i'),
      insert('Port', { name, interfaces: namedUuid('i') }, 'p'),
      mutate('Bridge', [['name', '==', bridge]], [['ports', 'insert', set([namedUuid('p')])]]),
    ]);
  const mirror = await SwitchMirror.start(writer);
  const writers = {
    'transact (one port) → monitor': rawAdd,
    'applySwitchChange (read + transact) → monitor': (name) =>
      applySwitchChange(writer, { ports: [{ bridge, name, interfaces: [{ type: 'internal' }] }] }),
    'applySwitchChange with a SwitchMirror → monitor': (name) =>
      applySwitchChange(writer, { ports: [{ bridge, name, interfaces: [{ type: 'internal' }] }] }, { mirror }),
    'ovs-vsctl --no-wait add-port → monitor': (name) =>
      vsctl('--no-wait', 'add-port', bridge, name, '--', 'set', 'Interface', name, 'type=internal'),
  };
  const latency = Object.fromEntries(Object.keys(writers).map((k) => [k, []]));
  const kinds = Object.keys(writers);
  for (let i = 0; i < SAMPLES; i++) {
    const name = `${ovs.prefix}m${i}`;
    const kind = kinds[i % kinds.length];
    const t0 = performance.now();
    const arrived = seen(name);
    await writers[kind](name);
    latency[kind].push((await arrived) - t0);
  }
  console.log(`monitor notification latency (${SAMPLES} samples in all, from the start of the write):`);
  for (const [name, xs] of Object.entries(latency))
    console.log(`  ${name.padEnd(48)} p50 ${ms(pct(xs, 50))}  p99 ${ms(pct(xs, 99))}`);
  await watch.cancel();
  await mirror.cancel();
  writer.close();

  // What reading the switch costs as it grows: the reason for SwitchMirror.
  await fresh();
  await makeBridge();
  const many = Array.from({ length: 1000 }, (_, i) => ({
    bridge,
    name: `${ovs.prefix}r${i}`,
    interfaces: [{ type: 'internal', externalIds: { 'iface-id': `3c9b4a1e-2f5d-4c1a-9e0b-${String(i).padStart(12, '0')}` } }],
  }));
  let t0 = performance.now();
  await applySwitchChange(client, { ports: many }, { waitForVswitchd: true, timeoutMs: 120_000 });
  console.log(`1,000 VIF ports in one transaction, waiting for ovs-vswitchd: ${ms(performance.now() - t0)}`);
  const reads = [];
  for (let r = 0; r < 5; r++) {
    t0 = performance.now();
    await readSwitch(client);
    reads.push(performance.now() - t0);
  }
  const bigMirror = await SwitchMirror.start(client);
  t0 = performance.now();
  void bigMirror.state;
  const assemble = performance.now() - t0;
  console.log(`readSwitch at 1,000 ports: median ${ms(median(reads))}; SwitchMirror.state after a change: ${ms(assemble)}`);
  await bigMirror.cancel();
} finally {
  client.close();
  await ovs.stop();
}
