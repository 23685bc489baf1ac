import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SchedulableAgent, dhcpAgentsFor, l3AgentsFor } from './scheduler.js';

const l3 = (id: string, alive = true, admin_state_up = true): SchedulableAgent => ({
  id,
  agent_type: 'L3 agent',
  alive,
  admin_state_up,
});
const dhcp = (id: string): SchedulableAgent => ({ id, agent_type: 'DHCP agent', alive: true, admin_state_up: true });
const routers = Array.from({ length: 300 }, (_, i) => `router-${i}`);

describe('scheduler', () => {
  it('puts each router on one live, enabled L3 agent, the same one every time', () => {
    const agents = [l3('a'), l3('b'), l3('dead', false), l3('off', true, false), dhcp('d')];
    for (const r of routers) {
      const [host, ...rest] = l3AgentsFor(r, agents);
      assert.ok(host === 'a' || host === 'b');
      assert.equal(rest.length, 0);
      assert.deepEqual(l3AgentsFor(r, [...agents].reverse()), [host], 'the order of the agents does not matter');
    }
    assert.deepEqual(l3AgentsFor('r', [dhcp('d'), l3('dead', false)]), []);
  });

  it('spreads routers over agents and moves only those of a dead agent', () => {
    const three = [l3('a'), l3('b'), l3('c')];
    const before = new Map(routers.map((r) => [r, l3AgentsFor(r, three)[0]]));
    const counts = ['a', 'b', 'c'].map((a) => [...before.values()].filter((x) => x === a).length);
    assert.ok(
      counts.every((c) => c > 60),
      `roughly even: ${counts}`,
    );
    const withoutB = [l3('a'), l3('b', false), l3('c')];
    for (const r of routers) {
      const after = l3AgentsFor(r, withoutB)[0];
      if (before.get(r) !== 'b') assert.equal(after, before.get(r), 'routers of live agents stay');
      else assert.notEqual(after, 'b');
    }
  });

  it('gives a network as many DHCP agents as asked, when there are that many', () => {
    const agents = [dhcp('x'), dhcp('y'), dhcp('z'), l3('a')];
    assert.equal(dhcpAgentsFor('net', agents, 1).length, 1);
    const two = dhcpAgentsFor('net', agents, 2);
    assert.equal(new Set(two).size, 2);
    assert.equal(two[0], dhcpAgentsFor('net', agents, 1)[0], 'the first choice is stable');
    assert.equal(dhcpAgentsFor('net', agents, 5).length, 3);
  });
});
