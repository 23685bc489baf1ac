/**
 * Lab scenarios: a YAML file that describes the data centre (nodes and their roles, the tunnel
 * type), the tenants' intent (projects, networks, subnets, routers, security groups, instances,
 * floating IPs), the expected reachability, and steps that change the lab afterwards, each
 * with what must then hold. Parsing checks the file against its schema (scenario/schema.ts)
 * and resolves every reference before anything is built; the first problem is named with the
 * file and line.
 */
import { LineCounter, parseDocument } from 'yaml';
import { QuarkError } from '../model/errors.js';
import { parseCidr } from '../model/ip/cidr.js';
import { addressAt, formatIp, parseIp } from '../model/ip/address.js';
import { readExpectation } from './scenario/expectations.js';
import { Located } from './scenario/located.js';
import { readProject, unique } from './scenario/project.js';
import { SCENARIO, type ScenarioFile } from './scenario/schema.js';
import { readStep } from './scenario/steps.js';
import type { Scenario, ScenarioNode } from './scenario/types.js';
import { World } from './scenario/world.js';

export type * from './scenario/types.js';
export { ACTION_WORDS } from './scenario/types.js';

function readExternal(at: Located, f: ScenarioFile): Scenario['external'] {
  const e = f.external_network ?? {};
  const p = ['external_network'];
  const cidr = e.cidr ?? '203.0.113.0/24';
  const net = parseCidr(cidr, { strict: true });
  if (net?.version !== 4 || !cidr.includes('/')) at.fail([...p, 'cidr'], `'${cidr}' is not an IPv4 subnet cidr`);
  const size = 1n << BigInt(32 - net.prefixLength);
  // Defaults from the cidr: the internet host first, then a pool like 203.0.113.10-200 of a /24.
  const nth = (n: bigint) => formatIp(addressAt(4, net.network + (n < size - 1n ? n : size - 2n)));
  const inside = (key: 'gateway' | 'pool_start' | 'pool_end', fallback: string) => {
    const v = e[key] ?? fallback;
    const ip = parseIp(v);
    if (ip?.version !== 4 || ip.value < net.network || ip.value >= net.network + size)
      at.fail([...p, key], `'${v}' is not an address of ${cidr}`);
    return v;
  };
  const ipv6Cidr = e.ipv6_cidr ?? null;
  const ipv6Gateway = e.ipv6_gateway ?? null;
  if (ipv6Cidr !== null && parseCidr(ipv6Cidr, { strict: true })?.version !== 6)
    at.fail([...p, 'ipv6_cidr'], `'${ipv6Cidr}' is not an IPv6 subnet cidr`);
  if ((ipv6Cidr === null) !== (ipv6Gateway === null) || (ipv6Gateway !== null && parseIp(ipv6Gateway)?.version !== 6))
    at.fail(p, 'ipv6_cidr and ipv6_gateway (an IPv6 address) go together');
  return {
    cidr,
    gateway: inside('gateway', nth(1n)),
    poolStart: inside('pool_start', nth(10n)),
    poolEnd: inside('pool_end', nth(200n)),
    ipv6Cidr,
    ipv6Gateway,
  };
}

function readNodes(at: Located, f: ScenarioFile): ScenarioNode[] {
  const nodes = f.nodes.map((n, i): ScenarioNode => {
    const mechanism = n.mechanism ?? 'openvswitch';
    if (mechanism === 'linuxbridge' && (f.tunnel_type ?? 'gre') === 'gre')
      at.fail(
        ['nodes', i, 'mechanism'],
        `node '${n.name}': a Linux bridge node cannot carry GRE tunnels (GRE needs Open vSwitch); use tunnel_type: vxlan`,
      );
    return { name: n.name, roles: n.roles ?? ['l2'], external: n.external ?? false, mechanism };
  });
  unique(
    at,
    ['nodes'],
    nodes.map((n) => n.name),
    'node',
  );
  return nodes;
}

/** Names that must not meet: instances, named floating IPs, `internet` (all are targets of checks). */
function checkNames(at: Located, f: ScenarioFile): void {
  const seen = new Map<string, string>([['internet', 'the internet host']]);
  (f.projects ?? []).forEach((p, i) => {
    const named: [string, (string | number)[], string][] = [
      ...(p.instances ?? []).map((x, k): [string, (string | number)[], string] => [
        x.name,
        ['projects', i, 'instances', k],
        'instance',
      ]),
      ...(p.instances ?? []).flatMap((x, k): [string, (string | number)[], string][] =>
        typeof x.floating_ip === 'string' ? [[x.floating_ip, ['projects', i, 'instances', k, 'floating_ip'], 'floating IP']] : [],
      ),
      ...(p.floating_ips ?? []).map((x, k): [string, (string | number)[], string] => [
        x.name,
        ['projects', i, 'floating_ips', k],
        'floating IP',
      ]),
    ];
    for (const [name, path, what] of named) {
      const before = seen.get(name);
      if (before) at.fail(path, `${what} '${name}': the name is already ${before}`);
      seen.set(name, `${what === 'instance' ? 'an' : 'a'} ${what}`);
    }
  });
}

export function parseScenario(text: string, file: string): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new QuarkError('ScenarioInvalid', `${file}:${e.linePos?.[0]?.line ?? 1}: ${e.message.split('\n')[0]}`);
  }
  const at = new Located(file, doc, lines);
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    at.fail([], 'a scenario is a mapping (name, nodes, projects, expect, steps…)');
  at.checkSchema(SCENARIO, data);
  const f = data as ScenarioFile;
  const nodes = readNodes(at, f);
  checkNames(at, f);
  const nodeNames = new Set(nodes.map((n) => n.name));
  const projects = (f.projects ?? []).map((p, i) => readProject(at, ['projects', i], p, nodeNames));
  const world = new World(
    nodes.map((n) => n.name),
    projects,
  );
  for (const [i, p] of projects.entries()) {
    for (const fip of p.floatingIps) {
      if (fip.instance && !world.reachesOutside(fip.instance))
        at.fail(['projects', i], `${fip.instance} gets a floating IP, but no router with an external gateway serves its network`);
    }
  }
  const expect = (f.expect ?? []).map((e, i) => readExpectation(at, ['expect', i], e, world));
  const steps = (f.steps ?? []).map((s, i) => readStep(at, ['steps', i], s, world));
  return {
    name: f.name ?? 'lab',
    file,
    tunnelType: f.tunnel_type ?? 'gre',
    nodes,
    external: readExternal(at, f),
    management: f.management_network?.cidr ?? null,
    underlay: f.underlay_network?.cidr ?? '198.18.1.0/24',
    projects,
    expect,
    steps,
  };
}
