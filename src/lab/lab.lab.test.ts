import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { Explanation } from '../model/explain.js';
import type { TraceResult } from '../model/trace.js';
import { leftovers, uniquePrefix } from '../testing/host.js';
import { passwordClient } from './controller.js';
import { Lab } from './lab.js';
import { type ScenarioExpectation, parseScenario } from './scenario.js';
import { predicted } from './testing/agreement.js';
import { labExtra } from './up.js';

const QUARK = fileURLToPath(new URL('../../bin/quark', import.meta.url));
const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));

function quark(args: readonly string[]): { status: number; out: string } {
  const r = spawnSync(QUARK, args, { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** The running lab's admin API, and its names for the scenario's targets. */
function labApi(name: string) {
  const lab = Lab.load(`/run/quark/lab/${name}`);
  const extra = labExtra(lab);
  const instance = (n: string) => extra.instances.find((i) => i.name === n)!;
  const address = (target: string) =>
    target === 'internet'
      ? lab.fabric.internetIp
      : target.endsWith('.floating')
        ? instance(target.slice(0, -'.floating'.length)).floatingIp!
        : target;
  return { lab, api: passwordClient(extra.controller.url, extra.controller.admin), instance, address };
}

/** Runs `fn` over `items`, `width` at a time (the agents answer up to four queries at once). */
async function pool<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
    }),
  );
  return out;
}

/** Checks one trace against what real traffic showed (`quark lab up` asserted it equals the expectation). */
async function agrees(
  lab: Lab,
  e: ScenarioExpectation,
  t: TraceResult,
  want: { floating: string | null },
): Promise<string | null> {
  const predicted_ = await predicted(lab, t);
  const what = `${e.from} → ${e.to} ${e.protocol}${e.port ? `/${e.port}` : ''}: ${predicted_.why}`;
  if (predicted_.result !== e.result) return `trace disagrees with real traffic (${e.result}): ${what}`;
  if (e.result === 'blocked' && !/security group|router|no port|floating IP|instead of|internet host routes/.test(predicted_.why))
    return `a blocked pair without a cause in API terms: ${what}`;
  if (e.source === 'floating' && t.final?.src !== want.floating) return `expected the floating IP as source: ${what}`;
  if (e.source?.startsWith('router:') && !t.verdict.says.includes('SNAT')) return `expected SNAT to the router: ${what}`;
  if (t.probe?.sent) {
    const reached = t.probe.answered && !t.probe.says.includes('but answered by');
    if (reached !== (e.result === 'allowed')) return `the probe disagrees (${t.probe.says}): ${what}`;
  }
  return null;
}

async function traceMatrix(name: string, expectations: readonly ScenarioExpectation[]): Promise<TraceResult[]> {
  const { lab, api, address, instance } = labApi(name);
  const results = await pool(expectations, 3, async (e) => {
    const q = new URLSearchParams({ from: address(e.from), to: address(e.to), protocol: e.protocol, probe: 'true' });
    if (e.port) q.set('port', String(e.port));
    return (await api.get<{ trace: TraceResult }>(`/v2.0/quark/trace?${q}`)).trace;
  });
  const problems: string[] = [];
  for (const [i, e] of expectations.entries()) {
    const floating = e.from === 'internet' ? null : instance(e.from).floatingIp;
    const problem = await agrees(lab, e, results[i]!, { floating });
    if (problem) problems.push(problem);
  }
  assert.deepEqual(problems, []);
  return results;
}

for (const scenario of ['havana.yaml', 'two-computes-vxlan.yaml', 'linuxbridge-mixed.yaml']) {
  describe(`quark lab up ${scenario}`, () => {
    const name = uniquePrefix('ql');
    const expectations = parseScenario(readFileSync(`${SCENARIOS}${scenario}`, 'utf8'), scenario).expect;
    after(() => {
      quark(['lab', 'down', name, '--force']);
      assert.deepEqual(leftovers(name), []);
    });

    it('brings the scenario up and every reachability check passes', () => {
      const port = String(20000 + Math.floor(Math.random() * 20000));
      const up = quark(['lab', 'up', `${SCENARIOS}${scenario}`, '--name', name, '--port', port]);
      assert.equal(up.status, 0, up.out);
      assert.match(up.out, /checks, 0 failed\)/);
    });

    it('trace gives the verdict real traffic gives for every pair, with the cause of each block in API terms', async () => {
      const results = await traceMatrix(name, expectations);
      const blockedBySg = expectations.findIndex((e) => e.result === 'blocked' && e.protocol === 'tcp');
      assert.match(
        results[blockedBySg]!.verdict.says,
        /^no ingress rule of security group `default` \(project \w+\) allows tcp\/\d+ from 203\.0\.113\.1/,
      );
    });

    if (scenario === 'havana.yaml') {
      it('quark trace draws the tree and exits non-zero for a blocked pair', () => {
        const ok = quark(['trace', '--lab', name, '--from', 'vm2', '--to', 'internet', '--no-evidence']);
        assert.equal(ok.status, 0, ok.out);
        assert.match(ok.out, /qrouter-.* routes 203\.0\.113\.1 out of qg-/);
        assert.match(ok.out, /verdict: LEFT THE CLOUD/);
        const blocked = quark(['trace', '--lab', name, '--from', 'vm1', '--to', 'internet']);
        assert.equal(blocked.status, 3, blocked.out);
        assert.match(blocked.out, /verdict: UNREACHABLE — no router: subnet test-subnet/);
      });

      it('explains each kind of object without drift, and answers scripts in JSON', async () => {
        const { api, instance } = labApi(name);
        const vm3 = instance('vm3');
        const port = (await api.get<{ port: { security_groups: string[] } }>(`/v2.0/ports/${vm3.portId}`)).port;
        const objects: [string, string, string][] = [
          ['network', 'test1-net', 'compute'],
          ['router', 'test1-router', 'network'],
          ['floatingip', vm3.floatingIp!, 'network'],
          ['security-group', port.security_groups[0]!, 'compute'],
        ];
        for (const [kind, key, host] of objects) {
          const r = spawnSync(QUARK, ['explain', '--lab', name, kind, key, '-f', 'json'], { encoding: 'utf8' });
          assert.equal(r.status, 0, `${kind} ${key}: ${r.stdout}${r.stderr}`);
          const e = JSON.parse(r.stdout) as Explanation;
          assert.equal(e.drift, 0, `${kind} ${key}`);
          assert.ok(
            e.hosts.some((h) => h.host === host && h.items.length > 0),
            `${kind} ${key} on ${host}: ${e.hosts.map((h) => h.host)}`,
          );
        }
        const t = spawnSync(QUARK, ['trace', '--lab', name, '--from', 'vm2', '--to', 'vm3', '-f', 'json'], { encoding: 'utf8' });
        assert.equal(t.status, 0, t.stderr);
        assert.equal((JSON.parse(t.stdout) as TraceResult).verdict.result, 'delivered');
      });

      it('explain port lists the devices and flows the hosts really have, and hand-made drift as drift', async () => {
        const { lab, api, instance } = labApi(name);
        const vm3 = instance('vm3');
        const explain = async () =>
          (await api.get<{ explanation: Explanation }>(`/v2.0/quark/explain/ports/${vm3.portId}`)).explanation;
        const before = await explain();
        assert.equal(before.drift, 0, JSON.stringify(before.hosts.flatMap((h) => h.items.filter((i) => i.status !== 'ok'))));
        const compute = before.hosts.find((h) => h.host === 'compute')!;
        const links = (await lab.exec('compute', ['ip', '-br', 'link'])).stdout;
        const devices = compute.items.filter((i) => i.section === 'device').map((i) => i.text.split(' ')[0]!);
        assert.deepEqual(devices.map((d) => d.slice(0, 3)).sort(), ['qbr', 'qvb', 'qvo', 'tap']);
        for (const d of devices) assert.ok(links.includes(d), `${d} is not on compute`);
        const network = before.hosts.find((h) => h.host === 'network')!;
        const ucast = network.items.find((i) => i.section === 'flow' && i.text.includes(`dl_dst=${vm3.mac}`))!;
        const dumped = (await lab.exec('network', ['ovs-ofctl', '-O', 'OpenFlow14', 'dump-flows', 'br-tun'])).stdout;
        assert.ok(dumped.includes(`dl_dst=${vm3.mac}`) && ucast.status === 'ok', ucast.text);
        const rule = compute.items.find(
          (i) => i.section === 'iptables' && i.text.includes('-p icmp -m comment --comment "rule '),
        )!;
        // By hand, behind the agent's back: its next full resync would put both back.
        await lab.exec('network', [
          'ovs-ofctl',
          '-O',
          'OpenFlow14',
          'del-flows',
          '--strict',
          'br-tun',
          `table=20,priority=2,dl_vlan=${/dl_vlan=(\d+)/.exec(ucast.text)![1]},dl_dst=${vm3.mac}`,
        ]);
        await lab.exec('compute', [
          'iptables',
          ...rule.text
            .replace(/^-A /, '-D ')
            .match(/"[^"]*"|\S+/g)!
            .map((a) => a.replaceAll('"', '')),
        ]);
        const after = await explain();
        const drifted = after.hosts.flatMap((h) =>
          h.items
            .filter((i) => ['missing', 'extra', 'differs', 'stale'].includes(i.status))
            .map((i) => `${h.host} ${i.status} ${i.section}`),
        );
        assert.deepEqual(drifted.sort(), ['compute missing iptables', 'network missing flow']);
        const cli = quark(['explain', '--lab', name, 'port', 'vm3']);
        assert.equal(cli.status, 4, cli.out);
        assert.match(cli.out, /DRIFT: 2 item\(s\) differ from the plan/);
      });
    }

    it('runs commands in an instance, and lets each project use the openstack CLI as itself', () => {
      const first = scenario === 'havana.yaml' ? 'vm1' : 'web1';
      const addr = quark(['lab', 'exec', first, '--lab', name, '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
      assert.equal(addr.status, 0, addr.out);
      assert.match(addr.out, /inet (10\.0\.0|192\.168\.10)\.\d+\//);
      const project = scenario === 'havana.yaml' ? 'test1' : 'web';
      const cli = spawnSync('openstack', ['network', 'list', '-f', 'value', '-c', 'Name'], {
        encoding: 'utf8',
        env: { ...process.env, OS_CLIENT_CONFIG_FILE: `/run/quark/lab/${name}/clouds.yaml`, OS_CLOUD: `${name}-${project}` },
      });
      assert.equal(cli.status, 0, cli.stderr);
      // The project's own network and the shared external one; never the other project's.
      assert.deepEqual(
        cli.stdout.trim().split('\n').sort(),
        scenario === 'havana.yaml' ? ['public', 'test1-net'] : ['back', 'front', 'public'],
      );
    });

    if (scenario === 'havana.yaml') {
      it('instances reach the metadata service: vm3 through its router, vm1 (no router) through its DHCP port', () => {
        const { instance } = labApi(name);
        for (const vm of ['vm3', 'vm1']) {
          const r = quark([
            'lab',
            'exec',
            vm,
            '--lab',
            name,
            '--',
            'curl',
            '-s',
            '-m',
            '5',
            'http://169.254.169.254/openstack/latest/meta_data.json',
          ]);
          assert.equal(r.status, 0, r.out);
          const meta = JSON.parse(r.out) as { uuid: string; name: string };
          assert.deepEqual([meta.uuid, meta.name], [instance(vm).instanceId, vm]);
        }
      });

      it('adds an instance that gets its lease and reaches its peer, removes it, and runs commands on a node', () => {
        const made = quark([
          'lab',
          'instance',
          'create',
          '--lab',
          name,
          '--name',
          'vm9',
          '--project',
          'test1',
          '--network',
          'test1-net',
          '--node',
          'compute',
        ]);
        assert.equal(made.status, 0, made.out);
        assert.match(made.out, /instance vm9 on compute: 10\.0\.0\.\d+ \(lease ip=/);
        const ping = quark(['lab', 'exec', 'vm9', '--lab', name, '--', 'ping', '-c', '1', '-W', '2', '10.0.0.1']);
        assert.equal(ping.status, 0, ping.out);
        assert.equal(quark(['lab', 'instance', 'delete', '--lab', name, 'vm9']).status, 0);
        const node = quark(['lab', 'exec', 'compute', '--lab', name, '--', 'ip', 'netns', 'list']);
        assert.equal(node.status, 0, node.out);
        assert.ok(!node.out.includes('vm9') && node.out.includes('vm2'), node.out);
      });
    }

    it('lab status shows every instance ACTIVE, and lab down leaves nothing behind', () => {
      const status = quark(['lab', 'status', name]);
      assert.equal(status.status, 0, status.out);
      assert.ok(!status.out.includes('port DOWN'), status.out);
      const down = quark(['lab', 'down', name]);
      assert.equal(down.status, 0, down.out);
      assert.deepEqual(leftovers(name), []);
    });
  });
}

describe('quark lab up with a bad scenario', () => {
  it('stops with an error that names the file and line', () => {
    const r = quark(['lab', 'up', `${SCENARIOS}../package.json`, '--name', uniquePrefix('ql')]);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /package\.json:\d+: /);
  });
});
