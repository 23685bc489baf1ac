import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMPUTE } from '../trace/testing/havana.js';
import type { QuarkClient } from '../client/client.js';
import { PortStatusReporter, agentReports } from './reporter.js';

describe('agentReports', () => {
  const counters = () => ({ l2: { devices: 3 }, dhcp: {}, l3: {} });

  it('reports the L2 agent as Neutron’s Open vSwitch agent, with its tunnels and the firewall driver it runs', () => {
    const [l2] = agentReports({ settings: COMPUTE, roles: ['l2'], counters }, true);
    assert.equal(l2?.agent_type, 'Open vSwitch agent');
    assert.equal(l2?.start_flag, true);
    assert.deepEqual(
      [l2?.configurations.tunneling_ip, l2?.configurations.tunnel_types, l2?.configurations.devices],
      ['198.18.1.12', ['gre'], 3],
    );
    assert.equal(l2?.configurations.firewall_driver, 'iptables_hybrid');
    const [noop] = agentReports({ settings: { ...COMPUTE, firewallDriver: 'noop' }, roles: ['l2'], counters }, false);
    assert.equal(noop?.configurations.firewall_driver, 'noop');
  });
});

describe('PortStatusReporter.changes', () => {
  it('reports what differs from the server, and keeps plug times only for ports about to go ACTIVE', () => {
    const reporter = new PortStatusReporter({} as QuarkClient, 'compute1', { info: () => undefined } as never);
    const plugged = new Map([
      ['new', 1],
      ['admin-down', 2],
      ['already-active', 3],
      ['read-before-plug', 4],
    ]);
    const states = new Map<string, 'ACTIVE' | 'DOWN'>([
      ['new', 'ACTIVE'],
      ['admin-down', 'DOWN'],
      ['already-active', 'ACTIVE'],
      ['lost', 'DOWN'],
      ['read-before-plug', 'DOWN'],
    ]);
    const server: Record<string, string> = {
      new: 'DOWN',
      'admin-down': 'DOWN',
      'already-active': 'ACTIVE',
      lost: 'ACTIVE',
      'read-before-plug': 'DOWN',
    };
    const vifs = new Set(['new', 'admin-down', 'already-active']);
    assert.deepEqual(
      reporter.changes(
        states,
        (id) => server[id],
        plugged,
        (id) => vifs.has(id),
      ),
      { up: ['new'], down: ['lost'] },
    );
    assert.deepEqual([...plugged.keys()], ['new', 'read-before-plug']);
  });
});
