#!/usr/bin/env node
// bench/ha: how much traffic an HA router loses when its active network node dies (issue 14's
// lab proof). Each round brings scenarios/ha.yaml up (two network nodes, an HA router, vm1 with
// a floating IP, vm2 behind SNAT), then sends 10 ms pings in both directions — the internet host
// to vm1's floating IP, vm2 to the internet host — twice:
//
//   reference: 6 s of pings with nothing failing (what the same pings lose on this machine now);
//   failover:  10 s of pings; 2 s in, `quark lab kill-node` kills every process of the network
//              node where the router is active (agent, OVS, keepalived, dnsmasq) at once.
//
// For each stream: requests sent, replies received, the longest run of missing replies, and the
// time between the replies around it (the silence; ping's interval stretches while nothing
// answers, so the time, not the count, is the loss), plus how long after the kill the API
// shows the router active on the survivor. The lab is removed between rounds.
//
//   sudo node bench/ha/run.mjs [--rounds 5] [--out FILE]
//
// Needs root, a build (`npm run build`) and Debian's keepalived.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { background, environment, machineLoad, options, root, sleep, stamp, summary, writeResult } from '../common.mjs';

const { Lab } = await import(join(root, 'dist', 'lab', 'lab.js'));
const { labExtra } = await import(join(root, 'dist', 'lab', 'extra.js'));
const { passwordClient } = await import(join(root, 'dist', 'lab', 'controller.js'));
const { pingLoss } = await import(join(root, 'dist', 'testing', 'ping-gaps.js'));

const opt = options();
const rounds = Number(opt('--rounds', '5'));
const out = opt('--out', join(root, 'bench', 'results', `ha-${stamp()}.json`));
const quark = join(root, 'bin', 'quark');
const scenario = join(root, 'scenarios', 'ha.yaml');
const name = `qha${process.pid.toString(36).slice(-3)}`;
const INTERVAL = '0.01';
const load = machineLoad();

function run(argv) {
  const r = spawnSync(quark, argv, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`quark ${argv.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function labApi() {
  const lab = Lab.load(`/run/quark/lab/${name}`);
  const extra = labExtra(lab);
  return { lab, extra, api: passwordClient(extra.controller.url, extra.controller.admin) };
}

async function hosting(api) {
  const { routers } = await api.get('/v2.0/routers?name=demo-router');
  return (await api.get(`/v2.0/routers/${routers[0].id}/l3-agents`)).agents;
}

/** Both ping streams, `count` requests each at 10 ms; `during` runs `atMs` after they start. */
async function pings(lab, extra, count, atMs, during) {
  const vm1 = extra.instances.find((i) => i.name === 'vm1');
  const ping = (target) => ['ping', '-D', '-i', INTERVAL, '-W', '1', '-c', String(count), target];
  const inbound = background(['ip', 'netns', 'exec', lab.fabric.internetNetns, ...ping(vm1.floatingIp)]);
  const outbound = background([quark, 'lab', 'exec', 'vm2', '--lab', name, '--', ...ping(lab.fabric.internetIp)]);
  await sleep(atMs);
  const extraResult = during ? await during() : null;
  const timeout = count * 30 + 10_000;
  const [inn, outb] = await Promise.all([inbound.done(timeout), outbound.done(timeout)]);
  const figures = (stdout) => {
    const l = pingLoss(stdout);
    return { ...l, lost: l.sent - l.received };
  };
  return { floating_ip_inbound: figures(inn.stdout), snat_outbound: figures(outb.stdout), ...extraResult };
}

const results = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const port = String(20000 + Math.floor(Math.random() * 20000));
    run(['lab', 'up', scenario, '--name', name, '--port', port]);
    const { lab, extra, api } = labApi();
    const before = await hosting(api);
    const active = before.find((a) => a.ha_state === 'active').host;
    const standby = before.find((a) => a.host !== active).host;
    const reference = await pings(lab, extra, 600, 0, null);
    const failover = await pings(lab, extra, 1000, 2000, async () => {
      const killedAt = performance.now();
      run(['lab', 'kill-node', active, '--lab', name]);
      // How long until the survivor's report reaches the API (the agent reports keepalived's state).
      let apiActiveMs = null;
      for (let i = 0; i < 200 && apiActiveMs === null; i++) {
        const now = await hosting(api).catch(() => []);
        if (now.find((a) => a.host === standby)?.ha_state === 'active') apiActiveMs = Math.round(performance.now() - killedAt);
        else await sleep(50);
      }
      return { killed: active, survivor: standby, api_active_after_ms: apiActiveMs };
    });
    const row = { round, reference, failover };
    results.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
    run(['lab', 'down', name]);
  }
} finally {
  spawnSync(quark, ['lab', 'down', name, '--force'], { stdio: 'ignore' });
}

const stream = (phase, key, field) => results.map((r) => r[phase][key][field]);
const figures = {};
for (const phase of ['reference', 'failover']) {
  for (const key of ['floating_ip_inbound', 'snat_outbound']) {
    figures[`${phase}.${key}`] = {
      silence_ms: summary(stream(phase, key, 'longestGapMs'), 0),
      lost: summary(stream(phase, key, 'lost'), 0),
    };
  }
}
figures['failover.api_active_after_ms'] = summary(
  results.map((r) => r.failover.api_active_after_ms).filter((x) => x !== null),
  0,
);
writeResult(out, {
  bench: 'ha',
  scenario: 'scenarios/ha.yaml',
  interval_ms: 10,
  rounds,
  figures,
  results,
  environment: {
    ...environment(),
    keepalived: spawnSync('keepalived', ['--version'], { encoding: 'utf8' }).stderr.split('\n')[0],
  },
  machine: load(),
});
process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
