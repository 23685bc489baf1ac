import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from './app.js';
import { reportAgentState } from './plugin/agents.js';
import { ADMIN, type TestServer, testServer } from './testing/harness.js';

describe('agent reaper: stored liveness', () => {
  let s: TestServer;
  let now = Date.now();
  before(async () => {
    s = await testServer({ agentDownTime: 30 }, { now: () => new Date(now) });
  });
  after(() => s.close());

  const heartbeat = (host: string) =>
    s.store.write((tx) =>
      reportAgentState(tx, { agent_type: 'L3 agent', host, binary: 'quark-agent', topic: 'q', configurations: {} }),
    );

  it('clears an agent silent for agentDownTime, once, and a heartbeat sets it again', async () => {
    const { agent } = await heartbeat('net1');
    assert.equal(s.store.view.get('agent', agent.id)?.alive, true);
    now += 29_000;
    assert.equal(await s.quark.reaper.sweep(), 0, 'not yet');
    now += 2_000;
    const before = s.store.revision;
    assert.equal(await s.quark.reaper.sweep(), 1);
    assert.equal(s.store.view.get('agent', agent.id)?.alive, false);
    assert.equal(await s.quark.reaper.sweep(), 0, 'already recorded');
    assert.equal(s.store.revision, before + 1, 'one write');
    assert.equal((await s.get(`/v2.0/agents/${agent.id}`, ADMIN)).agent.alive, false);
    const { status } = await heartbeat('net1');
    assert.equal(status, 'revived');
    assert.equal(s.store.view.get('agent', agent.id)?.alive, true);
  });

  it('a server that just started judges nothing for agentDownTime: a restart moves nothing', async () => {
    const { agent } = await heartbeat('net2');
    s.quark.reaper.close();
    now += 40_000;
    // The server restarts on the same store while the agent's heartbeat is already old.
    const restarted = await buildApp({ config: s.config, store: s.store, services: { now: () => new Date(now) } });
    try {
      assert.equal(await restarted.reaper.sweep(), 0, 'up for 0 s: nothing cleared');
      now += 29_000;
      assert.equal(await restarted.reaper.sweep(), 0, 'up for 29 s: nothing cleared');
      assert.equal(s.store.view.get('agent', agent.id)?.alive, true);
      now += 2_000;
      assert.ok((await restarted.reaper.sweep()) >= 1);
      assert.equal(s.store.view.get('agent', agent.id)?.alive, false);
    } finally {
      await restarted.app.close();
    }
  });
});
