import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Store } from '../../store/store.js';
import { type AgentStateReport, agentTime, isAlive, reportAgentState } from './agents.js';

describe('reportAgentState', () => {
  let store: Store;
  let clock = new Date('2026-11-26T10:00:00Z');
  before(async () => {
    store = await Store.open({ url: ':memory:', clock: () => clock });
  });
  after(() => store.close());

  const ovs: AgentStateReport = {
    agent_type: 'Open vSwitch agent',
    binary: 'quark-agent',
    host: 'compute1',
    topic: 'l2',
    configurations: { tunnel_types: ['gre'], tunneling_ip: '198.18.0.11' },
    start_flag: true,
  };
  let n = 0;
  const report = (r: AgentStateReport) =>
    store.write((tx) => reportAgentState(tx, r, { agentDownTime: 30, newId: () => `agent-${++n}` }));

  it('creates an enabled agent on its first report, keyed by type and host', async () => {
    const { agent, status } = await report(ovs);
    assert.equal(status, 'new');
    assert.deepEqual(agent, {
      id: 'agent-1',
      agent_type: 'Open vSwitch agent',
      binary: 'quark-agent',
      host: 'compute1',
      topic: 'l2',
      configurations: { tunnel_types: ['gre'], tunneling_ip: '198.18.0.11' },
      heartbeat_timestamp: '2026-11-26 10:00:00',
      alive: true,
      admin_state_up: true,
      started_at: '2026-11-26 10:00:00',
      created_at: '2026-11-26 10:00:00',
      description: '',
      availability_zone: null,
      resources_synced: null,
    });
    const dhcp = await report({ ...ovs, agent_type: 'DHCP agent', topic: 'dhcp_agent' });
    assert.equal(dhcp.status, 'new', 'another type on the same host is another agent');
    assert.equal(store.view.size('agent'), 2);
  });

  it('refreshes the heartbeat and configurations, and started_at only with start_flag', async () => {
    clock = new Date('2026-11-26T10:00:10Z');
    const { agent, status } = await report({ ...ovs, start_flag: false, configurations: { devices: 3 } });
    assert.equal(status, 'alive');
    assert.equal(agent.id, 'agent-1');
    assert.equal(agent.heartbeat_timestamp, '2026-11-26 10:00:10');
    assert.equal(agent.started_at, '2026-11-26 10:00:00');
    assert.deepEqual(agent.configurations, { devices: 3 });
    assert.equal(store.view.size('agent'), 2);
  });

  it('keeps an admin’s changes and says when a dead agent comes back', async () => {
    const id = store.view.by('agent', 'typeHost', 'Open vSwitch agent compute1')[0]!.id;
    await store.write((tx) => tx.put('agent', { ...tx.get('agent', id)!, admin_state_up: false, description: 'draining' }));
    clock = new Date('2026-11-26T10:01:00Z');
    const { agent, status } = await report(ovs);
    assert.equal(status, 'revived');
    assert.equal(agent.admin_state_up, false);
    assert.equal(agent.description, 'draining');
    assert.equal(agent.started_at, '2026-11-26 10:01:00');
  });

  it('refuses reports that do not say who is reporting', async () => {
    await assert.rejects(report({ ...ovs, host: '' }), /needs a host/);
    await assert.rejects(report({ ...ovs, agent_type: 'Metering agent' as never }), /unknown agent_type/);
  });

  it('isAlive is true up to the down time after the heartbeat and false after it', () => {
    const agent = { heartbeat_timestamp: agentTime(new Date('2026-11-26T10:00:00Z')) };
    assert.equal(isAlive(agent, new Date('2026-11-26T10:00:30Z'), 30), true);
    assert.equal(isAlive(agent, new Date('2026-11-26T10:00:31Z'), 30), false);
  });
});
