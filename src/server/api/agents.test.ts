import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentType } from '../../model/resources.js';
import { reportAgentState } from '../plugin/agents.js';
import { addInterface, errorType, projectNetwork, router } from '../testing/fixtures.js';
import { ADMIN, ALICE, type TestServer, testServer } from '../testing/harness.js';

describe('agents API and scheduling', () => {
  let s: TestServer;
  let now = new Date();
  before(async () => {
    s = await testServer({ agentDownTime: 30, dhcpAgentsPerNetwork: 1 }, { now: () => now });
  });
  after(() => s.close());

  const report = (agent_type: AgentType, host: string) =>
    s.store.write((tx) =>
      reportAgentState(tx, { agent_type, host, binary: 'quark-agent', topic: 'q', configurations: { host } }),
    );

  it('lists agents to admins with Neutron’s fields; alive until a server records the silent agent dead', async () => {
    const { agent } = await report('L3 agent', 'network1');
    now = new Date();
    const { agents } = await s.get('/v2.0/agents', ADMIN);
    assert.equal(agents.length, 1);
    assert.deepEqual(Object.keys(agents[0]).sort(), [
      'admin_state_up',
      'agent_type',
      'alive',
      'availability_zone',
      'binary',
      'configurations',
      'created_at',
      'description',
      'heartbeat_timestamp',
      'host',
      'id',
      'resources_synced',
      'started_at',
      'topic',
    ]);
    assert.equal(agents[0].alive, true);
    assert.match(agents[0].heartbeat_timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    now = new Date(Date.now() + 31_000);
    assert.equal((await s.get(`/v2.0/agents/${agent.id}`, ADMIN)).agent.alive, true, 'silent, not yet recorded dead');
    await s.quark.reaper.sweep();
    assert.equal((await s.get(`/v2.0/agents/${agent.id}`, ADMIN)).agent.alive, false);
    assert.equal((await s.get('/v2.0/agents?alive=false', ADMIN)).agents.length, 1);
    now = new Date();
    await report('L3 agent', 'network1');
    assert.equal((await s.get(`/v2.0/agents/${agent.id}`, ADMIN)).agent.alive, true, 'a heartbeat revives it');
    assert.deepEqual((await s.get('/v2.0/agents', ALICE)).agents, [], 'agents are for admins');
    assert.equal((await s.request('GET', `/v2.0/agents/${agent.id}`, undefined, ALICE)).status, 404);
  });

  it('lets an admin disable, describe and delete an agent, but not create one', async () => {
    const { agent } = await report('Open vSwitch agent', 'compute1');
    const updated = await s.put(
      `/v2.0/agents/${agent.id}`,
      { agent: { admin_state_up: false, description: 'maintenance' } },
      ADMIN,
    );
    assert.equal(updated.agent.admin_state_up, false);
    assert.equal(updated.agent.description, 'maintenance');
    const readOnly = await s.request('PUT', `/v2.0/agents/${agent.id}`, { agent: { host: 'elsewhere' } }, ADMIN);
    assert.equal(readOnly.status, 400);
    assert.equal((await s.request('PUT', `/v2.0/agents/${agent.id}`, { agent: { description: 'x' } }, ALICE)).status, 404);
    const created = await s.request('POST', '/v2.0/agents', { agent: {} }, ADMIN);
    assert.equal(created.status, 400);
    assert.equal(errorType(created), 'BadRequest');
    await s.del(`/v2.0/agents/${agent.id}`, ADMIN);
    assert.equal(errorType(await s.request('GET', `/v2.0/agents/${agent.id}`, undefined, ADMIN)), 'AgentNotFound');
  });

  it('schedules routers to live L3 agents and DHCP networks to live DHCP agents', async () => {
    const l3a = (await s.get('/v2.0/agents?agent_type=L3 agent', ADMIN)).agents[0];
    const dhcpA = (await report('DHCP agent', 'network1')).agent;
    const dhcpB = (await report('DHCP agent', 'network2')).agent;
    now = new Date();
    const n = await projectNetwork(s, ALICE, '10.0.0.0/24');
    const noDhcp = (await s.post('/v2.0/networks', { network: { name: 'static' } }, ALICE)).network.id;
    await s.post(
      '/v2.0/subnets',
      { subnet: { network_id: noDhcp, ip_version: 4, cidr: '10.1.0.0/24', enable_dhcp: false } },
      ALICE,
    );
    const r = await router(s, ALICE);
    await addInterface(s, ALICE, r.id, { subnet_id: n.subnet });

    const hosting = await s.get(`/v2.0/routers/${r.id}/l3-agents`, ADMIN);
    assert.deepEqual(
      hosting.agents.map((a: any) => a.id),
      [l3a.id],
    );
    assert.deepEqual(
      (await s.get(`/v2.0/agents/${l3a.id}/l3-routers`, ADMIN)).routers.map((x: any) => x.id),
      [r.id],
    );
    const served = (await s.get(`/v2.0/networks/${n.network}/dhcp-agents`, ADMIN)).agents.map((a: any) => a.id);
    assert.equal(served.length, 1);
    assert.ok([dhcpA.id, dhcpB.id].includes(served[0]));
    assert.deepEqual((await s.get(`/v2.0/networks/${noDhcp}/dhcp-agents`, ADMIN)).agents, [], 'no DHCP subnet, no agent');
    const networks = (await s.get(`/v2.0/agents/${served[0]}/dhcp-networks`, ADMIN)).networks.map((x: any) => x.id);
    assert.deepEqual(networks, [n.network]);
    assert.deepEqual((await s.get(`/v2.0/agents/${l3a.id}/dhcp-networks`, ADMIN)).networks, []);

    now = new Date(Date.now() + 60_000);
    assert.deepEqual(
      (await s.get(`/v2.0/routers/${r.id}/l3-agents`, ADMIN)).agents.map((a: any) => a.id),
      [l3a.id],
      'silence alone moves nothing: a server records the agent dead first',
    );
    assert.ok((await s.quark.reaper.sweep()) >= 1);
    assert.deepEqual((await s.get(`/v2.0/routers/${r.id}/l3-agents`, ADMIN)).agents, [], 'a dead agent hosts nothing');

    assert.equal((await s.request('GET', `/v2.0/routers/${r.id}/l3-agents`, undefined, ALICE)).status, 403);
    assert.equal(errorType(await s.request('GET', '/v2.0/agents/nope/l3-routers', undefined, ADMIN)), 'AgentNotFound');
    const manual = await s.request('POST', `/v2.0/agents/${l3a.id}/l3-routers`, { router_id: r.id }, ADMIN);
    assert.equal(manual.status, 400);
    assert.match(manual.body.NeutronError.message, /scheduled by Quark/);
    now = new Date();
  });
  it('binds a network to a DHCP agent by hand and keeps it, until no agent bound is live and enabled', async () => {
    now = new Date();
    const a = (await report('DHCP agent', 'hand1')).agent;
    const b = (await report('DHCP agent', 'hand2')).agent;
    for (const other of (await s.get('/v2.0/agents?agent_type=DHCP agent', ADMIN)).agents)
      if (other.id !== a.id && other.id !== b.id) await s.del(`/v2.0/agents/${other.id}`, ADMIN);
    const n = await projectNetwork(s, ALICE, '10.9.0.0/24');
    const hosts = async () => (await s.get(`/v2.0/networks/${n.network}/dhcp-agents`, ADMIN)).agents.map((x: any) => x.id);
    const [auto] = await hosts();
    const other = auto === a.id ? b : a;
    const bind = (agent: string, network = n.network) =>
      s.request('POST', `/v2.0/agents/${agent}/dhcp-networks`, { network_id: network }, ADMIN);
    const unbind = (agent: string) => s.request('DELETE', `/v2.0/agents/${agent}/dhcp-networks/${n.network}`, undefined, ADMIN);
    assert.equal(errorType(await bind(auto)), 'NetworkHostedByDHCPAgent');
    assert.equal((await bind(other.id)).status, 201);
    assert.deepEqual((await hosts()).sort(), [a.id, b.id].sort(), 'the scheduler’s agent and the one added');
    assert.equal((await unbind(auto)).status, 204);
    assert.deepEqual(await hosts(), [other.id]);
    const served = async (agent: string) =>
      (await s.get(`/v2.0/agents/${agent}/dhcp-networks`, ADMIN)).networks.map((x: any) => x.id);
    assert.ok((await served(other.id)).includes(n.network));
    assert.ok(!(await served(auto)).includes(n.network));
    assert.equal(errorType(await unbind(auto)), 'NetworkNotHostedByDhcpAgent');
    assert.equal((await unbind(other.id)).status, 204);
    assert.deepEqual(await hosts(), [], 'every binding removed by hand: unserved');
    const l3 = (await report('L3 agent', 'hand1')).agent;
    assert.equal(errorType(await bind(l3.id)), 'InvalidDHCPAgent');
    assert.equal((await s.request('POST', `/v2.0/agents/${a.id}/dhcp-networks`, { network_id: n.network }, ALICE)).status, 403);
    assert.equal((await bind(other.id)).status, 201);
    // The agent bound by hand is disabled (or dies): the scheduler serves the network again.
    await s.put(`/v2.0/agents/${other.id}`, { agent: { admin_state_up: false } }, ADMIN);
    assert.deepEqual(await hosts(), [auto]);
  });
});
