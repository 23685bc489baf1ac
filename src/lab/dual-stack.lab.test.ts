import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { Explanation } from '../model/explain.js';
import type { TraceResult } from '../model/trace.js';
import { leftovers, uniquePrefix } from '../testing/host.js';
import { Lab } from './lab.js';
import { labExtra } from './up.js';

const QUARK = fileURLToPath(new URL('../../bin/quark', import.meta.url));
const SCENARIO = fileURLToPath(new URL('../../scenarios/dual-stack.yaml', import.meta.url));

function quark(args: readonly string[]): { status: number; out: string } {
  const r = spawnSync(QUARK, args, { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('quark lab up dual-stack.yaml', () => {
  const name = uniquePrefix('ql');
  const dir = `/run/quark/lab/${name}`;
  after(() => {
    quark(['lab', 'down', name, '--force']);
    assert.deepEqual(leftovers(name), []);
  });
  const inVm = (vm: string, argv: readonly string[]) => quark(['lab', 'exec', vm, '--lab', name, '--', ...argv]);

  it('gives instances their IPv6 addresses by SLAAC and by DHCPv6, and every reachability check passes', () => {
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const up = quark(['lab', 'up', SCENARIO, '--name', name, '--port', port]);
    assert.equal(up.status, 0, up.out);
    assert.match(up.out, /checks, 0 failed\)/);
    assert.match(up.out, /instance vm1 on compute: 10\.10\.0\.\d+ .*IPv6 2001:db8:10:\S+ by SLAAC, router fe80::/);
    assert.match(up.out, /instance vm2 on compute: 10\.20\.0\.\d+ .*IPv6 2001:db8:20:\S+ by DHCPv6, router fe80::/);
    const extra = labExtra(Lab.load(dir));
    for (const i of extra.instances) {
      const addr = inVm(i.name, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']);
      assert.ok(addr.out.includes(` ${i.address6}/`), `${i.name} holds the API's address ${i.address6}: ${addr.out}`);
    }
  });

  it('an instance that sends router advertisements changes nobody’s routes', () => {
    const before = ['vm1', 'vm2'].map((vm) => inVm(vm, ['ip', '-6', 'route', 'show']).out);
    const conf = join(dir, 'rogue-radvd.conf');
    writeFileSync(
      conf,
      'interface eth0 {\n AdvSendAdvert on;\n MinRtrAdvInterval 3;\n MaxRtrAdvInterval 4;\n AdvDefaultPreference high;\n prefix 2001:db8:bad::/64 { AdvOnLink on; AdvAutonomous on; };\n};\n',
      { mode: 0o644 },
    );
    const rogue = inVm('vm3', [
      'radvd',
      '-C',
      conf,
      '-p',
      join(dir, 'rogue-radvd.pid'),
      '-m',
      'logfile',
      '-l',
      join(dir, 'rogue.log'),
    ]);
    assert.equal(rogue.status, 0, rogue.out);
    // Its advertisements go out every 3-4 s, and to every solicitation: vm1 solicits twice.
    for (let i = 0; i < 2; i++) inVm('vm1', ['rdisc6', '-1', '-w', '2500', 'eth0']);
    const saved = quark(['lab', 'exec', 'compute', '--lab', name, '--', 'ip6tables-save', '-c', '-t', 'filter']).out;
    const vm3 = labExtra(Lab.load(dir)).instances.find((i) => i.name === 'vm3')!;
    const drop = saved
      .split('\n')
      .find((l) => l.includes(`-A quark-fw-o${vm3.portId.slice(0, 10)} `) && l.includes('--icmpv6-type 134'));
    assert.ok(Number(/^\[(\d+):/.exec(drop ?? '')?.[1] ?? 0) > 0, `vm3's advertisements were sent and dropped: ${drop}`);
    ['vm1', 'vm2'].forEach((vm, i) => {
      const now = inVm(vm, ['ip', '-6', 'route', 'show']).out;
      assert.ok(!now.includes('2001:db8:bad'), `${vm} took the rogue prefix:\n${now}`);
      const routers = (text: string) => [...text.matchAll(/default via (\S+)/g)].map((m) => m[1]);
      assert.deepEqual(routers(now), routers(before[i]!), `${vm}'s default routers changed`);
    });
  });

  it("an instance fetches its own meta_data.json and network_data.json from 169.254.169.254, through its router's proxy", () => {
    const extra = labExtra(Lab.load(dir));
    const vm1 = extra.instances.find((i) => i.name === 'vm1')!;
    const meta = inVm('vm1', ['curl', '-s', '-m', '5', 'http://169.254.169.254/openstack/latest/meta_data.json']);
    assert.equal(meta.status, 0, meta.out);
    const m = JSON.parse(meta.out) as Record<string, any>;
    assert.equal(m.uuid, vm1.instanceId, "uuid is the port's device_id");
    assert.equal(m.name, 'vm1');
    assert.equal(m.hostname, 'vm1');
    assert.equal(m.availability_zone, 'nova');
    assert.deepEqual(Object.keys(m.public_keys), ['lab']);
    const net = JSON.parse(
      inVm('vm1', ['curl', '-s', '-m', '5', 'http://169.254.169.254/openstack/latest/network_data.json']).out,
    );
    assert.equal(net.links[0].vif_id, vm1.portId);
    assert.equal(net.links[0].ethernet_mac_address, vm1.mac);
    assert.deepEqual(
      net.networks.map((n: { type: string }) => n.type),
      ['ipv4_dhcp', 'ipv6_slaac'],
    );
    assert.equal(net.networks[1].ip_address, vm1.address6);
    const userData = inVm('vm1', ['curl', '-s', '-m', '5', 'http://169.254.169.254/latest/user-data']);
    assert.equal(userData.out, '#cloud-config\nhostname: vm1\n');
    assert.equal(
      inVm('vm1', ['curl', '-s', '-m', '5', 'http://169.254.169.254/latest/meta-data/instance-id']).out,
      vm1.instanceId,
    );
  });

  it("another instance cannot obtain vm1's data by taking its address: anti-spoofing drops it", () => {
    const extra = labExtra(Lab.load(dir));
    const vm1 = extra.instances.find((i) => i.name === 'vm1')!;
    const vm3 = extra.instances.find((i) => i.name === 'vm3')!;
    const own = JSON.parse(inVm('vm3', ['curl', '-s', '-m', '5', 'http://169.254.169.254/openstack/latest/meta_data.json']).out);
    assert.equal(own.uuid, vm3.instanceId, 'vm3 gets its own data');
    assert.equal(inVm('vm3', ['ip', 'addr', 'add', `${vm1.address}/32`, 'dev', 'eth0']).status, 0);
    const spoofed = inVm('vm3', [
      'curl',
      '-s',
      '-m',
      '4',
      '--interface',
      vm1.address,
      'http://169.254.169.254/openstack/latest/meta_data.json',
    ]);
    assert.notEqual(spoofed.status, 0, `vm3 got an answer as vm1: ${spoofed.out}`);
    assert.ok(!spoofed.out.includes(vm1.instanceId!), spoofed.out);
  });

  it('trace follows IPv6 across the router, to the internet without NAT, and from the internet to a security group', () => {
    const trace = (args: readonly string[]) => {
      const r = quark(['trace', '--lab', name, ...args, '-f', 'json']);
      return { status: r.status, t: JSON.parse(r.out.slice(r.out.indexOf('{'))) as TraceResult };
    };
    const extra = labExtra(Lab.load(dir));
    const vm = (n: string) => extra.instances.find((i) => i.name === n)!;
    const across = trace(['--from', 'vm1', '--to', 'vm2', '--ipv6']);
    assert.equal(across.t.verdict.result, 'delivered', across.t.verdict.says);
    assert.equal(across.t.packet.src, vm('vm1').address6);
    assert.ok(across.t.hops.some((h) => h.where.startsWith('qrouter-') && h.says.includes('no SNAT')));
    const out = trace(['--from', 'vm2', '--to', 'internet', '--ipv6']);
    assert.equal(out.t.verdict.result, 'left', out.t.verdict.says);
    assert.equal(out.t.final?.src, vm('vm2').address6, 'IPv6 leaves with its own address');
    const blocked = trace(['--from', 'internet', '--to', 'vm2', '--ipv6', '--proto', 'tcp', '--dport', '80']);
    assert.equal(blocked.status, 3);
    assert.match(
      blocked.t.verdict.says,
      /no ingress rule of security group `default` \(project six\) allows tcp\/80 from 2001:db8:ffff::1/,
    );
  });

  it("explain finds the router's IPv6 addresses and IPv6 default route as planned, without drift", () => {
    const r = quark(['explain', '--lab', name, 'router', 'six-router', '-f', 'json']);
    assert.equal(r.status, 0, r.out);
    const e = JSON.parse(r.out) as Explanation;
    assert.equal(e.drift, 0);
    const texts = e.hosts.flatMap((h) => h.items.map((i) => `${i.status} ${i.text}`));
    assert.ok(
      texts.some((t) => /^ok .*default via 2001:db8:ffff::1 dev qg-/.test(t)),
      texts.filter((t) => t.includes('default')).join('\n'),
    );
    assert.ok(texts.some((t) => /^ok .*inet 2001:db8:10::\/64 dev qr-/.test(t)));
    assert.ok(
      texts.some((t) => /^ok radvd pid \d+ in qrouter-/.test(t)),
      'radvd runs as planned',
    );
    assert.ok(
      texts.some((t) => /^ok haproxy pid \d+ in qrouter-/.test(t)),
      'the metadata proxy runs as planned',
    );
    assert.ok(
      texts.some((t) => /^ok .*\/ra\/.*\/radvd\.conf$/.test(t)),
      "radvd's configuration is the planned one",
    );
  });

  it("trace follows a request to 169.254.169.254 into the router's metadata proxy", () => {
    const r = quark([
      'trace',
      '--lab',
      name,
      '--from',
      'vm1',
      '--to',
      '169.254.169.254',
      '--proto',
      'tcp',
      '--dport',
      '80',
      '--no-evidence',
    ]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /qrouter-\S+ .*redirects 169\.254\.169\.254:80 to port 9697/);
    assert.match(r.out, /verdict: DELIVERED — delivered to the metadata proxy of router six-router/);
  });

  it('lab down leaves nothing behind', () => {
    const down = quark(['lab', 'down', name]);
    assert.equal(down.status, 0, down.out);
    assert.deepEqual(leftovers(name), []);
  });
});
