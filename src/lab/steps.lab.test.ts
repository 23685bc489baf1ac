/**
 * The floating-IP-move story (scenarios/floating-ip-move.yaml) as a user runs it: `lab up`
 * with its five steps, each of which must hold (their budgets are reported, never asserted
 * here: timings belong to BENCHMARKS.md); then the lab read live after the steps (`status`,
 * `check`, the `vm3.floating` shortcut of trace after another move), a floating IP that
 * points nowhere traced, a fixed address from outside without the route it needs, background
 * processes, and `lab down` leaving nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { TraceResult } from '../model/trace.js';
import { leftovers, uniquePrefix } from '../testing/host.js';
import { Actions } from './actions.js';
import { labExtra } from './extra.js';
import { Lab } from './lab.js';

const QUARK = fileURLToPath(new URL('../../bin/quark', import.meta.url));
const SCENARIO = fileURLToPath(new URL('../../scenarios/floating-ip-move.yaml', import.meta.url));

function quark(args: readonly string[]): { status: number; out: string; stdout: string } {
  const r = spawnSync(QUARK, args, { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

describe('quark lab up scenarios/floating-ip-move.yaml: a story in steps', () => {
  const name = uniquePrefix('qs');
  const load = () => Lab.load(`/run/quark/lab/${name}`);
  after(() => {
    quark(['lab', 'down', name, '--force']);
    assert.deepEqual(leftovers(name), []);
  });

  it('runs every step, and every expectation of every step holds', () => {
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const up = quark(['lab', 'up', SCENARIO, '--name', name, '--port', port]);
    assert.match(up.out, /reachability \(4 checks, 0 failed\)/, up.out);
    assert.match(up.out, /steps \(5 run, \d failed\)/, up.out);
    const verdicts = up.out.split('\n').filter((l) => /^(PASS|FAIL)/.test(l));
    assert.equal(verdicts.length, 5, up.out);
    // Each step held; one over its budget on a busy machine is reported by `lab up`, not a failure here.
    for (const v of verdicts) assert.match(v, /^(PASS|FAIL: over budget): all held after \d+\.\d\d s/, up.out);
    console.log(verdicts.join('\n'));
    assert.match(up.out, /step 4 \(line \d+\): the server restarts.* — server pid \d+ → \d+/);
  });

  it('lab status reads the lab live after the steps: the restarted server serving, the floating IP where it is now', () => {
    const status = quark(['lab', 'status', name]);
    assert.equal(status.status, 0, status.out);
    const extra = labExtra(load());
    assert.match(status.out, new RegExp(`server \\S+ \\(pid ${extra.controller.pid}, serving\\)`));
    assert.match(status.out, /instance vm3 \(test1\) on compute: 10\.0\.0\.13, floating 203\.0\.113\.\d+, port ACTIVE/);
    assert.match(status.out, /instance vm2 \(test1\) on compute: 10\.0\.0\.12, port ACTIVE/);
    assert.match(status.out, /listeners: internet tcp:7 \(pid \d+\)/);
    const check = quark(['lab', 'check', name]);
    assert.equal(check.status, 0, check.out);
    assert.match(check.out, /expectations, 4 checks, 0 failed/);
  });

  it('trace resolves NAME.floating to the floating IP the instance has now, and refuses one it has not', async () => {
    const lab = load();
    await new Actions(lab).perform({ do: 'move_floating_ip', floatingIp: 'public-ip', to: 'vm2' });
    const fip = labExtra(lab).floatingIps!.find((f) => f.key === 'public-ip')!.address;
    const t = quark([
      'trace',
      '--lab',
      name,
      '--from',
      'internet',
      '--to',
      'vm2.floating',
      '--proto',
      'tcp',
      '--dport',
      '22',
      '-f',
      'json',
    ]);
    assert.equal(t.status, 0, t.out);
    const trace = JSON.parse(t.stdout) as TraceResult;
    assert.equal(trace.to.ip, fip);
    assert.match(trace.to.label, /^port vm2 /);
    assert.equal(trace.reply?.verdict.result, 'left');
    const none = quark(['trace', '--lab', name, '--from', 'internet', '--to', 'vm3.floating', '-f', 'json']);
    assert.equal(none.status, 1, none.out);
    assert.equal(none.stdout, '');
    assert.match(none.out, /vm3 has no floating IP now/);
    // The story's check of vm3's floating IP now fails, and says why.
    const check = quark(['lab', 'check', name, '--step', '3']);
    assert.equal(check.status, 1, check.out);
    assert.match(check.out, /FAIL \(vm3 has no floating IP now\)/);
  });

  it('says a floating IP that points nowhere is UNREACHABLE, naming it; and a fixed address from outside needs a route', async () => {
    const lab = load();
    await new Actions(lab).perform({ do: 'disassociate_floating_ip', floatingIp: 'public-ip' });
    const fip = labExtra(lab).floatingIps!.find((f) => f.key === 'public-ip')!.address;
    const t = quark(['trace', '--lab', name, '--from', 'internet', '--to', fip, '--no-evidence']);
    assert.equal(t.status, 3, t.out);
    assert.match(
      t.out,
      new RegExp(
        `verdict: UNREACHABLE — floatingip ${fip.replaceAll('.', '\\.')} \\(\\w+\\) of project test1 is not associated with any port`,
      ),
    );
    const inside = quark(['trace', '--lab', name, '--from', 'vm2', '--to', fip, '--no-evidence']);
    assert.equal(inside.status, 3, inside.out);
    assert.match(inside.out, /verdict: UNREACHABLE — left the cloud .* which is not associated with any port/);
    // The router would deliver vm2's fixed address; the lab's internet host has no route to it (no routed_from_internet).
    const fixed = quark(['trace', '--lab', name, '--from', 'internet', '--to', 'vm2', '--no-evidence']);
    assert.equal(fixed.status, 3, fixed.out);
    assert.match(fixed.out, /verdict: DELIVERED — delivered to port vm2 /);
    assert.match(
      fixed.out,
      /assuming: the sender routes 10\.0\.0\.0\/24 via 203\.0\.113\.\d+, the gateway of router test1-router/,
    );
    assert.match(fixed.out, /lab: the internet host has no route to it, not via 203\.0\.113\.\d+/);
  });

  it('starts commands in the background, lists them, and lab down stops them with their children', () => {
    const vm = quark(['lab', 'exec', 'vm2', '--lab', name, '--background', '--', 'sleep', '4241']);
    assert.equal(vm.status, 0, vm.out);
    assert.match(vm.stdout, /^\d+\n$/);
    const outside = quark(['lab', 'exec', 'internet', '--lab', name, '-b', '--', 'sh', '-c', 'sleep 4242 & sleep 4243']);
    assert.equal(outside.status, 0, outside.out);
    const status = quark(['lab', 'status', name]);
    assert.match(status.out, new RegExp(`background: pid ${vm.stdout.trim()} in vm2: sleep 4241`));
    assert.match(status.out, /background: pid \d+ in internet: sh -c sleep 4242 & sleep 4243/);
    const down = quark(['lab', 'down', name]);
    assert.equal(down.status, 0, down.out);
    assert.deepEqual(leftovers(name), []);
    const sleeping = spawnSync('pgrep', ['-f', '^sleep 30[012]$'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(sleeping, '', 'no background process outlives the lab');
  });
});
