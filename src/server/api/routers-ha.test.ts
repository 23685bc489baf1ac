import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentType } from '../../model/resources.js';
import { scopeRoots } from '../feed/scope.js';
import { Names } from '../quark/names.js';
import { intentLines } from '../quark/needed-agents.js';
import { reportAgentState } from '../plugin/agents.js';
import { hostSchedule } from '../plugin/host-schedule.js';
import { addInterface, errorType, externalNetwork, projectNetwork, removeInterface } from '../testing/fixtures.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

// What Neutron 21 answers was measured on the reference server (docs/l3.md): the HA
// network's and port's names and owners, ha_state per agent, the admin-only `ha`.
describe('HA routers (l3-ha)', () => {
  let s: TestServer;
  let now = new Date();
  before(async () => {
    s = await testServer({ agentDownTime: 30, maxL3AgentsPerRouter: 2, quotaRouter: 300 }, { now: () => now });
  });
  after(() => s.close());

  const report = (agent_type: AgentType, host: string) =>
    s.store.write((tx) => reportAgentState(tx, { agent_type, host, binary: 'quark-agent', topic: 'q', configurations: {} }));
  const haRouter = async (project: string, name = 'r') =>
    (await s.post('/v2.0/routers', { router: { name, ha: true, project_id: project } }, ADMIN)).router;
  const haNetwork = async (project: string) =>
    (await s.get(`/v2.0/networks?name=${encodeURIComponent(`HA network tenant ${project}`)}`, ADMIN)).networks[0];
  /** The HA port an agent makes for itself (agent/ha-ports.ts). */
  const haPort = async (routerId: string, project: string, host: string) =>
    (
      await s.post(
        '/v2.0/ports',
        {
          port: {
            network_id: (await haNetwork(project)).id,
            project_id: '',
            name: `HA port tenant ${project}`,
            device_owner: 'network:router_ha_interface',
            device_id: routerId,
            'binding:host_id': host,
            port_security_enabled: false,
          },
        },
        ADMIN,
      )
    ).port;
  const vrIdOf = (id: string) => s.store.view.get('router', id)?.ha_vr_id;

  it("makes the project's HA network with its router: no project, 169.254.192.0/18, no DHCP, no gateway", async () => {
    const r = await haRouter('alice');
    assert.equal(r.ha, true);
    const net = await haNetwork('alice');
    assert.equal(net.project_id, '');
    assert.equal(net['provider:network_type'], 'gre', 'a network of the tenant network type');
    const [sub] = (await s.get(`/v2.0/subnets?network_id=${net.id}`, ADMIN)).subnets;
    assert.equal(sub.name, 'HA subnet tenant alice');
    assert.equal(sub.cidr, '169.254.192.0/18');
    assert.equal(sub.enable_dhcp, false);
    assert.equal(sub.gateway_ip, null);
    assert.equal(sub.project_id, '');
    assert.equal(vrIdOf(r.id), 1);
    assert.equal((await s.get('/v2.0/networks', ALICE)).networks.length, 0, 'the project does not see its HA network');
    assert.equal(errorType(await s.request('DELETE', `/v2.0/networks/${net.id}`, undefined, ADMIN)), 'NetworkInUse');
    assert.equal((await s.get(`/v2.0/routers/${r.id}`, ALICE)).router.ha, undefined, 'only an admin reads ha');
    await s.del(`/v2.0/routers/${r.id}`, ADMIN);
    assert.equal(await haNetwork('alice'), undefined, 'the last HA router takes the HA network with it');
  });

  it('lets only an admin choose ha; legacy routers say ha: false to an admin', async () => {
    const refused = await s.request('POST', '/v2.0/routers', { router: { name: 'x', ha: true } }, ALICE);
    assert.equal(refused.status, 403);
    assert.equal(errorType(refused), 'PolicyNotAuthorized');
    const legacy = (await s.post('/v2.0/routers', { router: { name: 'legacy' } }, ALICE)).router;
    assert.equal((await s.get(`/v2.0/routers/${legacy.id}`, ADMIN)).router.ha, false);
    await s.del(`/v2.0/routers/${legacy.id}`, ALICE);
  });

  it('gives each HA router of a project its own VRRP id, the lowest free one', async () => {
    const a = await haRouter('bob', 'a');
    const b = await haRouter('bob', 'b');
    const c = await haRouter('carol', 'c');
    assert.deepEqual([vrIdOf(a.id), vrIdOf(b.id), vrIdOf(c.id)], [1, 2, 1]);
    assert.notEqual((await haNetwork('bob')).id, (await haNetwork('carol')).id, 'one HA network per project');
    await s.del(`/v2.0/routers/${a.id}`, ADMIN);
    const d = await haRouter('bob', 'd');
    assert.equal(vrIdOf(d.id), 1);
    for (const r of [b, c, d]) await s.del(`/v2.0/routers/${r.id}`, ADMIN);
  });

  it('refuses a 255th HA router in a project: NoVRIDAvailable, and nothing is kept', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 254; i++) ids.push((await haRouter('dave', `r${i}`)).id);
    const over = await s.request(
      'POST',
      '/v2.0/routers',
      { router: { name: 'one too many', ha: true, project_id: 'dave' } },
      ADMIN,
    );
    assert.equal(over.status, 409);
    assert.equal(errorType(over), 'NoVRIDAvailable');
    assert.equal((await s.get('/v2.0/routers?project_id=dave', ADMIN)).routers.length, 254);
    for (const id of ids) await s.del(`/v2.0/routers/${id}`, ADMIN);
  });

  it('replicates the interfaces of an HA router, and changes ha only while the router is down', async () => {
    const n = await projectNetwork(s, ALICE, '10.0.0.0/24');
    const r = (await s.post('/v2.0/routers', { router: { name: 'r' } }, ALICE)).router;
    const added = await addInterface(s, ALICE, r.id, { subnet_id: n.subnet });
    const owner = async () => (await s.get(`/v2.0/ports/${added.body.port_id}`, ALICE)).port.device_owner;
    assert.equal(await owner(), 'network:router_interface');
    const active = await s.request('PUT', `/v2.0/routers/${r.id}`, { router: { ha: true } }, ADMIN);
    assert.equal(active.status, 400);
    assert.equal(errorType(active), 'BadRequest');
    assert.match(active.body.NeutronError.message, /set router admin_state_up to False/);
    assert.equal(await haNetwork('alice'), undefined, 'a refused update changes nothing');
    await s.put(`/v2.0/routers/${r.id}`, { router: { ha: true, admin_state_up: false } }, ADMIN);
    assert.equal(await owner(), 'network:ha_router_replicated_interface');
    assert.equal(vrIdOf(r.id), 1);
    const direct = await s.request('DELETE', `/v2.0/ports/${added.body.port_id}`, undefined, ALICE);
    assert.equal(errorType(direct), 'L3PortInUse');
    const port = await haPort(r.id, 'alice', 'network1');
    await s.put(`/v2.0/routers/${r.id}`, { router: { ha: false } }, ADMIN);
    assert.equal(await owner(), 'network:router_interface');
    assert.equal(errorType(await s.request('GET', `/v2.0/ports/${port.id}`, undefined, ADMIN)), 'PortNotFound');
    assert.equal(await haNetwork('alice'), undefined);
    await s.put(`/v2.0/routers/${r.id}`, { router: { ha: true } }, ADMIN);
    assert.equal((await removeInterface(s, ALICE, r.id, { subnet_id: n.subnet })).status, 200);
    await s.del(`/v2.0/routers/${r.id}`, ALICE);
    await s.del(`/v2.0/networks/${n.network}`, ALICE);
  });

  it('hosts an HA router on maxL3AgentsPerRouter agents, with the ha_state their HA ports carry', async () => {
    now = new Date();
    for (const h of ['net1', 'net2', 'net3']) await report('L3 agent', h);
    const ext = await externalNetwork(s);
    const r = await haRouter('erin');
    await s.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: { network_id: ext.network } } }, ADMIN);
    const hosting = async () =>
      (await s.get(`/v2.0/routers/${r.id}/l3-agents`, ADMIN)).agents.map((a: any) => [a.host, a.ha_state]).sort();
    const first = await hosting();
    assert.equal(first.length, 2);
    assert.ok(first.every(([, state]: string[]) => state === 'standby'));
    const [hostA, hostB] = first.map(([h]: string[]) => h) as [string, string];
    await haPort(r.id, 'erin', hostA);
    await haPort(r.id, 'erin', hostB);
    const states = (host: string, body: Record<string, string>) =>
      s.request('POST', '/v2.0/quark/routers/ha_states', { host, states: body }, ADMIN);
    assert.equal((await states(hostA, { [r.id]: 'active' })).body.changed, 1);
    assert.deepEqual(await hosting(), [
      [hostA, 'active'],
      [hostB, 'standby'],
    ]);
    // explain says which node holds the active router.
    const intent = intentLines(s.store.view, new Names(s.store.view), 'router', r.id);
    assert.match(intent.join('\n'), new RegExp(`HA router \\(VRRP id 1\\): active on ${hostA}, standby on ${hostB}`));
    // A report about a router the host does not hold is ignored; so is one from a host without an HA port.
    assert.equal((await states('net9', { [r.id]: 'active' })).body.changed, 0);
    assert.equal((await states(hostA, { [r.id]: 'primary' })).status, 400);

    // The active node dies: still listed (it keeps its HA port), shown standby while another lives.
    const third = ['net1', 'net2', 'net3'].find((h) => h !== hostA && h !== hostB)!;
    const stopHeartbeats = (host: string) =>
      s.store.write((tx) => {
        const a = tx.by('agent', 'host', host).find((x) => x.agent_type === 'L3 agent')!;
        // What the agent reaper records after agentDownTime of silence.
        tx.put('agent', { ...a, heartbeat_timestamp: '2000-01-01 00:00:00', alive: false });
      });
    await stopHeartbeats(hostA);
    const afterDeath = await hosting();
    assert.deepEqual(
      afterDeath.find(([h]: string[]) => h === hostA),
      [hostA, 'standby'],
    );
    assert.ok(
      afterDeath.some(([h]: string[]) => h === third),
      'a live agent takes the dead one’s place',
    );
    // Every agent dead: unknown, as Neutron (the dead standby is still listed by its HA port).
    await stopHeartbeats(hostB);
    await stopHeartbeats(third);
    assert.deepEqual(await hosting(), [
      [hostA, 'unknown'],
      [hostB, 'standby'],
    ]);
    // A legacy router has one agent and no HA state.
    const legacy = (await s.post('/v2.0/routers', { router: { name: 'legacy', project_id: 'erin' } }, ADMIN)).router;
    for (const h of ['net1', 'net2', 'net3']) await report('L3 agent', h);
    const one = (await s.get(`/v2.0/routers/${legacy.id}/l3-agents`, ADMIN)).agents;
    assert.equal(one.length, 1);
    assert.equal(one[0].ha_state, null);
    // Deleting an L3 agent deletes its HA ports.
    const agentA = (await s.get(`/v2.0/agents?host=${hostA}&agent_type=L3 agent`, ADMIN)).agents[0];
    await s.del(`/v2.0/agents/${agentA.id}`, ADMIN);
    const ports = (await s.get(`/v2.0/ports?device_id=${r.id}&device_owner=network:router_ha_interface`, ADMIN)).ports;
    assert.deepEqual(
      ports.map((p: any) => p['binding:host_id']),
      [hostB],
    );
    await s.put(`/v2.0/routers/${r.id}`, { router: { external_gateway_info: null } }, ADMIN);
    for (const id of [r.id, legacy.id]) await s.del(`/v2.0/routers/${id}`, ADMIN);
    await s.del(`/v2.0/networks/${ext.network}`, ADMIN);
  });

  it("gives the L3 hosts the HA network before their HA port, and the compute hosts the routers' HA ports", async () => {
    now = new Date();
    await report('L3 agent', 'net1');
    await report('Open vSwitch agent', 'compute1');
    const n = await projectNetwork(s, BOB, '10.2.0.0/24');
    const r = await haRouter('bob');
    await addInterface(s, ADMIN, r.id, { subnet_id: n.subnet });
    const ha = await haNetwork('bob');
    const request = (host: string, roles: string[]) => ({
      host,
      roles: new Set(roles),
      ...hostSchedule(s.store.view, s.quark.services, host),
    });
    // Earlier tests left other L3 agents alive: the router goes to maxL3AgentsPerRouter of them, by its id.
    const host = ['net1', 'net2', 'net3'].find((h) => hostSchedule(s.store.view, s.quark.services, h).routers.has(r.id))!;
    const l3 = scopeRoots(s.store.view, request(host, ['l2', 'l3']));
    assert.ok(l3.routers.has(r.id));
    assert.ok(l3.networks.has(ha.id), 'the HA network, before any HA port is on it');
    const vm = (
      await s.post('/v2.0/ports', { port: { network_id: n.network, project_id: 'bob', 'binding:host_id': 'compute1' } }, ADMIN)
    ).port;
    const port = await haPort(r.id, 'bob', host);
    const compute = scopeRoots(s.store.view, request('compute1', ['l2']));
    assert.ok(compute.extraPorts.has(port.id), 'the compute node floods to the HA router’s nodes');
    assert.ok(!compute.networks.has(ha.id));
    await s.del(`/v2.0/ports/${vm.id}`, BOB);
    await removeInterface(s, ADMIN, r.id, { subnet_id: n.subnet });
    await s.del(`/v2.0/routers/${r.id}`, ADMIN);
  });

  it('makes routers HA when l3Ha is set and the creator does not say', async () => {
    const t = await testServer({ l3Ha: true });
    try {
      const r = (await t.post('/v2.0/routers', { router: { name: 'r' } }, ALICE)).router;
      assert.equal((await t.get(`/v2.0/routers/${r.id}`, ADMIN)).router.ha, true);
      const legacy = (await t.post('/v2.0/routers', { router: { name: 'l', ha: false } }, ADMIN)).router;
      assert.equal(legacy.ha, false);
    } finally {
      await t.close();
    }
  });
});
