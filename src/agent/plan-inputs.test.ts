import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { id, linuxBridgeAgent, port } from '../dataplane/testing/fixtures.js';
import type { FeedChange } from '../model/feed.js';
import { changesPlan } from './plan-inputs.js';

const vm = port({ id: id('c0de1'), network_id: id('aaaa1'), host: 'lb1' });
const put = (record: FeedChange['record'], kind: FeedChange['kind'] = 'port'): FeedChange => ({
  kind,
  id: (record as { id: string }).id,
  op: 'put',
  record,
});

describe('changesPlan', () => {
  it("skips the echo of the agent's own port report, not a status the host disagrees with", () => {
    const states = new Map([[vm.id, 'ACTIVE' as const]]);
    const echo = { ...vm, status: 'ACTIVE' as const, revision_number: 2, updated_at: 'later' };
    assert.equal(changesPlan(put(echo), vm, states), false);
    assert.equal(changesPlan(put({ ...echo, status: 'DOWN' }), vm, states), true, 'reported again');
    assert.equal(changesPlan(put({ ...echo, admin_state_up: false }), vm, states), true);
    assert.equal(changesPlan(put(echo), undefined, states), true, 'a new port');
    assert.equal(changesPlan({ kind: 'port', id: vm.id, op: 'delete', record: null }, vm, states), true);
  });

  it('skips heartbeats of agent records, not a new tunnel address', () => {
    const a = linuxBridgeAgent('lb2', '198.18.1.12');
    const beat = { ...a, heartbeat_timestamp: '2026-01-01 00:00:10', configurations: { ...a.configurations, devices: 7 } };
    assert.equal(changesPlan(put(beat, 'agent'), a, null), false);
    const moved = { ...a, configurations: { ...a.configurations, tunneling_ip: '198.18.1.99' } };
    assert.equal(changesPlan(put(moved, 'agent'), a, null), true);
  });
});
