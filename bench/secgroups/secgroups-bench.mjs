#!/usr/bin/env node
// Security groups on one host (root; `npm run build` first). The agent's firewall code, real
// iptables-nft, ipset and conntrack, in a throwaway network namespace; no VIFs are created: the
// rules name tap devices that do not exist, which costs iptables the same. It measures:
//   - the first full apply of 500 ports in one default group with 20 rules (iptables-restore and ipset),
//   - one rule change, one membership change in the remote group (2,000 member ports),
//   - a pass with nothing to do, and a forced full resync with nothing to do,
//   - iptables rules per port, for remote groups of 200 and 2,000 members,
//   - one address added to and removed from an address group of 1,000 addresses that a rule names.
// Each figure is compile + apply as the agent does it (compile is pure, measured separately).
//
//   node bench/secgroups/secgroups-bench.mjs [--ports 500] [--members 2000] [--rules 20] [--rounds 5]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    ports: { type: 'string', default: '500' },
    members: { type: 'string', default: '2000' },
    rules: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' },
    inner: { type: 'boolean', default: false },
  },
});

if (!values.inner) {
  // Run inside a namespace of our own, as the agent runs inside its host's.
  const ns = `qb${randomBytes(2).toString('hex')}-secgroups`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    execFileSync('ip', ['netns', 'exec', ns, process.execPath, ...process.argv.slice(1), '--inner'], { stdio: 'inherit' });
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
  process.exit(0);
}

const { default: pino } = await import('pino');
const { compile } = await import('../../dist/dataplane/compile/compile.js');
const { HostFirewall } = await import('../../dist/agent/firewall.js');
const { id, network, port, replicaOf, securityGroup, settings, sgRule } = await import(
  '../../dist/dataplane/testing/fixtures.js'
);

const PORTS = Number(values.ports);
const MEMBERS = Number(values.members);
const RULES = Number(values.rules);
const ROUNDS = Number(values.rounds);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(1)} ms`;

const net = network({ id: id('aaaa1') });
const dflt = securityGroup({ id: id('5e0de1'), name: 'default' });
const uuid = (kind, n) => {
  const hex = `${kind}${n.toString(16).padStart(8, '0')}`.padEnd(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
const ip = (n) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

/** Neutron's default rules (remote group = the group itself) plus TCP rules up to `count`. */
function rulesOf(count, extra = 0) {
  const rules = [
    sgRule({ id: uuid('a', 1), security_group_id: dflt.id, remote_group_id: dflt.id }),
    sgRule({ id: uuid('a', 2), security_group_id: dflt.id, ethertype: 'IPv6', remote_group_id: dflt.id }),
    sgRule({ id: uuid('a', 3), security_group_id: dflt.id, direction: 'egress' }),
    sgRule({ id: uuid('a', 4), security_group_id: dflt.id, direction: 'egress', ethertype: 'IPv6' }),
  ];
  for (let i = rules.length; i < count + extra; i++) {
    rules.push(
      sgRule({
        id: uuid('b', i),
        security_group_id: dflt.id,
        protocol: 'tcp',
        port_range_min: 1000 + i,
        port_range_max: 1000 + i + (i % 3),
        ...(i % 2 ? { remote_ip_prefix: `192.168.${i}.0/24` } : { remote_group_id: dflt.id }),
      }),
    );
  }
  return rules;
}

/** `local` ports bound here and `members - local` elsewhere, all in the default group. */
function replica({ local = PORTS, members = MEMBERS, rules = rulesOf(RULES), drop = -1, addressGroups = [] } = {}) {
  const ports = [];
  for (let n = 0; n < members; n++) {
    if (n === drop) continue;
    ports.push(
      port({
        id: uuid('c', n),
        network_id: net.id,
        host: n < local ? 'bench' : 'elsewhere',
        mac_address: `fa:16:3e:${((n >> 16) & 255).toString(16).padStart(2, '0')}:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`,
        fixed_ips: [{ subnet_id: 's', ip_address: ip(n + 10) }],
        security_groups: [dflt.id],
      }),
    );
  }
  return replicaOf({ networks: [net], ports, securityGroups: [dflt], securityGroupRules: rules, addressGroups });
}

/** An address group of `n` /32 addresses (172.16.0.0/12) and a rule of the default group naming it. */
const OFFICE = id('a90ff1');
const addressGroup = (n) => ({
  id: OFFICE,
  project_id: 'p1',
  name: 'office',
  description: '',
  addresses: Array.from({ length: n }, (_, i) => `172.${16 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255}/32`),
  created_at: '',
  updated_at: '',
  revision_number: 1,
});
const officeRule = sgRule({
  id: uuid('d', 1),
  security_group_id: dflt.id,
  protocol: 'tcp',
  port_range_min: 22,
  port_range_max: 22,
  remote_address_group_id: OFFICE,
});

const host = settings('bench');
let fw = new HostFirewall(pino({ level: 'warn' }));
function planOf(r, zones) {
  const t0 = performance.now();
  const plan = compile(r, { vifs: [], localVlans: new Map(), conntrackZones: zones }, host);
  return { plan, compileMs: performance.now() - t0 };
}
/** One agent pass: compile, then apply; `applyMs` is the firewall's part of the pass. */
async function timed(r, full) {
  const zones = await fw.zones();
  const { plan, compileMs } = planOf(r, zones);
  const t0 = performance.now();
  const result = await fw.apply(plan, full);
  return { compileMs, applyMs: performance.now() - t0, result, plan };
}

function rulesPerPort(plan) {
  const p = plan.firewallPorts[0];
  const marks = [p.device, p.portId.slice(0, 10)];
  const own = plan.iptables.flatMap((c) =>
    marks.some((m) => c.chain.endsWith(m)) ? c.rules : c.rules.filter((rule) => marks.some((m) => rule.includes(m))),
  );
  const shared = plan.iptables.filter((c) => c.chain.startsWith('quark-fw-g')).reduce((n, c) => n + c.rules.length, 0);
  const total = plan.iptables.reduce((n, c) => n + c.rules.length, 0);
  return { own: own.length, shared, total };
}

const out = [];
const say = (line) => {
  out.push(line);
  console.log(line);
};
say(
  `load average before: ${execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ')} (2 vCPUs)`,
);
say(`secgroups bench: ${PORTS} ports on the host, default group of ${MEMBERS} ports, ${RULES} rules; median of ${ROUNDS} rounds`);
say(
  `iptables: ${execFileSync('iptables', ['--version'], { encoding: 'utf8' }).trim()}, ipset ${execFileSync('ipset', ['--version'], { encoding: 'utf8' }).split(',')[0].trim()}`,
);

const first = [];
const firstCompile = [];
const ruleChange = [];
const memberChange = [];
const memberLeave = [];
const memberLeaveTables = [];
const idle = [];
const resync = [];
const addressAdd = [];
const addressRemove = [];
const addressRemoveTables = [];
for (let round = 0; round < ROUNDS; round++) {
  execFileSync('iptables', ['-F']);
  for (const t of ['filter', 'raw']) {
    for (const cmd of [['-F'], ['-X']]) {
      execFileSync('iptables', ['-t', t, ...cmd]);
      execFileSync('ip6tables', ['-t', t, ...cmd]);
    }
  }
  execFileSync('ipset', ['destroy']);
  fw = new HostFirewall(pino({ level: 'warn' }));
  const base = replica();
  const a = await timed(base, true);
  first.push(a.applyMs);
  firstCompile.push(a.compileMs);
  idle.push((await timed(base, false)).applyMs);
  const withRule = replica({ rules: rulesOf(RULES, 1) });
  ruleChange.push((await timed(withRule, false)).applyMs);
  const joined = replica({ rules: rulesOf(RULES, 1), members: MEMBERS + 1 });
  memberChange.push((await timed(joined, false)).applyMs);
  const left = replica({ rules: rulesOf(RULES, 1), members: MEMBERS + 1, drop: MEMBERS - 1 });
  const leave = await timed(left, false);
  memberLeave.push(leave.applyMs);
  memberLeaveTables.push(leave.result.tablesMs);
  resync.push((await timed(left, true)).applyMs);
  const withOffice = { rules: [...rulesOf(RULES, 1), officeRule], members: MEMBERS + 1, drop: MEMBERS - 1 };
  await timed(replica({ ...withOffice, addressGroups: [addressGroup(1000)] }), false);
  addressAdd.push((await timed(replica({ ...withOffice, addressGroups: [addressGroup(1001)] }), false)).applyMs);
  const removed = await timed(replica({ ...withOffice, addressGroups: [addressGroup(1000)] }), false);
  addressRemove.push(removed.applyMs);
  addressRemoveTables.push(removed.result.tablesMs);
}

const final = planOf(replica(), new Map()).plan;
const small = planOf(replica({ members: 200, local: Math.min(PORTS, 200) }), new Map()).plan;
const counts = rulesPerPort(final);
const smallCounts = rulesPerPort(small);
say('');
// On a machine shared with other work the minimum is the best estimate of the cost itself.
say('| measurement | median | min | all rounds (ms) |');
say('|---|---|---|---|');
const row = (name, xs) =>
  say(`| ${name} | ${ms(median(xs))} | ${ms(Math.min(...xs))} | ${xs.map((x) => x.toFixed(0)).join(', ')} |`);
row(`compile the host plan (${PORTS} ports; every pass does this first)`, firstCompile);
row('first full apply (ipset + iptables-restore ×2 families)', first);
row('pass with nothing changed', idle);
row('one rule added to the group', ruleChange);
row(`one port joins the remote group (${MEMBERS} → ${MEMBERS + 1})`, memberChange);
row('one port leaves the remote group: ipset in place', memberLeaveTables);
row('one port leaves the remote group: with the conntrack check', memberLeave);
row('forced full resync, nothing to change', resync);
row('one address added to an address group (1,000 → 1,001)', addressAdd);
row('one address removed from it: ipset in place', addressRemoveTables);
row('one address removed from it: with the conntrack check', addressRemove);
say('');
say(
  `iptables rules per port (IPv4 + IPv6, chains and jumps of its own): ${counts.own} with a remote group of ${MEMBERS}, ${smallCounts.own} with 200`,
);
say(
  `rules in the shared group chains: ${counts.shared}; all rules on the host: ${counts.total} (${(counts.total / PORTS).toFixed(1)} per port)`,
);
say(`ipset members of the remote group: ${final.ipsets.find((s) => s.family === 4)?.members.length}`);
