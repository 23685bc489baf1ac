import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorType, projectNetwork } from '../testing/fixtures.js';
import { ADMIN, ALICE, type As, BOB, type TestServer, testServer } from '../testing/harness.js';

const CAROL: As = { project: 'carol', roles: 'member' };

describe('security groups API', () => {
  let s: TestServer;
  before(async () => {
    s = await testServer();
  });
  after(() => s.close());

  const groups = async (as: As) => (await s.get('/v2.0/security-groups', as)).security_groups as Record<string, any>[];
  const rule = (body: Record<string, unknown>, as = ALICE) =>
    s.request('POST', '/v2.0/security-group-rules', { security_group_rule: { direction: 'ingress', ...body } }, as);

  it('makes a project’s default group with Neutron’s four rules when the project first lists its groups', async () => {
    const [def, ...rest] = await groups(CAROL);
    assert.equal(rest.length, 0);
    assert.equal(def!.name, 'default');
    assert.equal(def!.description, 'Default security group');
    assert.equal(def!.tenant_id, 'carol');
    const shape = def!.security_group_rules
      .map(
        (r: any) => `${r.direction} ${r.ethertype} ${r.protocol} ${r.remote_group_id === def!.id ? 'self' : r.remote_group_id}`,
      )
      .sort();
    assert.deepEqual(shape, [
      'egress IPv4 null null',
      'egress IPv6 null null',
      'ingress IPv4 null self',
      'ingress IPv6 null self',
    ]);
    assert.equal((await groups(CAROL)).length, 1, 'listing again makes no second group');
    const { security_group_rules } = await s.get('/v2.0/security-group-rules', CAROL);
    assert.equal(security_group_rules.length, 4);
  });

  it('makes the default group with the first network or port, and gives it to ports that name no group', async () => {
    const dave: As = { project: 'dave', roles: 'member' };
    const n = await projectNetwork(s, dave, '10.0.0.0/24');
    const stored = s.store.view.all('security_group').filter((g) => g.project_id === 'dave');
    assert.deepEqual(
      stored.map((g) => g.name),
      ['default'],
    );
    const port = (await s.post('/v2.0/ports', { port: { network_id: n.network } }, dave)).port;
    assert.deepEqual(port.security_groups, [stored[0]!.id]);
    const dhcp = (await s.post('/v2.0/ports', { port: { network_id: n.network, device_owner: 'network:dhcp' } }, ADMIN)).port;
    assert.deepEqual(dhcp.security_groups, [], 'network:* ports are trusted');
  });

  it('creates groups with egress rules, refuses the name default, and protects the default group', async () => {
    const web = (await s.post('/v2.0/security-groups', { security_group: { name: 'web', description: 'http' } }, ALICE))
      .security_group;
    assert.deepEqual(web.security_group_rules.map((r: any) => `${r.direction} ${r.ethertype}`).sort(), [
      'egress IPv4',
      'egress IPv6',
    ]);
    assert.equal((await groups(ALICE)).length, 2, 'creating a group made the default one first');
    const named = await s.request('POST', '/v2.0/security-groups', { security_group: { name: 'Default' } }, ALICE);
    assert.equal(named.status, 409);
    assert.equal(errorType(named), 'SecurityGroupDefaultAlreadyExists');
    const renamedTo = await s.request('PUT', `/v2.0/security-groups/${web.id}`, { security_group: { name: 'default' } }, ALICE);
    assert.equal(errorType(renamedTo), 'SecurityGroupDefaultAlreadyExists');
    const def = (await groups(ALICE)).find((g) => g.name === 'default')!;
    const rename = await s.request('PUT', `/v2.0/security-groups/${def.id}`, { security_group: { name: 'mine' } }, ALICE);
    assert.equal(rename.status, 409);
    assert.equal(errorType(rename), 'SecurityGroupCannotUpdateDefault');
    const describe = await s.put(`/v2.0/security-groups/${def.id}`, { security_group: { description: 'ours' } }, ALICE);
    assert.equal(describe.security_group.description, 'ours');
    const remove = await s.request('DELETE', `/v2.0/security-groups/${def.id}`, undefined, ALICE);
    assert.equal(remove.status, 409);
    assert.equal(errorType(remove), 'SecurityGroupCannotRemoveDefault');
    assert.equal((await s.request('GET', `/v2.0/security-groups/${web.id}`, undefined, BOB)).status, 404);
    assert.equal((await s.request('PUT', `/v2.0/security-groups/${web.id}/tags/x`, undefined, ALICE)).status, 201);
  });

  it('creates rules with Neutron’s normalisation', async () => {
    const g = (await s.post('/v2.0/security-groups', { security_group: { name: 'rules' } }, ALICE)).security_group;
    const ssh = await rule({ security_group_id: g.id, protocol: 'TCP', port_range_min: 22, port_range_max: 22 });
    assert.equal(ssh.status, 201);
    assert.deepEqual(
      { ...ssh.body.security_group_rule, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        tenant_id: 'alice',
        project_id: 'alice',
        description: '',
        revision_number: 1,
        created_at: undefined,
        updated_at: undefined,
        security_group_id: g.id,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        port_range_min: 22,
        port_range_max: 22,
        remote_ip_prefix: null,
        remote_group_id: null,
        remote_address_group_id: null,
      },
    );
    const icmp6 = await rule({ security_group_id: g.id, ethertype: 'ipv6', protocol: 'icmp' });
    assert.equal(icmp6.body.security_group_rule.protocol, 'ipv6-icmp', 'IPv6 ICMP is spelled ipv6-icmp');
    const host = await rule({ security_group_id: g.id, remote_ip_prefix: '192.0.2.7', protocol: 17 });
    assert.equal(host.body.security_group_rule.remote_ip_prefix, '192.0.2.7/32');
    assert.equal(host.body.security_group_rule.protocol, '17');
    const group = await s.get(`/v2.0/security-groups/${g.id}`, ALICE);
    assert.equal(group.security_group.security_group_rules.length, 5);
  });

  it('refuses every rule Neutron refuses', async () => {
    const g = (await s.post('/v2.0/security-groups', { security_group: { name: 'strict' } }, ALICE)).security_group;
    const base = { security_group_id: g.id };
    const cases: [Record<string, unknown>, string, number][] = [
      [{ port_range_min: 22, port_range_max: 22 }, 'SecurityGroupProtocolRequiredWithPorts', 400],
      [{ protocol: 'tcp', port_range_min: 30, port_range_max: 20 }, 'SecurityGroupInvalidPortRange', 400],
      [{ protocol: 'tcp', port_range_min: 22 }, 'SecurityGroupInvalidPortRange', 400],
      [{ protocol: 'udp', port_range_min: 0, port_range_max: 10 }, 'SecurityGroupInvalidPortValue', 400],
      [{ protocol: 'tcp', port_range_min: 70000, port_range_max: 70000 }, 'SecurityGroupInvalidPortValue', 400],
      [{ protocol: 'icmp', port_range_min: 300 }, 'SecurityGroupInvalidIcmpValue', 400],
      [{ protocol: 'icmp', port_range_max: 0 }, 'SecurityGroupMissingIcmpType', 400],
      [{ protocol: 'gre', port_range_min: 1, port_range_max: 2 }, 'SecurityGroupInvalidProtocolForPort', 400],
      [{ protocol: 'ipv6-icmp' }, 'SecurityGroupEthertypeConflictWithProtocol', 400],
      [{ protocol: 'bogus' }, 'SecurityGroupRuleInvalidProtocol', 400],
      [{ protocol: 256 }, 'SecurityGroupRuleInvalidProtocol', 400],
      [{ remote_ip_prefix: '2001:db8::/64' }, 'SecurityGroupRuleParameterConflict', 400],
      [{ remote_ip_prefix: 'not-a-prefix' }, 'InvalidCIDR', 400],
      [{ remote_ip_prefix: '10.0.0.0/8', remote_group_id: g.id }, 'SecurityGroupMultipleRemoteEntites', 400],
      [{ remote_group_id: '00000000-0000-4000-8000-000000000000' }, 'SecurityGroupNotFound', 404],
      // Neutron takes the id as a string and looks it up: a malformed one is not found either.
      [{ remote_group_id: 'bad_group_id' }, 'SecurityGroupNotFound', 404],
      [{ ethertype: 'IPv5' }, 'HTTPBadRequest', 400],
      [{ direction: 'sideways' }, 'HTTPBadRequest', 400],
    ];
    for (const [body, type, status] of cases) {
      const r = await rule({ ...base, ...body });
      assert.equal(errorType(r), type, JSON.stringify(body));
      assert.equal(r.status, status, JSON.stringify(body));
    }
    const noDirection = await s.request('POST', '/v2.0/security-group-rules', { security_group_rule: base }, ALICE);
    assert.equal(noDirection.status, 400);
    const icmpOk = await rule({ ...base, protocol: 'icmp', port_range_min: 8, port_range_max: 0 });
    assert.equal(icmpOk.status, 201, 'echo request: type 8, code 0');
  });

  it('refuses duplicates, counting names and numbers and 0.0.0.0/0 as the same', async () => {
    const g = (await s.post('/v2.0/security-groups', { security_group: { name: 'dups' } }, ALICE)).security_group;
    const first = await rule({ security_group_id: g.id, protocol: 'tcp', port_range_min: 80, port_range_max: 80 });
    const same = await rule({
      security_group_id: g.id,
      protocol: '6',
      port_range_min: 80,
      port_range_max: 80,
      remote_ip_prefix: '0.0.0.0/0',
    });
    assert.equal(same.status, 409);
    assert.equal(errorType(same), 'SecurityGroupRuleExists');
    assert.equal(
      same.body.NeutronError.message,
      `Security group rule already exists. Rule id is ${first.body.security_group_rule.id}.`,
    );
    const egress = await s.request(
      'POST',
      '/v2.0/security-group-rules',
      { security_group_rule: { security_group_id: g.id, direction: 'egress' } },
      ALICE,
    );
    assert.equal(errorType(egress), 'SecurityGroupRuleExists', 'the group already has egress IPv4 to anywhere');
  });

  it('keeps rules inside the group’s project', async () => {
    const g = (await s.post('/v2.0/security-groups', { security_group: { name: 'alices' } }, ALICE)).security_group;
    assert.equal(errorType(await rule({ security_group_id: g.id }, BOB)), 'SecurityGroupNotFound');
    const bobs = (await s.post('/v2.0/security-groups', { security_group: { name: 'bobs' } }, BOB)).security_group;
    assert.equal(errorType(await rule({ security_group_id: g.id, remote_group_id: bobs.id })), 'SecurityGroupNotFound');
    const byAdmin = await rule({ security_group_id: g.id, protocol: 'udp', port_range_min: 53, port_range_max: 53 }, ADMIN);
    assert.equal(byAdmin.body.security_group_rule.project_id, 'alice', 'a rule belongs to its group’s project');
    const id = byAdmin.body.security_group_rule.id;
    const described = await s.put(`/v2.0/security-group-rules/${id}`, { security_group_rule: { description: 'dns' } }, ALICE);
    assert.equal(described.security_group_rule.description, 'dns');
    await s.del(`/v2.0/security-group-rules/${id}`, ALICE);
  });

  it('deletes a group with its rules and with other groups’ rules that point at it, unless a port uses it', async () => {
    const n = await projectNetwork(s, ALICE, '10.1.0.0/24', 'sg-net');
    const target = (await s.post('/v2.0/security-groups', { security_group: { name: 'target' } }, ALICE)).security_group;
    const other = (await s.post('/v2.0/security-groups', { security_group: { name: 'other' } }, ALICE)).security_group;
    const pointing = (await rule({ security_group_id: other.id, remote_group_id: target.id })).body.security_group_rule;
    const port = (await s.post('/v2.0/ports', { port: { network_id: n.network, security_groups: [target.id] } }, ALICE)).port;
    const inUse = await s.request('DELETE', `/v2.0/security-groups/${target.id}`, undefined, ALICE);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.NeutronError.message, `Security Group ${target.id} in use.`);
    await s.put(`/v2.0/ports/${port.id}`, { port: { security_groups: [other.id] } }, ALICE);
    await s.del(`/v2.0/security-groups/${target.id}`, ALICE);
    assert.equal((await s.request('GET', `/v2.0/security-group-rules/${pointing.id}`, undefined, ALICE)).status, 404);
    assert.equal(s.store.view.by('security_group_rule', 'group', target.id).length, 0);
  });

  it('checks the security groups of ports against their project and port security', async () => {
    const n = await projectNetwork(s, ALICE, '10.2.0.0/24', 'psec');
    const bobs = (await s.post('/v2.0/security-groups', { security_group: { name: 'bobs2' } }, BOB)).security_group;
    const mine = (await s.post('/v2.0/security-groups', { security_group: { name: 'mine' } }, ALICE)).security_group;
    const port = (body: Record<string, unknown>) =>
      s.request('POST', '/v2.0/ports', { port: { network_id: n.network, ...body } }, ALICE);
    assert.equal(errorType(await port({ security_groups: [bobs.id] })), 'SecurityGroupNotFound');
    assert.equal(errorType(await port({ security_groups: ['nope'] })), 'HTTPBadRequest');
    const twice = await port({ security_groups: [mine.id, mine.id] });
    assert.equal(twice.status, 400, 'a group named twice is refused, as Neutron 21');
    assert.equal(
      twice.body.NeutronError.message,
      `Invalid input for security_groups. Reason: Duplicate items in the list: '${mine.id}'.`,
    );
    const two = await port({ security_groups: [mine.id] });
    assert.deepEqual(two.body.port.security_groups, [mine.id]);
    const none = await port({ security_groups: [] });
    assert.deepEqual(none.body.port.security_groups, [], 'an empty list is allowed');
    const nulled = await port({ security_groups: null });
    assert.deepEqual(nulled.body.port.security_groups, [], 'null is the empty list, not the default group');
    const open = await port({ port_security_enabled: false });
    assert.deepEqual(open.body.port.security_groups, [], 'no port security: no default group');
    const conflict = await port({ port_security_enabled: false, security_groups: [mine.id] });
    assert.equal(errorType(conflict), 'PortSecurityAndIPRequiredForSecurityGroups');
    const p = (await port({})).body.port;
    const turnOff = await s.request('PUT', `/v2.0/ports/${p.id}`, { port: { port_security_enabled: false } }, ALICE);
    assert.equal(turnOff.status, 409);
    assert.equal(errorType(turnOff), 'PortSecurityPortHasSecurityGroup');
    const off = await s.put(`/v2.0/ports/${p.id}`, { port: { port_security_enabled: false, security_groups: [] } }, ALICE);
    assert.equal(off.port.port_security_enabled, false);
    const pairs = await s.request(
      'PUT',
      `/v2.0/ports/${p.id}`,
      { port: { allowed_address_pairs: [{ ip_address: '10.2.0.200' }] } },
      ALICE,
    );
    assert.equal(errorType(pairs), 'AddressPairAndPortSecurityRequired');
    const byGroup = await s.get(`/v2.0/ports?security_groups=${mine.id}`, ALICE);
    assert.deepEqual(
      byGroup.ports.map((x: any) => x.id),
      [two.body.port.id],
    );
  });

  it('lets an admin delete a default group, which comes back on the project’s next use', async () => {
    const erin: As = { project: 'erin', roles: 'member' };
    const first = (await groups(erin))[0]!;
    await s.del(`/v2.0/security-groups/${first.id}`, ADMIN);
    const again = (await groups(erin))[0]!;
    assert.notEqual(again.id, first.id);
    assert.equal(again.name, 'default');
  });

  it('answers 404 SecurityGroupRuleNotFound and SecurityGroupNotFound for unknown rules and groups', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const unknownRule = await s.request('GET', `/v2.0/security-group-rules/${id}`, undefined, ALICE);
    assert.equal(unknownRule.status, 404);
    assert.equal(errorType(unknownRule), 'SecurityGroupRuleNotFound');
    assert.equal(unknownRule.body.NeutronError.message, `Security group rule ${id} does not exist`);
    const group = await s.request('GET', `/v2.0/security-groups/${id}`, undefined, ALICE);
    assert.equal(group.status, 404);
    assert.equal(errorType(group), 'SecurityGroupNotFound');
    assert.equal(group.body.NeutronError.message, `Security group ${id} does not exist`);
    const def = (await groups(ALICE)).find((g) => g.name === 'default')!;
    const hidden = await s.request('GET', `/v2.0/security-group-rules/${def.security_group_rules[0].id}`, undefined, BOB);
    assert.equal(errorType(hidden), 'SecurityGroupRuleNotFound', 'another project’s rule is not found either');
  });
});
