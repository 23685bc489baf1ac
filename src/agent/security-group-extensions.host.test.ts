import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inNodeNetns } from '../lab/node.js';
import { spawnDetached, stopPid } from '../lab/processes.js';
import type { AddressGroup, Network, Port, SecurityGroup, SecurityGroupRule } from '../model/resources.js';
import { addressGroupSet } from '../model/names.js';
import { type TestLab, agentStatus, testLab, ipOf } from '../testing/lab-harness.js';

// Address groups, stateless security groups and security group logging with real traffic
// between instances of an emulated compute node (docs/security-groups.md,
// docs/security-group-logging.md).

describe('security group extensions on an emulated compute node', () => {
  let t: TestLab;
  let net: Network;
  let vm1: Port; // default group (stateful), the client
  let vm2: Port; // group admins: SSH-like port 5000 from an address group
  let vm3: Port; // stateless group
  let office: AddressGroup;
  let admins: SecurityGroup;
  let stateless: SecurityGroup;
  const started: number[] = [];

  const background = (vm: string, argv: string[]) => {
    started.push(
      spawnDetached(
        inNodeNetns(t.lab.node('compute1').handle, vm, argv),
        join(t.lab.node('compute1').handle.dir, 'log', `${vm}.log`),
      ),
    );
  };
  const canConnect = async (vm: string, ip: string, port = 5000) =>
    t.lab.exec('compute1', ['sh', '-c', `echo hi | busybox nc -w 1 ${ip} ${port}`], vm).then(
      (r) => r.stdout.includes('hi'),
      () => false,
    );
  const addRule = async (rule: Partial<SecurityGroupRule>) =>
    (
      await t.api.post<{ security_group_rule: SecurityGroupRule }>('/v2.0/security-group-rules', {
        security_group_rule: { direction: 'ingress', ethertype: 'IPv4', ...rule },
      })
    ).security_group_rule;
  const group = async (name: string, extra: Record<string, unknown> = {}) =>
    (
      await t.api.post<{ security_group: SecurityGroup }>('/v2.0/security-groups', {
        security_group: { name, project_id: 'alpha', ...extra },
      })
    ).security_group;
  const onHost = async (argv: string[]) => (await t.lab.exec('compute1', argv)).stdout;

  before(async () => {
    t = await testLab({ nodes: [{ name: 'compute1', roles: ['l2'] }] });
    net = (await t.api.post<{ network: Network }>('/v2.0/networks', { network: { name: 'alpha-net', project_id: 'alpha' } }))
      .network;
    await t.api.post('/v2.0/subnets', {
      subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24', project_id: 'alpha' },
    });
    office = (
      await t.api.post<{ address_group: AddressGroup }>('/v2.0/address-groups', {
        address_group: { name: 'office', project_id: 'alpha', addresses: ['192.0.2.0/24'] },
      })
    ).address_group;
    admins = await group('admins');
    await addRule({
      security_group_id: admins.id,
      protocol: 'tcp',
      port_range_min: 5000,
      port_range_max: 5000,
      remote_address_group_id: office.id,
    });
    stateless = await group('stateless', { stateful: false });
    await addRule({ security_group_id: stateless.id, protocol: 'tcp', port_range_min: 5000, port_range_max: 5000 });
    vm1 = await t.instance('compute1', 'vm1', { network_id: net.id, project_id: 'alpha' });
    vm2 = await t.instance('compute1', 'vm2', { network_id: net.id, project_id: 'alpha', security_groups: [admins.id] });
    vm3 = await t.instance('compute1', 'vm3', { network_id: net.id, project_id: 'alpha', security_groups: [stateless.id] });
    await t.until('all ports ACTIVE', () => [vm1, vm2, vm3].every((p) => t.store.view.get('port', p.id)?.status === 'ACTIVE'));
    for (const vm of ['vm1', 'vm2', 'vm3']) background(vm, ['busybox', 'nc', '-ll', '-p', '5000', '-e', 'cat']);
    // vm1 (default group) takes connections on 5000 from anywhere, so vm3 has a server to call.
    const dflt = (await t.api.get<{ security_groups: SecurityGroup[] }>('/v2.0/security-groups?project_id=alpha&name=default'))
      .security_groups[0]!;
    await addRule({ security_group_id: dflt.id, protocol: 'tcp', port_range_min: 5000, port_range_max: 5000 });
  });
  after(async () => {
    for (const pid of started) await stopPid(pid);
    await t?.close();
  });

  it('lets in exactly the addresses of an address group, and follows its changes on the host', async () => {
    assert.equal(await canConnect('vm1', ipOf(vm2)), false, 'vm1 is not in the office group');
    const set = addressGroupSet('IPv4', office.id);
    const asked = Date.now();
    await t.api.put(`/v2.0/address-groups/${office.id}/add_addresses`, { addresses: [`${ipOf(vm1)}/32`] });
    await t.until('vm1 in the ipset on compute1', async () => (await onHost(['ipset', 'list', set])).includes(ipOf(vm1)));
    // For the record, not an assertion (no timing assertions in tests).
    console.log(`# add_addresses through the API → in the ipset on compute1: ${Date.now() - asked} ms`);
    await t.until('vm1 connects to vm2:5000', () => canConnect('vm1', ipOf(vm2)));
    await t.api.put(`/v2.0/address-groups/${office.id}/remove_addresses`, { addresses: [`${ipOf(vm1)}/32`] });
    await t.until('vm1 shut out again', async () => !(await canConnect('vm1', ipOf(vm2))));
    const saved = await onHost(['iptables-save', '-t', 'filter']);
    assert.ok(saved.includes(`-m set --match-set ${set} src`), 'the rule names the address group set');
  });

  it('keeps a stateless group out of conntrack: its replies need rules of their own', async () => {
    const raw = await onHost(['iptables-save', '-t', 'raw']);
    assert.ok(raw.includes(`Make ${vm3.id} stateless`), 'vm3 is untracked');
    await t.until('vm1 connects to vm3:5000', () => canConnect('vm1', ipOf(vm3)));
    // vm3 calls vm1: its SYN leaves (egress to anywhere), the SYN-ACK from port 5000 comes back
    // untracked and no ingress rule allows it.
    assert.equal(await canConnect('vm3', ipOf(vm1)), false, 'no rule lets the replies in');
    const replies = await addRule({
      security_group_id: stateless.id,
      protocol: 'tcp',
      port_range_min: 1024,
      port_range_max: 65535,
    });
    await t.until('vm3 connects to vm1:5000 with a rule for the replies', () => canConnect('vm3', ipOf(vm1)));
    await t.api.request('DELETE', `/v2.0/security-group-rules/${replies.id}`);
    const tracked = await onHost(['conntrack', '-L', '-s', ipOf(vm3)]).catch(() => '');
    const vm3Zone = /zone=(\d+)/.exec(raw.split('\n').find((l) => l.includes(vm3.id)) ?? '');
    assert.equal(vm3Zone, null, 'no zone for a stateless port');
    // Entries with vm3's address exist only in vm1's zone (vm1 is stateful).
    const zoneOfVm1 = raw.split('\n').find((l) => l.includes(vm1.id));
    assert.ok(zoneOfVm1);
    for (const line of tracked.split('\n').filter((l) => l.includes('zone=')))
      assert.ok(zoneOfVm1.includes(`--zone ${/zone=(\d+)/.exec(line)![1]}`), line);
  });

  it('writes a dropped connection to the host’s log file within a second, naming port and rule', async () => {
    const file = join(t.lab.node('compute1').handle.dir, 'state', 'log', 'security-groups.log');
    const { log } = await t.api.post<{ log: { id: string } }>('/v2.0/log/logs', {
      log: { name: 'vm2-log', project_id: 'alpha', resource_type: 'security_group', target_id: vm2.id, event: 'ALL' },
    });
    await t.until('the logged chains on compute1', async () =>
      (await onHost(['iptables-save', '-t', 'filter'])).includes('-j NFLOG'),
    );
    const lines = () =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
        : [];
    const before = lines().length;
    const sent = Date.now();
    // The connection attempt runs while the file is watched: the line must come before nc gives up.
    // Only the SYN's line counts: vm2's own IPv6 router solicitations are dropped and logged too.
    const attempt = canConnect('vm1', ipOf(vm2), 6000);
    let seen = -1;
    await t
      .until('a DROP line for vm2', () => {
        const found = lines()
          .slice(before)
          .find((l) => l.includes('action=DROP') && l.includes(`vm_port=${vm2.id}`) && l.includes('dport=6000'));
        if (found && seen < 0) seen = Date.now();
        return found !== undefined;
      })
      .catch((e: Error) => {
        throw new Error(`${e.message}; the log's new lines:\n${lines().slice(before).join('\n')}`);
      });
    assert.equal(await attempt, false);
    const logged = Date.parse(
      lines()
        .slice(before)
        .find((l) => l.includes('action=DROP') && l.includes(`vm_port=${vm2.id}`) && l.includes('dport=6000'))!
        .split(' ')[0]!,
    );
    // For the record, not an assertion (no timing assertions in tests).
    console.log(
      `# dropped SYN → DROP line in the file: ${seen - logged} ms after the kernel logged it, ${seen - sent} ms after nc was started`,
    );
    const drop = lines()
      .slice(before)
      .find((l) => l.includes('action=DROP') && l.includes(`vm_port=${vm2.id}`) && l.includes('dport=6000'))!;
    assert.match(
      drop,
      new RegExp(
        `direction=ingress project_id=alpha log_resource_ids=\\[${log.id}\\] vm_port=${vm2.id} security_group_rule=none protocol=tcp src=${ipOf(vm1)} sport=\\d+ dst=${ipOf(vm2)} dport=6000`,
      ),
    );
    await t.api.put(`/v2.0/address-groups/${office.id}/add_addresses`, { addresses: [`${ipOf(vm1)}/32`] });
    await t.until('vm1 connects to vm2:5000', () => canConnect('vm1', ipOf(vm2)));
    await t.until('an ACCEPT line naming the rule', () =>
      lines().some(
        (l) =>
          l.includes('action=ACCEPT') &&
          l.includes('dport=5000') &&
          l.includes('security_group_rule=') &&
          !l.includes('security_group_rule=none'),
      ),
    );
    await t.api.request('DELETE', `/v2.0/log/logs/${log.id}`);
    await t.until(
      'no NFLOG rules once no port is logged',
      async () => !(await onHost(['iptables-save', '-t', 'filter'])).includes('-j NFLOG'),
    );
  });

  it('finds nothing to change in a forced full resync', async () => {
    const status = await agentStatus(t, 'compute1', '/resync', 'POST');
    assert.equal(status.last?.full, true);
    assert.equal(status.last?.error, null);
    assert.equal(status.last?.changes, 0, JSON.stringify(status.last));
  });
});
