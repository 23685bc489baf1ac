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
    const shipped = ['havana.yaml', 'two-computes-vxlan.yaml', 'dual-stack.yaml', 'floating-ip-move.yaml'];
    for (const url of [...shipped.map((f) => new URL(f, SCENARIOS)), FIFTY]) {
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
      "bad.yaml:3: 'mechanism' must be 'openvswitch' or 'linuxbridge'",
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
      "bad.yaml:3: 'management_network.cidr' must be an IPv4 /24 such as 198.18.0.0/24",
    );
  });
});

/** A one-project scenario around `body` (YAML indented as a project's keys), with expectations and steps after. */
function world(body: string, tail = ''): string {
  return `nodes:
  - { name: network, roles: [l2, dhcp, l3], external: true }
  - { name: compute }
projects:
  - name: p
    networks:
      - name: net
        subnets: [{ name: sub, cidr: 10.0.0.0/24 }, { name: sub6, cidr: "2001:db8::/64", ipv6_mode: slaac }]
    routers:
      - { name: r, interfaces: [sub] }
${body}${tail}`;
}

const VMS = `    instances:
      - { name: vm1, node: compute, network: net, floating_ip: web }
      - { name: vm2, node: compute, network: net }
`;

describe('parseScenario(): references resolve, or the file and line say which does not', () => {
  it('refuses a remote_group that names no group of the project, instead of opening the rule to everyone', () => {
    const groups = `    security_groups:
      - name: app
      - name: db
        rules:
          - { protocol: tcp, port: 5432, remote_group: appp }
`;
    assert.equal(
      error(world(groups)),
      "bad.yaml:15: no security group 'appp' in project p (it has: default, app, db); a rule must never open to everyone by a typo",
    );
    const good = parseScenario(world(groups.replace('appp', 'app')), 'x.yaml');
    assert.equal(good.projects[0]!.securityGroups[1]!.rules[0]!.remoteGroup, 'app');
  });

  it('refuses remote together with remote_group at parse time', () => {
    const rule = `    security_groups:\n      - name: db\n        rules: [{ protocol: tcp, port: 5432, remote: 10.0.0.0/8, remote_group: db }]\n`;
    assert.match(error(world(rule)), /^bad\.yaml:13: a rule takes 'remote' or 'remote_group', not both/);
  });

  it('gives ICMP rules type and code, and refuses port for them', () => {
    const rule = (r: string) => world(`    security_groups:\n      - name: default\n        rules: [${r}]\n`);
    const icmp = parseScenario(rule('{ protocol: icmp, type: 8 }'), 'x.yaml').projects[0]!.securityGroups[0]!.rules[0]!;
    assert.deepEqual([icmp.portRangeMin, icmp.portRangeMax], [8, null]);
    const unreachable = parseScenario(rule('{ protocol: icmp, type: 3, code: 4 }'), 'x.yaml').projects[0]!.securityGroups[0]!;
    assert.deepEqual([unreachable.rules[0]!.portRangeMin, unreachable.rules[0]!.portRangeMax], [3, 4]);
    assert.match(error(rule('{ protocol: icmp, port: 8 }')), /^bad\.yaml:13: an ICMP rule takes 'type' and 'code' .*not 'port'/);
    assert.match(error(rule('{ protocol: ipv6-icmp, ethertype: IPv6, port: 128 }')), /ICMP rule takes 'type'/);
    assert.match(error(rule('{ protocol: icmp, code: 0 }')), /an ICMP rule with a 'code' needs its 'type'/);
    assert.match(error(rule('{ protocol: tcp, type: 8 }')), /'type' is for ICMP rules/);
    assert.match(error(rule('{ protocol: icmp, type: 300 }')), /^bad\.yaml:13: 'type' must be 0 to 255/);
    const tcp = parseScenario(rule('{ protocol: tcp, port: 8000, port_max: 8080 }'), 'x.yaml').projects[0]!.securityGroups[0]!;
    assert.deepEqual([tcp.rules[0]!.portRangeMin, tcp.rules[0]!.portRangeMax], [8000, 8080]);
    // What the API would refuse, refused before anything is built.
    assert.match(error(rule('{ protocol: tcp, port: 22, remote: "2001:db8::/64" }')), /Conflicting value ethertype IPv4/);
    assert.match(error(rule('{ protocol: ping }')), /protocol ping not supported/);
  });

  it('gives instances fixed addresses in their network, each once', () => {
    const vms = (a: string, b = '10.0.0.21') =>
      world(
        `    instances:\n      - { name: vm1, node: compute, network: net, fixed_ips: [${a}] }\n      - { name: vm2, node: compute, network: net, fixed_ips: [${b}] }\n`,
      );
    const s = parseScenario(vms('10.0.0.20, "2001:db8::20"'), 'x.yaml');
    assert.deepEqual(s.projects[0]!.instances[0]!.fixedIps, ['10.0.0.20', '2001:db8::20']);
    assert.equal(error(vms('10.1.0.20')), 'bad.yaml:12: 10.1.0.20 is in no subnet of network net');
    assert.equal(error(vms('10.0.0.1')), 'bad.yaml:12: 10.0.0.1 is the gateway of subnet sub');
    assert.equal(error(vms('10.0.0.21')), "bad.yaml:13: 10.0.0.21 is already vm1's on network net");
  });

  it('checks every name an instance, router or expectation uses', () => {
    assert.equal(
      error(world('    instances:\n      - { name: vm1, node: compute, network: net, security_groups: [web] }\n')),
      "bad.yaml:12: no security group 'web' in project p",
    );
    assert.equal(
      error(world('').replace('interfaces: [sub]', 'interfaces: [subnet]')),
      "bad.yaml:10: no subnet 'subnet' in project p",
    );
    assert.equal(
      error(world(VMS, 'expect:\n  - { from: vm1, to: internet, result: allowed, source: "router:rr" }\n')),
      "bad.yaml:15: no router 'rr' with an external gateway",
    );
    assert.equal(
      error(world(VMS, 'expect:\n  - { from: vm1, to: vm2.floating, result: allowed }\n')),
      'bad.yaml:15: vm2 has no floating IP at this point of the scenario',
    );
    assert.equal(
      error(world(VMS.replace('vm2, node', 'web, node'))),
      "bad.yaml:12: floating IP 'web': the name is already an instance",
    );
    assert.equal(
      error(world(VMS, 'expect:\n  - { from: vm1, to: vm2, port: 22, result: allowed }\n')),
      "bad.yaml:15: 'port' is for tcp and udp expectations",
    );
    assert.equal(
      error(
        world('    instances:\n      - { name: vm1, node: compute, network: net, floating_ip: true }\n').replace(
          '    routers:\n      - { name: r, interfaces: [sub] }\n',
          '',
        ),
      ),
      'bad.yaml:5: vm1 gets a floating IP, but no router with an external gateway serves its network',
    );
  });

  it('takes addresses and floating IP names as targets', () => {
    const s = parseScenario(
      world(
        VMS,
        'expect:\n  - { from: vm2, to: 10.0.0.1, result: allowed }\n  - { from: internet, to: web, protocol: tcp, port: 22, result: allowed }\n  - { from: vm2, to: "2001:db8::1", ip_version: 6, result: allowed }\n',
      ),
      'x.yaml',
    );
    assert.deepEqual(
      s.expect.map((e) => e.target),
      [
        { kind: 'address', address: '10.0.0.1' },
        { kind: 'floating-ip', key: 'web' },
        { kind: 'address', address: '2001:db8::1' },
      ],
    );
    assert.match(error(world(VMS, 'expect:\n  - { from: vm2, to: "2001:db8::1", result: allowed }\n')), /is not an IPv4 address/);
  });
});

describe('parseScenario(): steps', () => {
  const steps = (s: string) => world(VMS, `steps:\n${s}`);

  it('reads the floating IP move story: actions, budgets and expectations after each', () => {
    const url = new URL('floating-ip-move.yaml', SCENARIOS);
    const s = parseScenario(readFileSync(url, 'utf8'), url.pathname);
    assert.deepEqual(
      s.steps.map((x) => [x.action.do, x.withinMs, x.expect.length]),
      [
        ['move_floating_ip', 1000, 3],
        ['disassociate_floating_ip', 1000, 2],
        ['move_floating_ip', 1000, 1],
        ['restart_server', 500, 2],
        ['restart_agent', 500, 2],
      ],
    );
    assert.deepEqual(s.steps[0]!.action, { do: 'move_floating_ip', floatingIp: 'public-ip', to: 'vm2' });
    assert.equal(s.steps[0]!.name, 'public-ip moves from vm3 to vm2');
  });

  it('follows the floating IP: NAME.floating is the one the instance has at that point', () => {
    const s = parseScenario(
      steps(
        '  - { do: move_floating_ip, floating_ip: vm1.floating, to: vm2, within: 2.5s, expect: [{ from: internet, to: vm2.floating, result: allowed }] }\n',
      ),
      'x.yaml',
    );
    assert.deepEqual(s.steps[0]!.action, { do: 'move_floating_ip', floatingIp: 'web', to: 'vm2' });
    assert.equal(s.steps[0]!.withinMs, 2500);
    assert.equal(s.steps[0]!.name, 'move floating IP vm1.floating to vm2');
    assert.equal(
      error(
        steps(
          '  - { do: move_floating_ip, floating_ip: web, to: vm2, expect: [{ from: internet, to: vm1.floating, result: blocked }] }\n',
        ),
      ),
      'bad.yaml:15: vm1 has no floating IP at this point of the scenario',
    );
    assert.equal(
      error(
        steps('  - { do: disassociate_floating_ip, floating_ip: web }\n  - { do: disassociate_floating_ip, floating_ip: web }\n'),
      ),
      'bad.yaml:16: web is not associated at this point',
    );
  });

  it('checks groups, rules and nodes against the lab as the steps before left it', () => {
    assert.equal(
      error(steps('  - { do: add_to_group, instance: vm2, group: web }\n')),
      "bad.yaml:15: no security group 'web' in project p",
    );
    assert.equal(
      error(
        steps(
          '  - { do: remove_from_group, instance: vm2, group: default }\n  - { do: remove_from_group, instance: vm2, group: default }\n',
        ),
      ),
      'bad.yaml:16: vm2 is not in group default at this point',
    );
    // The default group's own rules (Neutron's) can be removed; one that is not there cannot.
    const removed = parseScenario(steps('  - { do: remove_rule, group: default, rule: { direction: egress } }\n'), 'x.yaml');
    assert.equal(removed.steps[0]!.name, 'remove rule egress any (IPv4) of default');
    assert.equal(
      error(steps('  - { do: remove_rule, group: default, rule: { protocol: tcp, port: 22 } }\n')),
      'bad.yaml:15: group default of project p has no such rule at this point',
    );
    assert.equal(
      error(
        steps(
          '  - { do: add_rule, group: default, rule: { protocol: tcp, port: 22 } }\n  - { do: add_rule, group: default, rule: { protocol: 6, port: 22 } }\n',
        ),
      ),
      'bad.yaml:16: group default already has this rule (Neutron refuses a duplicate)',
    );
    assert.equal(
      error(
        steps(
          '  - { do: kill_node, node: compute }\n  - { do: restart_server, expect: [{ from: vm2, to: internet, result: blocked }] }\n',
        ),
      ),
      'bad.yaml:16: vm2 is on node compute, which the step at line 15 killed',
    );
    assert.equal(error(steps('  - { do: restart_agent, node: compute9 }\n')), "bad.yaml:15: no node 'compute9' in the scenario");
    assert.equal(
      error(steps('  - { do: start_agent, node: compute }\n')),
      'bad.yaml:15: the agent of compute runs at this point',
    );
  });

  it('names an unknown action, a key the action does not take, and a bad budget', () => {
    assert.match(
      error(steps('  - { do: explode }\n')),
      /^bad\.yaml:15: 'do' must be one of: move_floating_ip, disassociate_floating_ip, /,
    );
    assert.equal(
      error(steps('  - { do: restart_agent, host: compute }\n')),
      "bad.yaml:15: unknown key 'host' (expected one of: do, node, name, within, expect)",
    );
    assert.equal(
      error(steps('  - { do: restart_server, within: soon }\n')),
      "bad.yaml:15: 'within' must be a duration such as 1s, 500ms or 2.5s",
    );
  });
});
