// The client tier for QoS (docs/qos.md): Debian's `openstack` CLI makes a policy, its rules,
// puts it on a network and a port, lists rule types, and is refused deleting a policy in use.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type QuarkServer, openstack, openstackJson, openstackOk, startBootstrappedServer } from '../testing/quark-process.js';

describe('openstack CLI: QoS', () => {
  let server: QuarkServer;
  let admin: NodeJS.ProcessEnv;

  before(async () => {
    ({ server, admin } = await startBootstrappedServer('pw'));
  });
  after(async () => {
    await server?.stop();
  });

  it('makes a shared policy with a bandwidth limit each way and a DSCP mark', async () => {
    const policy = await openstackJson(['network', 'qos', 'policy', 'create', '--share', 'gold'], admin);
    assert.equal(policy.is_shared ?? policy.shared, true);
    for (const direction of ['--egress', '--ingress']) {
      await openstackOk(
        [
          'network',
          'qos',
          'rule',
          'create',
          '--type',
          'bandwidth-limit',
          '--max-kbps',
          '20000',
          '--max-burst-kbits',
          '2000',
          direction,
          'gold',
        ],
        admin,
      );
    }
    await openstackOk(['network', 'qos', 'rule', 'create', '--type', 'dscp-marking', '--dscp-mark', '26', 'gold'], admin);
    const rules = await openstackJson(['network', 'qos', 'rule', 'list', 'gold'], admin);
    assert.deepEqual(rules.map((r: { Type: string }) => r.Type).sort(), ['bandwidth_limit', 'bandwidth_limit', 'dscp_marking']);
    const types = await openstackJson(['network', 'qos', 'rule', 'type', 'list'], admin);
    assert.ok(
      types.some((t: { Type: string }) => t.Type === 'bandwidth_limit'),
      JSON.stringify(types),
    );
  });

  it('puts the policy on a network and a port, and refuses to delete it while they use it', async () => {
    await openstackOk(['network', 'create', '--qos-policy', 'gold', 'n1'], admin);
    await openstackOk(['subnet', 'create', '--network', 'n1', '--subnet-range', '10.0.0.0/24', 's1'], admin);
    const port = await openstackJson(['port', 'create', '--network', 'n1', '--qos-policy', 'gold', 'p1'], admin);
    const policy = await openstackJson(['network', 'qos', 'policy', 'show', 'gold'], admin);
    assert.equal(port.qos_policy_id, policy.id);
    assert.equal((await openstackJson(['network', 'show', 'n1'], admin)).qos_policy_id, policy.id);
    const refused = await openstack(['network', 'qos', 'policy', 'delete', 'gold'], admin);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /in use|is used by/i);
    await openstackOk(['port', 'unset', '--qos-policy', 'p1'], admin);
    await openstackOk(['network', 'set', '--no-qos-policy', 'n1'], admin);
    await openstackOk(['network', 'qos', 'policy', 'delete', 'gold'], admin);
  });
});
