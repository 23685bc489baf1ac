import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { QuarkError } from '../model/errors.js';
import { parseScenario } from './scenario.js';

const SCENARIOS = new URL('../../scenarios/', import.meta.url);
const FIFTY = new URL('../../bench/lab/fifty.yaml', import.meta.url);

function error(text: string): string {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (e) {
    assert.ok(e instanceof QuarkError);
    assert.equal(e.code, 'ScenarioInvalid');
    return e.message;
  }
  throw new Error('expected a ScenarioInvalid error');
}

describe('parseScenario()', () => {
  it('reads the shipped scenarios', () => {
    for (const url of [new URL('havana.yaml', SCENARIOS), new URL('two-computes-vxlan.yaml', SCENARIOS), FIFTY]) {
      const s = parseScenario(readFileSync(url, 'utf8'), url.pathname);
      assert.ok(s.nodes.length >= 2);
      assert.ok(s.expect.length > 0);
    }
    const havana = parseScenario(readFileSync(new URL('havana.yaml', SCENARIOS), 'utf8'), 'havana.yaml');
    assert.equal(havana.tunnelType, 'gre');
    assert.deepEqual(
      havana.projects.map((p) => p.networks[0]!.subnets[0]!.cidr),
      ['10.0.0.0/24', '10.0.0.0/24'],
    );
  });

  it('names the file and line of the first problem', () => {
    assert.equal(error('nodes:\n  - name: a\n    roles: [l2, l4]\n'), "bad.yaml:3: unknown role 'l4' (l2, dhcp, l3)");
    assert.equal(
      error('nodes:\n  - name: a\n    colour: red\n'),
      "bad.yaml:3: unknown key 'colour' (expected one of: name, roles, external, mechanism)",
    );
    assert.match(error('nodes: [\n'), /^bad\.yaml:\d+: /);
    assert.equal(
      error('nodes:\n  - name: a\nprojects:\n  - name: p\n    instances:\n      - {name: vm, node: b, network: x}\n'),
      "bad.yaml:6: no node 'b' in the scenario",
    );
    assert.equal(
      error(
        'nodes:\n  - name: a\nprojects:\n  - name: p\n    networks:\n      - name: n\n        subnets: [{cidr: 10.0.0.1/24}]\n',
      ),
      "bad.yaml:7: '10.0.0.1/24' is not a subnet cidr",
    );
    assert.match(
      error('nodes:\n  - name: a\nexpect:\n  - {from: nobody, to: internet, result: allowed}\n'),
      /^bad\.yaml:4: 'nobody'/,
    );
    assert.match(error('nodes: []\n'), /at least one node/);
    assert.equal(
      error('nodes:\n  - name: a\n    mechanism: linuxbridge\n'),
      "bad.yaml:3: node 'a': a Linux bridge node cannot carry GRE tunnels (GRE needs Open vSwitch); use tunnel_type: vxlan",
    );
    assert.equal(
      error('nodes:\n  - name: a\n    mechanism: bridge\n'),
      "bad.yaml:3: mechanism must be 'openvswitch' or 'linuxbridge'",
    );
  });

  it('takes the lab networks from the scenario, or leaves the management network to the lab', () => {
    const nodes = 'nodes:\n  - name: a\n';
    const chosen = parseScenario(
      `${nodes}management_network: {cidr: 198.18.7.0/24}\nunderlay_network: {cidr: 198.18.8.0/24}\nexternal_network: {cidr: 192.0.2.0/24, gateway: 192.0.2.254}\n`,
      'x.yaml',
    );
    assert.deepEqual(
      [chosen.management, chosen.underlay, chosen.external.gateway],
      ['198.18.7.0/24', '198.18.8.0/24', '192.0.2.254'],
    );
    const defaults = parseScenario(nodes, 'x.yaml');
    assert.deepEqual([defaults.management, defaults.underlay], [null, '198.18.1.0/24']);
    assert.equal(
      error(`${nodes}management_network: {cidr: 10.1.0.0/16}\n`),
      'bad.yaml:3: management_network must be an IPv4 /24 such as 198.18.0.0/24',
    );
  });
});
