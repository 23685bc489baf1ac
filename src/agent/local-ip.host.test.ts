import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { inNodeNetns } from '../lab/node.js';
import type { LocalIp, Network, Port } from '../model/resources.js';
import { type TestLab, agentStatus, testLab } from '../testing/lab-harness.js';

const PROBE = fileURLToPath(new URL('../testing/tcp-probe.js', import.meta.url));
const PORT = '7777';

describe('local IPs: each host answers the local IP with its own associated port', () => {
  let t: TestLab;
  const procs: ChildProcess[] = [];
  let net: Network;
  let lip: LocalIp;
  const vms: Record<string, Port> = {};

  const serve = async (node: string, name: string) => {
    const child = spawn(...split(inNodeNetns(t.lab.node(node).handle, name, [process.execPath, PROBE, 'serve', PORT, name])), {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    procs.push(child);
    await new Promise<void>((resolve) =>
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()),
    );
  };
  const ask = async (node: string, from: string) =>
    (await t.lab.exec(node, [process.execPath, PROBE, 'ask', lip.local_ip_address, PORT, '1500'], from)).stdout.trim();
  const answers = async (what: string, node: string, from: string, expected: string) => {
    let last = '';
    await t
      .until(
        what,
        async () => {
          last = await ask(node, from).catch((e) => `failed: ${(e as Error).message.split('\n')[0]}`);
          return last === expected;
        },
        20_000,
      )
      .catch(() => assert.fail(`${what}: expected '${expected}', last answer '${last}'`));
  };
  const unanswered = (what: string, node: string, from: string) =>
    t.until(
      what,
      () =>
        ask(node, from).then(
          () => false,
          () => true,
        ),
      20_000,
    );
  const associate = (vm: string) =>
    t.api.post(`/v2.0/local_ips/${lip.id}/port_associations`, { port_association: { fixed_port_id: vms[vm]!.id } });

  before(async () => {
    t = await testLab({
      nodes: [
        { name: 'compute1', roles: ['l2'] },
        { name: 'compute2', roles: ['l2'] },
      ],
      tunnelType: 'vxlan',
    });
    net = (await t.api.post<{ network: Network }>('/v2.0/networks', { network: { project_id: 'alpha' } })).network;
    await t.api.post('/v2.0/subnets', {
      subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24', project_id: 'alpha', enable_dhcp: false },
    });
    // Instances in the project's default security group, which lets its members in.
    const place: [string, string, string][] = [
      ['vm1', 'compute1', '10.0.0.11'],
      ['cache1', 'compute1', '10.0.0.21'],
      ['vm3', 'compute2', '10.0.0.13'],
      ['cache2', 'compute2', '10.0.0.22'],
    ];
    for (const [name, node, ip] of place) {
      vms[name] = await t.instance(node, name, { network_id: net.id, project_id: 'alpha', fixed_ips: [{ ip_address: ip }] });
    }
    await serve('compute1', 'cache1');
    await serve('compute2', 'cache2');
    await t.until(
      'the instances ACTIVE',
      () => Object.values(vms).every((p) => t.store.view.get('port', p.id)?.status === 'ACTIVE'),
      20_000,
    );
    lip = (
      await t.api.post<{ local_ip: LocalIp }>('/v2.0/local-ips', {
        local_ip: { network_id: net.id, project_id: 'alpha', local_ip_address: '10.0.0.250' },
      })
    ).local_ip;
  });

  after(async () => {
    try {
      for (const p of procs) p.kill('SIGTERM');
    } finally {
      await t?.close();
    }
  });

  it('an instance reaches the port associated on its own host, which sees the instance’s address', async () => {
    await unanswered('nobody answers the local IP before an association', 'compute1', 'vm1');
    await associate('cache1');
    await answers('vm1 reaches cache1 by the local IP', 'compute1', 'vm1', `cache1 ${vms.vm1!.fixed_ips[0]!.ip_address}`);
  });

  it('an instance on a host without an association does not reach it; with one it reaches its own', async () => {
    await unanswered('vm3 gets no answer on compute2', 'compute2', 'vm3');
    await associate('cache2');
    await answers('vm3 reaches cache2', 'compute2', 'vm3', `cache2 ${vms.vm3!.fixed_ips[0]!.ip_address}`);
    await answers('vm1 still reaches cache1', 'compute1', 'vm1', `cache1 ${vms.vm1!.fixed_ips[0]!.ip_address}`);
  });

  it('deleting the association takes the local IP away from the host', async () => {
    await t.api.delete(`/v2.0/local_ips/${lip.id}/port_associations/${vms.cache1!.id}`);
    await unanswered('vm1 gets no answer any more', 'compute1', 'vm1');
    await answers('vm3 still reaches cache2', 'compute2', 'vm3', `cache2 ${vms.vm3!.fixed_ips[0]!.ip_address}`);
  });

  it('finds nothing to change in a forced full resync', async () => {
    for (const node of ['compute1', 'compute2']) {
      const status = await agentStatus(t, node, '/resync', 'POST');
      assert.equal(status.last?.error, null);
      assert.equal(status.last?.changes, 0, `${node}: ${JSON.stringify(status.last)}`);
    }
  });
});

function split(argv: readonly string[]): [string, string[]] {
  return [argv[0]!, argv.slice(1)];
}
