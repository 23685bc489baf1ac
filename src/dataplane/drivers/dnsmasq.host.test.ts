import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseLeaseFile, udhcpcArgv, writeUdhcpcHook } from '../../lab/udhcpc-script.js';
import { dhcpPortDeviceId } from '../../model/names.js';
import type { Network, Port } from '../../model/resources.js';
import { Cleanup, uniquePrefix } from '../../testing/host.js';
import { compileDhcp } from '../compile/dhcp/compile-dhcp.js';
import type { DnsmasqItem } from '../compile/plan.js';
import { id, network, port, replicaOf, settings, subnet } from '../testing/fixtures.js';
import { applyDnsmasq } from './dnsmasq.js';
import { inNetns, run } from './exec.js';
import { addNetns, deleteNetns, ipBatch } from './ip.js';

/**
 * The dnsmasq driver against real dnsmasq: a server namespace holding the DHCP device (as the
 * qdhcp namespace would) joined by a veth to a client namespace where busybox udhcpc asks.
 */
describe('applyDnsmasq with real dnsmasq', () => {
  const cleanup = new Cleanup();
  const prefix = uniquePrefix('qd');
  const srv = `${prefix}-srv`;
  const cli = `${prefix}-cli`;
  let stateDir: string;
  let hook: string;
  const net: Network = network({ id: id('aaaa1') });
  const sub = subnet({ id: id('5a1'), network_id: net.id });
  const dhcp: Port = port({
    id: id('d0ca1'),
    network_id: net.id,
    host: 'network',
    device_owner: 'network:dhcp',
    device_id: dhcpPortDeviceId('network', net.id),
    mac_address: 'fa:16:3e:00:00:0a',
    fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.0.2' }],
  });
  const vm = (n: number, ip: string): Port =>
    port({
      id: id(`c0de${n}`),
      network_id: net.id,
      host: 'compute1',
      mac_address: `fa:16:3e:00:01:0${n}`,
      fixed_ips: [{ subnet_id: sub.id, ip_address: ip }],
    });

  /** The dnsmasq item for these ports, served from the test's server namespace. */
  function item(ports: Port[], mtu = 1458): DnsmasqItem {
    const replica = replicaOf({ networks: [{ ...net, mtu }], subnets: [sub], ports: [dhcp, ...ports], dhcpNetworks: [net.id] });
    const part = compileDhcp(replica, settings('network', { roles: ['dhcp'], stateDir }));
    return { ...part.dnsmasq![0]!, netns: srv };
  }
  const dir = () => join(stateDir, 'dhcp', net.id);
  const pid = () => Number(readFileSync(join(dir(), 'pid'), 'utf8'));

  async function lease(mac: string, tries = 3): Promise<Record<string, string>> {
    await ipBatch(cli, [`link set eth0 down`, `link set eth0 address ${mac}`, 'link set eth0 up']);
    const leaseFile = join(stateDir, 'client.lease');
    rmSync(leaseFile, { force: true });
    await run(inNetns(cli, udhcpcArgv({ hook, leaseFile, tries })));
    return parseLeaseFile(readFileSync(leaseFile, 'utf8'));
  }

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    chmodSync(stateDir, 0o755);
    cleanup.add(() => rmSync(stateDir, { recursive: true, force: true }));
    hook = writeUdhcpcHook(join(stateDir, 'hook.sh'));
    for (const ns of [srv, cli]) {
      await addNetns(ns);
      cleanup.add(() => deleteNetns(ns));
    }
    cleanup.add(() => applyDnsmasq([], { stateDir, prune: true }));
    const device = item([]).device;
    await ipBatch(srv, [
      `link add ${device} type veth peer name eth0 netns ${cli}`,
      `link set ${device} address ${dhcp.mac_address} up`,
      `addr add 10.0.0.2/24 dev ${device}`,
      'link set lo up',
    ]);
  });
  after(() => cleanup.run());

  it('starts dnsmasq that hands out the reserved address, and reloads it for a new port', async () => {
    const vm1 = vm(1, '10.0.0.3');
    const first = await applyDnsmasq([item([vm1])], { stateDir, prune: true });
    assert.deepEqual(first.started, [net.id]);
    assert.equal((await lease(vm1.mac_address)).ip, '10.0.0.3');
    const started = pid();
    const vm2 = vm(2, '10.0.0.4');
    const second = await applyDnsmasq([item([vm1, vm2])], { stateDir, prune: true });
    assert.deepEqual(second.reloaded, [net.id]);
    assert.equal((await lease(vm2.mac_address)).ip, '10.0.0.4');
    assert.equal(pid(), started, 'reloaded, not restarted');
    const idle = await applyDnsmasq([item([vm1, vm2])], { stateDir, prune: true });
    assert.deepEqual(idle, { started: [], restarted: [], revived: [], reloaded: [], released: 0, stopped: [] });
    assert.match(readFileSync(join(dir(), 'args'), 'utf8'), /^ip netns exec .* dnsmasq --no-hosts /);
  });

  it('releases the lease of a deleted port so its address can go to another MAC', async () => {
    const vm1 = vm(1, '10.0.0.3');
    const vm2 = vm(2, '10.0.0.4');
    const reused = { ...vm(3, '10.0.0.3'), mac_address: 'fa:16:3e:00:01:33' };
    assert.ok(readFileSync(join(dir(), 'leases'), 'utf8').includes(vm1.mac_address));
    const r = await applyDnsmasq([item([reused, vm2])], { stateDir, prune: true });
    assert.equal(r.released, 1);
    assert.equal((await lease(reused.mac_address)).ip, '10.0.0.3');
  });

  it('restarts dnsmasq when its command line changes, keeping the leases', async () => {
    const before = pid();
    const ports = [{ ...vm(3, '10.0.0.3'), mac_address: 'fa:16:3e:00:01:33' }, vm(2, '10.0.0.4')];
    const r = await applyDnsmasq([item(ports, 1400)], { stateDir, prune: true });
    assert.deepEqual(r.restarted, [net.id]);
    assert.notEqual(pid(), before);
    assert.ok(readFileSync(join(dir(), 'leases'), 'utf8').includes('fa:16:3e:00:01:33'));
    assert.equal((await lease(ports[1]!.mac_address)).mtu, '1400');
  });

  it('refuses a state directory that dnsmasq (nobody) cannot reach', async () => {
    chmodSync(stateDir, 0o700);
    try {
      await assert.rejects(applyDnsmasq([item([])], { stateDir, prune: false }), /not searchable by others/);
    } finally {
      chmodSync(stateDir, 0o755);
    }
  });

  it('stops dnsmasq and removes its directory when the network is no longer served', async () => {
    const last = pid();
    const r = await applyDnsmasq([], { stateDir, prune: true });
    assert.deepEqual(r.stopped, [net.id]);
    assert.ok(!existsSync(dir()));
    assert.ok(!existsSync(`/proc/${last}/cmdline`) || !readFileSync(`/proc/${last}/cmdline`, 'utf8').includes(stateDir));
  });
});
