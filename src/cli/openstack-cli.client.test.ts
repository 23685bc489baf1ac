// The client tier: Debian's `openstack` CLI (python3-openstackclient) and openstacksdk against a
// real `quark server`, set up the way the README tells a new user to: start the server, run
// `quark admin bootstrap`, use the clouds.yaml entry (or the OS_* variables) it wrote.
import assert from 'node:assert/strict';
import { type TestContext, after, before, describe, it } from 'node:test';
import {
  type QuarkServer,
  cleanEnv,
  openstack,
  openstackJson,
  openstackOk,
  python,
  quark,
  startBootstrappedServer,
} from '../testing/quark-process.js';

// Commands of resources the server does not offer yet skip themselves, by the extension list.
const NEEDS: Readonly<Record<string, string>> = {
  router: 'needs routers and floating IPs (issue 3)',
  'security-group': 'needs security groups (issue 3)',
  agent: 'needs the agents API (issue 3)',
  quotas: 'needs the quotas API (issue 3)',
  'floating-ip-port-forwarding': 'needs the router extensions (issue 16)',
  trunk: 'needs trunks (issue 16)',
};

describe('openstack CLI against quark', () => {
  let server: QuarkServer;
  /** clouds.yaml entry 'quark': the bootstrap admin. */
  let admin: NodeJS.ProcessEnv;
  /** OS_* variables only, as printed by bootstrap: a member of project demo. */
  let demo: NodeJS.ProcessEnv;
  const ids: Record<string, string> = {};
  let offered = new Set<string>();
  /** False (and the test skipped) while the server lacks the extension `alias`. */
  const offers = (t: TestContext, alias: string) => {
    if (offered.has(alias)) return true;
    t.skip(NEEDS[alias]);
    return false;
  };

  before(async () => {
    const started = await startBootstrappedServer('admin-secret');
    ({ server, admin } = started);
    assert.match(started.boot.stdout, /^export OS_CLOUD=quark\n/);
    offered = new Set((await openstackJson(['extension', 'list', '--network'], admin)).map((e: { Alias: string }) => e.Alias));
  });
  after(async () => {
    await server?.stop();
  });

  it('bootstrap prints OS_* variables that work on their own, and is idempotent', async () => {
    const again = await quark([
      'admin',
      'bootstrap',
      '--db',
      server.db,
      '--url',
      server.url,
      '--no-clouds-yaml',
      '--password',
      'admin-secret',
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /identity already bootstrapped/);
    const vars = Object.fromEntries([...again.stdout.matchAll(/^export (OS_[A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    assert.equal(vars.OS_AUTH_URL, `${server.url}/identity/v3`);
    assert.equal(vars.OS_CLOUD, undefined);
    const token = await openstackJson(['token', 'issue'], cleanEnv({ ...vars, OS_CLIENT_CONFIG_FILE: '/nonexistent' }));
    assert.ok(token.id);
    const plainV3 = { ...vars, OS_AUTH_URL: `${server.url}/v3`, OS_CLIENT_CONFIG_FILE: '/nonexistent' };
    assert.ok((await openstackJson(['network', 'list'], cleanEnv(plainV3))).length >= 0, 'the /v3 alias works as an auth URL');
  });

  it('token issue', async () => {
    const token = await openstackJson(['token', 'issue'], admin);
    assert.match(token.id, /^[A-Za-z0-9_-]{43}$/);
    assert.match(token.expires, /^\d{4}-\d\d-\d\dT/);
    assert.match(token.project_id, /^[0-9a-f]{32}$/);
    assert.match(token.user_id, /^[0-9a-f]{32}$/);
    ids.adminProject = token.project_id;
  });

  it('project create, user create, role add', async () => {
    const project = await openstackJson(['project', 'create', '--description', 'demo project', 'demo'], admin);
    assert.equal(project.name, 'demo');
    assert.equal(project.domain_id, 'default');
    ids.demo = project.id;
    const user = await openstackJson(['user', 'create', '--project', 'demo', '--password', 'demo-secret', 'demo-user'], admin);
    assert.equal(user.name, 'demo-user');
    assert.equal(user.default_project_id, ids.demo);
    await openstackOk(['role', 'add', '--project', 'demo', '--user', 'demo-user', 'member'], admin);
    const assignments = await openstackJson(['role', 'assignment', 'list', '--project', 'demo', '--names'], admin);
    assert.deepEqual(
      assignments.map((a: { Role: string; User: string }) => [a.Role, a.User]),
      [['member', 'demo-user@Default']],
    );
    demo = cleanEnv({
      OS_CLIENT_CONFIG_FILE: '/nonexistent',
      OS_AUTH_URL: `${server.url}/identity/v3`,
      OS_IDENTITY_API_VERSION: '3',
      OS_USERNAME: 'demo-user',
      OS_PASSWORD: 'demo-secret',
      OS_PROJECT_NAME: 'demo',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
    });
    const demoToken = await openstackJson(['token', 'issue'], demo);
    assert.equal(demoToken.project_id, ids.demo);
  });

  it('network create/list/show/set/delete, with --share, --external and --provider-* as admin', async () => {
    const shared = await openstackJson(['network', 'create', '--share', 'shared-net'], admin);
    assert.equal(shared.shared, true);
    ids.shared = shared.id;
    const ext = await openstackJson(
      ['network', 'create', '--external', '--provider-network-type', 'flat', '--provider-physical-network', 'physnet1', 'public'],
      admin,
    );
    assert.equal(ext['router:external'], true);
    assert.equal(ext['provider:network_type'], 'flat');
    ids.public = ext.id;
    const vlan = await openstackJson(
      [
        'network',
        'create',
        '--provider-network-type',
        'vlan',
        '--provider-physical-network',
        'physnet1',
        '--provider-segment',
        '1234',
        'vlan-net',
      ],
      admin,
    );
    assert.equal(vlan['provider:segmentation_id'], 1234);
    const net = await openstackJson(['network', 'create', 'net1'], admin);
    assert.equal(net.status, 'ACTIVE');
    assert.equal(net.project_id, ids.adminProject);
    ids.net1 = net.id;
    await openstackOk(['network', 'set', '--name', 'net1-renamed', '--description', 'first', 'net1'], admin);
    const shown = await openstackJson(['network', 'show', 'net1-renamed'], admin);
    assert.equal(shown.id, ids.net1);
    assert.equal(shown.description, 'first');
    const list = await openstackJson(['network', 'list'], admin);
    assert.deepEqual(list.map((n: { Name: string }) => n.Name).sort(), ['net1-renamed', 'public', 'shared-net', 'vlan-net']);
    const external = await openstackJson(['network', 'list', '--external'], admin);
    assert.deepEqual(
      external.map((n: { ID: string }) => n.ID),
      [ids.public],
    );
    await openstackOk(['network', 'delete', 'vlan-net'], admin);
    const missing = await openstack(['network', 'show', 'vlan-net'], admin);
    assert.notEqual(missing.code, 0);
  });

  it('subnet create/list/show/set/delete, with ranges, gateway, pools, DNS, no DHCP and IPv6 modes', async () => {
    const v4 = await openstackJson(
      [
        'subnet',
        'create',
        '--network',
        'net1-renamed',
        '--subnet-range',
        '10.0.0.0/24',
        '--gateway',
        '10.0.0.1',
        '--allocation-pool',
        'start=10.0.0.10,end=10.0.0.100',
        '--dns-nameserver',
        '192.0.2.53',
        'sub1',
      ],
      admin,
    );
    assert.equal(v4.cidr, '10.0.0.0/24');
    assert.equal(v4.gateway_ip, '10.0.0.1');
    assert.deepEqual(v4.allocation_pools, [{ start: '10.0.0.10', end: '10.0.0.100' }]);
    assert.deepEqual(v4.dns_nameservers, ['192.0.2.53']);
    assert.equal(v4.enable_dhcp, true);
    ids.sub1 = v4.id;
    const noDhcp = await openstackJson(
      [
        'subnet',
        'create',
        '--network',
        'net1-renamed',
        '--subnet-range',
        '10.0.1.0/24',
        '--no-dhcp',
        '--gateway',
        'none',
        'sub2',
      ],
      admin,
    );
    assert.equal(noDhcp.enable_dhcp, false);
    assert.equal(noDhcp.gateway_ip, null);
    const v6 = await openstackJson(
      [
        'subnet',
        'create',
        '--network',
        'net1-renamed',
        '--ip-version',
        '6',
        '--subnet-range',
        'fd00:1::/64',
        '--ipv6-ra-mode',
        'slaac',
        '--ipv6-address-mode',
        'slaac',
        'sub6',
      ],
      admin,
    );
    assert.equal(v6.ip_version, 6);
    assert.equal(v6.ipv6_ra_mode, 'slaac');
    assert.equal(v6.ipv6_address_mode, 'slaac');
    await openstackOk(['subnet', 'set', '--name', 'sub1-renamed', '--no-dhcp', 'sub1'], admin);
    const shown = await openstackJson(['subnet', 'show', 'sub1-renamed'], admin);
    assert.equal(shown.enable_dhcp, false);
    const list = await openstackJson(['subnet', 'list', '--network', 'net1-renamed'], admin);
    assert.deepEqual(list.map((s: { Name: string }) => s.Name).sort(), ['sub1-renamed', 'sub2', 'sub6']);
    await openstackOk(['subnet', 'delete', 'sub2'], admin);
    await openstackJson(
      ['subnet', 'create', '--network', 'public', '--subnet-range', '203.0.113.0/24', '--no-dhcp', 'public-sub'],
      admin,
    );
    await openstackJson(['subnet', 'create', '--network', 'shared-net', '--subnet-range', '10.9.0.0/24', 'shared-sub'], admin);
  });

  it('port create/list/show/set/delete, with --fixed-ip, --mac-address, --allowed-address, --disable-port-security', async () => {
    const port = await openstackJson(
      [
        'port',
        'create',
        '--network',
        'net1-renamed',
        '--fixed-ip',
        'subnet=sub1-renamed,ip-address=10.0.0.50',
        '--mac-address',
        'fa:16:3e:11:22:33',
        '--allowed-address',
        'ip-address=10.0.0.200',
        'port1',
      ],
      admin,
    );
    assert.equal(port.mac_address, 'fa:16:3e:11:22:33');
    assert.deepEqual(
      port.fixed_ips.filter((f: { subnet_id: string }) => f.subnet_id === ids.sub1),
      [{ subnet_id: ids.sub1, ip_address: '10.0.0.50' }],
    );
    assert.deepEqual(port.allowed_address_pairs, [{ ip_address: '10.0.0.200', mac_address: 'fa:16:3e:11:22:33' }]);
    ids.port1 = port.id;
    const open = await openstackJson(['port', 'create', '--network', 'net1-renamed', '--disable-port-security', 'port2'], admin);
    assert.equal(open.port_security_enabled, false);
    await openstackOk(
      ['port', 'set', '--name', 'port1-renamed', '--fixed-ip', 'subnet=sub1-renamed,ip-address=10.0.0.51', 'port1'],
      admin,
    );
    const shown = await openstackJson(['port', 'show', 'port1-renamed'], admin);
    assert.deepEqual(
      shown.fixed_ips
        .filter((f: { subnet_id: string }) => f.subnet_id === ids.sub1)
        .map((f: { ip_address: string }) => f.ip_address)
        .sort(),
      ['10.0.0.50', '10.0.0.51'],
    );
    const list = await openstackJson(['port', 'list', '--network', 'net1-renamed'], admin);
    assert.deepEqual(list.map((p: { Name: string }) => p.Name).sort(), ['port1-renamed', 'port2']);
    await openstackOk(['port', 'delete', 'port2'], admin);
  });

  it('port create --security-group', async (t) => {
    if (!offers(t, 'security-group')) return;
    const group = await openstackJson(
      ['security group', 'create', 'web'].flatMap((a) => a.split(' ')),
      admin,
    );
    const port = await openstackJson(['port', 'create', '--network', 'net1-renamed', '--security-group', 'web', 'port3'], admin);
    assert.deepEqual(port.security_group_ids, [group.id]);
    await openstackOk(['port', 'delete', 'port3'], admin);
  });

  it('keeps projects apart: a member sees shared and external networks, not the admin’s, and may not share', async () => {
    const mine = await openstackJson(['network', 'create', 'demo-net'], demo);
    assert.equal(mine.project_id, ids.demo);
    assert.equal(mine['provider:network_type'] ?? null, null, 'provider attributes are admin-only');
    const visible = (await openstackJson(['network', 'list'], demo)).map((n: { Name: string }) => n.Name).sort();
    assert.deepEqual(visible, ['demo-net', 'public', 'shared-net']);
    const hidden = await openstack(['network', 'show', ids.net1!], demo);
    assert.notEqual(hidden.code, 0);
    assert.match(hidden.stderr, /No Network found|could not be found/);
    const share = await openstack(['network', 'create', '--share', 'sneaky'], demo);
    assert.notEqual(share.code, 0);
    assert.match(share.stderr, /403|disallowed by policy/);
    const onShared = await openstackJson(['port', 'create', '--network', 'shared-net', 'demo-port'], demo);
    assert.equal(onShared.project_id, ids.demo);
    const noAdmin = await openstack(['project', 'create', 'not-allowed'], demo);
    assert.notEqual(noAdmin.code, 0);
    assert.match(noAdmin.stderr, /403|not authorized/i);
  });

  it('extension list --network', async () => {
    const aliases = (await openstackJson(['extension', 'list', '--network'], admin)).map((e: { Alias: string }) => e.Alias);
    for (const alias of ['external-net', 'provider', 'binding']) assert.ok(aliases.includes(alias), alias);
  });

  it('router create / add subnet / set --external-gateway / show / remove subnet / delete', async (t) => {
    if (!offers(t, 'router')) return;
    const router = await openstackJson(['router', 'create', 'r1'], admin);
    ids.router = router.id;
    await openstackOk(['router', 'add', 'subnet', 'r1', 'sub1-renamed'], admin);
    await openstackOk(['router', 'set', '--external-gateway', 'public', 'r1'], admin);
    const shown = await openstackJson(['router', 'show', 'r1'], admin);
    assert.equal(shown.external_gateway_info.network_id, ids.public);
    const ports = await openstackJson(['port', 'list', '--router', 'r1'], admin);
    assert.equal(ports.length, 2, 'the interface and the gateway');
  });

  it('floating ip port forwarding, network l3 conntrack helper, network meter (rule) create/list/delete', async (t) => {
    if (!offers(t, 'floating-ip-port-forwarding')) return;
    const fip = await openstackJson(['floating', 'ip', 'create', 'public'], admin);
    const port = await openstackJson(['port', 'create', '--network', 'net1-renamed', 'pf-port'], admin);
    const address = port.fixed_ips.find((f: { ip_address: string }) => !f.ip_address.includes(':')).ip_address;
    const pf = await openstackJson(
      [
        ...['floating', 'ip', 'port', 'forwarding', 'create', '--port', 'pf-port', '--internal-ip-address', address],
        ...['--internal-protocol-port', '22', '--external-protocol-port', '2222', '--protocol', 'tcp', fip.floating_ip_address],
      ],
      admin,
    );
    assert.equal(pf.external_port, 2222);
    const listed = await openstackJson(['floating', 'ip', 'port', 'forwarding', 'list', fip.floating_ip_address], admin);
    assert.equal(listed[0]['Internal Port'], 22);
    await openstackOk(['floating', 'ip', 'port', 'forwarding', 'delete', fip.floating_ip_address, pf.id], admin);
    await openstackOk(['floating', 'ip', 'delete', fip.id], admin);
    await openstackOk(['port', 'delete', 'pf-port'], admin);
    const helper = await openstackJson(
      ['network', 'l3', 'conntrack', 'helper', 'create', '--helper', 'ftp', '--protocol', 'tcp', '--port', '21', 'r1'],
      admin,
    );
    assert.equal(helper.helper, 'ftp');
    assert.equal((await openstackJson(['network', 'l3', 'conntrack', 'helper', 'list', 'r1'], admin)).length, 1);
    await openstackOk(['network', 'l3', 'conntrack', 'helper', 'delete', 'r1', helper.id], admin);
    const meter = await openstackJson(['network', 'meter', 'create', '--description', 'd', 'm1'], admin);
    const rule = await openstackJson(
      ['network', 'meter', 'rule', 'create', '--egress', '--source-ip-prefix', '10.0.0.0/24', 'm1'],
      admin,
    );
    assert.equal(rule.source_ip_prefix, '10.0.0.0/24');
    assert.equal((await openstackJson(['network', 'meter', 'rule', 'list'], admin)).length, 1);
    await openstackOk(['network', 'meter', 'rule', 'delete', rule.id], admin);
    await openstackOk(['network', 'meter', 'delete', meter.id], admin);
  });

  it('network trunk create / set --subport / subport list / unset --subport / delete, trunk_details on the parent', async (t) => {
    if (!offers(t, 'trunk')) return;
    await openstackOk(['port', 'create', '--network', 'net1-renamed', 'trunk-parent'], admin);
    const sub = await openstackJson(['port', 'create', '--network', 'net1-renamed', 'trunk-sub'], admin);
    const trunk = await openstackJson(['network', 'trunk', 'create', '--parent-port', 'trunk-parent', 'trunk1'], admin);
    assert.equal(trunk.status, 'DOWN');
    await openstackOk(
      ['network', 'trunk', 'set', '--subport', 'port=trunk-sub,segmentation-type=vlan,segmentation-id=101', 'trunk1'],
      admin,
    );
    const subports = await openstackJson(['network', 'subport', 'list', '--trunk', 'trunk1'], admin);
    assert.deepEqual([subports[0].Port, subports[0]['Segmentation ID']], [sub.id, 101]);
    const parent = await openstackJson(['port', 'show', 'trunk-parent'], admin);
    assert.equal(parent.trunk_details.trunk_id, trunk.id);
    assert.equal(parent.trunk_details.sub_ports[0].mac_address, sub.mac_address);
    await openstackOk(['network', 'trunk', 'unset', '--subport', 'trunk-sub', 'trunk1'], admin);
    assert.deepEqual(await openstackJson(['network', 'subport', 'list', '--trunk', 'trunk1'], admin), []);
    await openstackOk(['network', 'trunk', 'delete', 'trunk1'], admin);
    await openstackOk(['port', 'delete', 'trunk-parent', 'trunk-sub'], admin);
  });

  it('floating ip create / set --port / unset --port / list / delete', async (t) => {
    if (!offers(t, 'router')) return;
    const fip = await openstackJson(['floating', 'ip', 'create', 'public'], admin);
    assert.match(fip.floating_ip_address, /^203\.0\.113\./);
    // port1 holds two IPv4 addresses, so the floating IP must name one (as Neutron requires).
    await openstackOk(
      ['floating', 'ip', 'set', '--port', 'port1-renamed', '--fixed-ip-address', '10.0.0.50', fip.floating_ip_address],
      admin,
    );
    const attached = await openstackJson(['floating', 'ip', 'show', fip.id], admin);
    assert.equal(attached.port_id, ids.port1);
    assert.ok(attached.fixed_ip_address);
    await openstackOk(['floating', 'ip', 'unset', '--port', fip.floating_ip_address], admin);
    const list = await openstackJson(['floating', 'ip', 'list'], admin);
    assert.equal(list.find((f: { ID: string }) => f.ID === fip.id).Port, null);
    await openstackOk(['floating', 'ip', 'delete', fip.id], admin);
    await openstackOk(['router', 'remove', 'subnet', 'r1', 'sub1-renamed'], admin);
    await openstackOk(['router', 'unset', '--external-gateway', 'r1'], admin);
    await openstackOk(['router', 'delete', 'r1'], admin);
  });

  it('security group create/list/delete and security group rule create/list/delete', async (t) => {
    if (!offers(t, 'security-group')) return;
    const group = await openstackJson(['security', 'group', 'create', '--description', 'ssh in', 'ssh'], admin);
    const rule = await openstackJson(
      [
        'security',
        'group',
        'rule',
        'create',
        '--ingress',
        '--protocol',
        'tcp',
        '--dst-port',
        '22',
        '--remote-ip',
        '0.0.0.0/0',
        'ssh',
      ],
      admin,
    );
    assert.equal(rule.port_range_min, 22);
    const rules = await openstackJson(['security', 'group', 'rule', 'list', 'ssh'], admin);
    assert.ok(rules.some((r: { ID: string }) => r.ID === rule.id));
    const groups = await openstackJson(['security', 'group', 'list'], admin);
    assert.ok(groups.some((g: { ID: string }) => g.ID === group.id));
    await openstackOk(['security', 'group', 'rule', 'delete', rule.id], admin);
    await openstackOk(['security', 'group', 'delete', 'ssh'], admin);
  });

  it('network agent list', async (t) => {
    if (!offers(t, 'agent')) return;
    const agents = await openstackJson(['network', 'agent', 'list'], admin);
    assert.ok(Array.isArray(agents));
  });

  it('quota show / quota set', async (t) => {
    if (!offers(t, 'quotas')) return;
    await openstackOk(['quota', 'set', '--networks', '7', 'demo'], admin);
    const quota = await openstackJson(['quota', 'show', 'demo'], admin);
    assert.equal(quota.networks, 7);
  });

  it('openstacksdk connects through the same clouds.yaml', async () => {
    const r = await python(
      [
        'import json, openstack',
        "conn = openstack.connect(cloud='quark')",
        'print(json.dumps({',
        "  'networks': sorted(n.name for n in conn.network.networks()),",
        "  'project': conn.current_project_id,",
        "  'subnet': conn.network.find_subnet('sub1-renamed').cidr,",
        '}))',
      ].join('\n'),
      admin,
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(out.networks.includes('net1-renamed'));
    assert.ok(out.networks.includes('demo-net'), 'the admin sees every project');
    assert.equal(out.project, ids.adminProject);
    assert.equal(out.subnet, '10.0.0.0/24');
  });

  it('cleans up with delete commands, the demo user and project too', async () => {
    await openstackOk(['port', 'delete', 'demo-port'], demo);
    await openstackOk(['network', 'delete', 'demo-net'], demo);
    await openstackOk(['port', 'delete', 'port1-renamed'], admin);
    await openstackOk(['subnet', 'delete', 'sub1-renamed', 'sub6'], admin);
    await openstackOk(['network', 'delete', 'net1-renamed'], admin);
    await openstackOk(['user', 'delete', 'demo-user'], admin);
    await openstackOk(['project', 'delete', 'demo'], admin);
    const gone = await openstack(['token', 'issue'], demo);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /401|authenticat/i);
  });
});
