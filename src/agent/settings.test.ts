import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../model/config.js';
import { AgentConfigSchema } from './config.js';
import { tunnelIpProblem, validateAgentConfig } from './settings.js';

const load = (flags: Record<string, unknown>) => loadConfig(AgentConfigSchema, { flags });

describe('validateAgentConfig', () => {
  it('accepts the settings of a network node and of a compute node', () => {
    validateAgentConfig(load({ roles: 'l2,dhcp,l3', tunnelIp: '198.51.100.11', bridgeMappings: 'physnet1:br-ex' }));
    validateAgentConfig(load({ roles: 'l2', tunnelIp: '198.51.100.21' }));
  });

  it('refuses dhcp or l3 without l2, naming the flag and the roles that would work', () => {
    assert.throws(
      () => validateAgentConfig(load({ roles: 'dhcp,l3' })),
      (e: Error) =>
        e.message ===
        'setting roles (from flag --roles, ["dhcp","l3"]): the dhcp and l3 roles need l2 on the same host: their ports are plugged into br-int, which the l2 role wires (use l2,dhcp,l3)',
    );
  });

  it('refuses a tunnel address that cannot be one', () => {
    assert.match(tunnelIpProblem('300.1.1.1')!, /must be an IPv4 address of this host/);
    assert.match(tunnelIpProblem('compute1')!, /must be an IPv4 address of this host/);
    assert.match(tunnelIpProblem('2001:db8::1')!, /must be an IPv4 address: tunnel ports are named after IPv4 endpoints/);
    assert.match(tunnelIpProblem('127.0.0.1')!, /loopback/);
    assert.match(tunnelIpProblem('0.0.0.0')!, /unicast/);
    assert.match(tunnelIpProblem('239.1.1.1')!, /multicast/);
    assert.equal(tunnelIpProblem('198.51.100.11'), null);
    assert.throws(
      () => validateAgentConfig(load({ tunnelIp: '198.51.100.256' })),
      /^QuarkError: setting tunnelIp \(from flag --tunnel-ip, "198.51.100.256"\)/,
    );
  });

  it("refuses bridge mappings onto the agent's own bridges, doubled physical networks and shared bridges", () => {
    assert.throws(() => validateAgentConfig(load({ bridgeMappings: 'physnet1:br-int' })), /br-int is the agent's own bridge/);
    assert.throws(
      () => validateAgentConfig(load({ bridgeMappings: 'physnet1:br-ex,physnet1:br-ex2' })),
      /physical network physnet1 is mapped twice/,
    );
    assert.throws(
      () => validateAgentConfig(load({ bridgeMappings: 'physnet1:br-ex,physnet2:br-ex' })),
      /bridge br-ex carries two physical networks/,
    );
    assert.throws(() => validateAgentConfig(load({ bridgeMappings: 'physnet1:br-external-net1' })), /longer than 15 characters/);
  });

  it('refuses a server that is not an http URL', () => {
    assert.throws(
      () => validateAgentConfig(load({ server: 'controller:9696' })),
      /setting server .* must be the http:\/\/ or https:\/\/ URL/,
    );
  });
});
