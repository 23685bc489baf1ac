/**
 * Lab scenarios: a YAML file that describes the data centre (nodes and their roles, the tunnel
 * type), the tenants' intent (projects, networks, subnets, routers, security groups, instances,
 * floating IPs) and the expected reachability. Parsing validates everything up front and names
 * the file and line of the first problem.
 */
import { LineCounter, parseDocument } from 'yaml';
import { QuarkError } from '../model/errors.js';
import { parseCidr } from '../model/ip/cidr.js';
import { parseIp } from '../model/ip/address.js';

export type Role = 'l2' | 'dhcp' | 'l3';

export interface ScenarioNode {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly external: boolean;
}

export type ScenarioIpv6Mode = 'slaac' | 'dhcpv6-stateful' | 'dhcpv6-stateless';

export interface ScenarioSubnet {
  readonly name: string;
  readonly cidr: string;
  /** From the cidr. */
  readonly ipVersion: 4 | 6;
  readonly gateway?: string | null;
  readonly dhcp: boolean;
  readonly dns: readonly string[];
  /** IPv6 only: how instances get their address (`ipv6_mode` sets both). */
  readonly ipv6RaMode: ScenarioIpv6Mode | null;
  readonly ipv6AddressMode: ScenarioIpv6Mode | null;
}

export interface ScenarioNetwork {
  readonly name: string;
  readonly subnets: readonly ScenarioSubnet[];
}

export interface ScenarioRouter {
  readonly name: string;
  readonly externalGateway: boolean;
  readonly snat: boolean;
  /** An HA router (keepalived on every network node, docs/l3-ha.md); made by the admin, as `ha` is an admin attribute. */
  readonly ha: boolean;
  readonly interfaces: readonly string[];
}

export interface ScenarioRule {
  readonly direction: 'ingress' | 'egress';
  readonly protocol: string | null;
  readonly port: number | null;
  readonly portMax: number | null;
  readonly remote: string | null;
  readonly remoteGroup: string | null;
  readonly ethertype: 'IPv4' | 'IPv6';
}

export interface ScenarioSecurityGroup {
  readonly name: string;
  readonly rules: readonly ScenarioRule[];
}

export interface ScenarioInstance {
  readonly name: string;
  readonly node: string;
  readonly network: string;
  readonly securityGroups: readonly string[] | null;
  readonly floatingIp: boolean;
  /** What the metadata service tells it (its SSH keys by name, its user data), as Nova would. */
  readonly publicKeys: Readonly<Record<string, string>>;
  readonly userData: string | null;
}

export interface ScenarioProject {
  readonly name: string;
  readonly networks: readonly ScenarioNetwork[];
  readonly routers: readonly ScenarioRouter[];
  readonly securityGroups: readonly ScenarioSecurityGroup[];
  readonly instances: readonly ScenarioInstance[];
}

export interface ScenarioExpectation {
  readonly from: string;
  /** An instance (`vm1`), its floating IP (`vm3.floating`), or `internet`. */
  readonly to: string;
  readonly protocol: 'icmp' | 'tcp' | 'udp';
  readonly port: number | null;
  /** Which of the targets' addresses: IPv4 (default) or IPv6. */
  readonly ipVersion: 4 | 6;
  readonly result: 'allowed' | 'blocked';
  /**
   * The source the destination must see: `floating` (the sender's floating IP), `router:<name>`
   * (its gateway address), or `self` (the sender's own address: IPv6 is routed, never NATed).
   */
  readonly source: string | null;
  readonly line: number;
}

export interface Scenario {
  readonly name: string;
  readonly file: string;
  readonly tunnelType: 'gre' | 'vxlan';
  readonly nodes: readonly ScenarioNode[];
  readonly external: {
    readonly cidr: string;
    readonly gateway: string;
    readonly poolStart: string;
    readonly poolEnd: string;
    /** An IPv6 subnet of the external network too (routers' gateways get an address on it); null: none. */
    readonly ipv6Cidr: string | null;
    /** The internet host's IPv6 address on it, the routers' IPv6 default gateway. */
    readonly ipv6Gateway: string | null;
  };
  /** The management network (root namespace); null: the first free /24 from 198.18.0.0. */
  readonly management: string | null;
  /** The underlay network (tunnel endpoints), inside the lab's fabric namespace. */
  readonly underlay: string;
  readonly projects: readonly ScenarioProject[];
  readonly expect: readonly ScenarioExpectation[];
  /** DHCP agents serving each network (the server's dhcpAgentsPerNetwork). */
  readonly dhcpAgentsPerNetwork: number;
}

type Path = readonly (string | number)[];

class Reader {
  private readonly data: unknown;

  constructor(
    private readonly file: string,
    private readonly doc: ReturnType<typeof parseDocument>,
    private readonly lines: LineCounter,
  ) {
    this.data = doc.toJS();
  }

  line(path: Path): number {
    for (let p = [...path]; ; p = p.slice(0, -1)) {
      const node = this.doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return this.lines.linePos(node.range[0]).line;
      if (p.length === 0) return 1;
    }
  }

  fail(path: Path, message: string): never {
    throw new QuarkError('ScenarioInvalid', `${this.file}:${this.line(path)}: ${message}`);
  }

  get(path: Path): unknown {
    let v: unknown = this.data;
    for (const k of path) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string | number, unknown>)[k];
    }
    return v;
  }

  str(path: Path, fallback?: string): string {
    const v = this.get(path);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string' || v === '') this.fail(path, `'${path.at(-1)}' must be a non-empty string`);
    return v;
  }

  bool(path: Path, fallback: boolean): boolean {
    const v = this.get(path);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(path, `'${path.at(-1)}' must be true or false`);
    return v;
  }

  list(path: Path): number {
    const v = this.get(path);
    if (v === undefined || v === null) return 0;
    if (!Array.isArray(v)) this.fail(path, `'${path.at(-1)}' must be a list`);
    return v.length;
  }

  keys(path: Path, allowed: readonly string[]): void {
    const v = this.get(path);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'expected a mapping');
    for (const key of Object.keys(v)) {
      if (!allowed.includes(key)) this.fail([...path, key], `unknown key '${key}' (expected one of: ${allowed.join(', ')})`);
    }
  }
}

const unique = (r: Reader, path: Path, names: readonly string[], what: string) => {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) r.fail([...path, i], `${what} '${n}' is defined twice`);
    seen.add(n);
  });
};

function readRule(r: Reader, p: Path): ScenarioRule {
  r.keys(p, ['direction', 'protocol', 'port', 'port_max', 'remote', 'remote_group', 'ethertype']);
  const direction = r.str([...p, 'direction'], 'ingress');
  if (direction !== 'ingress' && direction !== 'egress') r.fail([...p, 'direction'], "direction must be 'ingress' or 'egress'");
  const protocol = r.get([...p, 'protocol']);
  const port = r.get([...p, 'port']);
  const portMax = r.get([...p, 'port_max']);
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port)))
    r.fail([...p, 'port'], 'port must be an integer');
  const remote = r.get([...p, 'remote']);
  if (remote !== undefined && (typeof remote !== 'string' || !parseCidr(remote)))
    r.fail([...p, 'remote'], 'remote must be a cidr');
  const ethertype = r.str([...p, 'ethertype'], 'IPv4');
  if (ethertype !== 'IPv4' && ethertype !== 'IPv6') r.fail([...p, 'ethertype'], "ethertype must be 'IPv4' or 'IPv6'");
  return {
    direction,
    protocol: protocol === undefined || protocol === null ? null : String(protocol),
    port: (port as number | undefined) ?? null,
    portMax: (portMax as number | undefined) ?? (port as number | undefined) ?? null,
    remote: (remote as string | undefined) ?? null,
    remoteGroup: (r.get([...p, 'remote_group']) as string | undefined) ?? null,
    ethertype,
  };
}

function readProject(r: Reader, p: Path, nodes: ReadonlySet<string>): ScenarioProject {
  r.keys(p, ['name', 'networks', 'routers', 'security_groups', 'instances']);
  const networks: ScenarioNetwork[] = [];
  for (let i = 0; i < r.list([...p, 'networks']); i++) {
    const np = [...p, 'networks', i];
    r.keys(np, ['name', 'subnets']);
    const subnets: ScenarioSubnet[] = [];
    for (let j = 0; j < r.list([...np, 'subnets']); j++) {
      const sp = [...np, 'subnets', j];
      r.keys(sp, ['name', 'cidr', 'gateway', 'dhcp', 'dns', 'ipv6_mode', 'ipv6_ra_mode', 'ipv6_address_mode']);
      const cidr = r.str([...sp, 'cidr']);
      const parsed = parseCidr(cidr, { strict: true });
      if (!parsed || !cidr.includes('/')) r.fail([...sp, 'cidr'], `'${cidr}' is not a subnet cidr`);
      const mode = (key: string): ScenarioIpv6Mode | null => {
        const v = r.get([...sp, key]) ?? r.get([...sp, 'ipv6_mode']);
        if (v === undefined || v === null) return null;
        if (parsed.version !== 6) r.fail([...sp, key], `${key} is for IPv6 subnets`);
        if (v !== 'slaac' && v !== 'dhcpv6-stateful' && v !== 'dhcpv6-stateless')
          r.fail([...sp, key], `${key} must be slaac, dhcpv6-stateful or dhcpv6-stateless`);
        return v;
      };
      const gateway = r.get([...sp, 'gateway']) as string | null | undefined;
      if (gateway !== undefined && gateway !== null && !parseIp(gateway))
        r.fail([...sp, 'gateway'], `'${gateway}' is not an address`);
      const dns = (r.get([...sp, 'dns']) as string[] | undefined) ?? [];
      subnets.push({
        name: r.str([...sp, 'name'], `${r.str([...np, 'name'])}-subnet`),
        cidr,
        ipVersion: parsed.version,
        gateway,
        dhcp: r.bool([...sp, 'dhcp'], true),
        dns,
        ipv6RaMode: mode('ipv6_ra_mode'),
        ipv6AddressMode: mode('ipv6_address_mode'),
      });
    }
    networks.push({ name: r.str([...np, 'name']), subnets });
  }
  unique(
    r,
    [...p, 'networks'],
    networks.map((n) => n.name),
    'network',
  );
  const subnetNames = new Set(networks.flatMap((n) => n.subnets.map((s) => s.name)));
  const routers: ScenarioRouter[] = [];
  for (let i = 0; i < r.list([...p, 'routers']); i++) {
    const rp = [...p, 'routers', i];
    r.keys(rp, ['name', 'external_gateway', 'snat', 'ha', 'interfaces']);
    const interfaces = (r.get([...rp, 'interfaces']) as string[] | undefined) ?? [];
    interfaces.forEach((s, k) => {
      if (!subnetNames.has(s)) r.fail([...rp, 'interfaces', k], `no subnet '${s}' in this project`);
    });
    routers.push({
      name: r.str([...rp, 'name']),
      externalGateway: r.bool([...rp, 'external_gateway'], true),
      snat: r.bool([...rp, 'snat'], true),
      ha: r.bool([...rp, 'ha'], false),
      interfaces,
    });
  }
  const securityGroups: ScenarioSecurityGroup[] = [];
  for (let i = 0; i < r.list([...p, 'security_groups']); i++) {
    const gp = [...p, 'security_groups', i];
    r.keys(gp, ['name', 'rules']);
    const rules: ScenarioRule[] = [];
    for (let j = 0; j < r.list([...gp, 'rules']); j++) rules.push(readRule(r, [...gp, 'rules', j]));
    securityGroups.push({ name: r.str([...gp, 'name']), rules });
  }
  const groupNames = new Set(['default', ...securityGroups.map((g) => g.name)]);
  const netNames = new Set(networks.map((n) => n.name));
  const instances: ScenarioInstance[] = [];
  for (let i = 0; i < r.list([...p, 'instances']); i++) {
    const ip = [...p, 'instances', i];
    r.keys(ip, ['name', 'node', 'network', 'security_groups', 'floating_ip', 'public_keys', 'user_data']);
    const keys = r.get([...ip, 'public_keys']) ?? {};
    if (
      typeof keys !== 'object' ||
      keys === null ||
      Array.isArray(keys) ||
      Object.values(keys).some((k) => typeof k !== 'string')
    )
      r.fail([...ip, 'public_keys'], 'public_keys maps key names to public keys');
    const userData = r.get([...ip, 'user_data']);
    if (userData !== undefined && typeof userData !== 'string') r.fail([...ip, 'user_data'], 'user_data must be text');
    const node = r.str([...ip, 'node']);
    if (!nodes.has(node)) r.fail([...ip, 'node'], `no node '${node}' in the scenario`);
    const network = r.str([...ip, 'network']);
    if (!netNames.has(network)) r.fail([...ip, 'network'], `no network '${network}' in this project`);
    const groups = r.get([...ip, 'security_groups']) as string[] | undefined;
    groups?.forEach((g, k) => {
      if (!groupNames.has(g)) r.fail([...ip, 'security_groups', k], `no security group '${g}' in this project`);
    });
    instances.push({
      name: r.str([...ip, 'name']),
      node,
      network,
      securityGroups: groups ?? null,
      floatingIp: r.bool([...ip, 'floating_ip'], false),
      publicKeys: keys as Record<string, string>,
      userData: (userData as string | undefined) ?? null,
    });
  }
  return { name: r.str([...p, 'name']), networks, routers, securityGroups, instances };
}

function readExpectation(r: Reader, p: Path, targets: ReadonlySet<string>): ScenarioExpectation {
  r.keys(p, ['from', 'to', 'protocol', 'port', 'ip_version', 'result', 'source']);
  const from = r.str([...p, 'from']);
  const to = r.str([...p, 'to']);
  if (!targets.has(from)) r.fail([...p, 'from'], `'${from}' is neither an instance nor 'internet'`);
  if (!targets.has(to))
    r.fail([...p, 'to'], `'${to}' is not an instance, an instance's floating IP (name.floating) or 'internet'`);
  const protocol = r.str([...p, 'protocol'], 'icmp');
  if (protocol !== 'icmp' && protocol !== 'tcp' && protocol !== 'udp')
    r.fail([...p, 'protocol'], 'protocol must be icmp, tcp or udp');
  const port = (r.get([...p, 'port']) as number | undefined) ?? null;
  if (protocol !== 'icmp' && port === null) r.fail(p, `a ${protocol} expectation needs a port`);
  const ipVersion = r.get([...p, 'ip_version']) ?? 4;
  if (ipVersion !== 4 && ipVersion !== 6) r.fail([...p, 'ip_version'], 'ip_version must be 4 or 6');
  if (ipVersion === 6 && to.endsWith('.floating')) r.fail([...p, 'to'], 'floating IPs are IPv4');
  const result = r.str([...p, 'result']);
  if (result !== 'allowed' && result !== 'blocked') r.fail([...p, 'result'], "result must be 'allowed' or 'blocked'");
  return {
    from,
    to,
    protocol,
    port,
    ipVersion,
    result,
    source: (r.get([...p, 'source']) as string | undefined) ?? null,
    line: r.line(p),
  };
}

export function parseScenario(text: string, file: string): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new QuarkError('ScenarioInvalid', `${file}:${e.linePos?.[0]?.line ?? 1}: ${e.message.split('\n')[0]}`);
  }
  const r = new Reader(file, doc, lines);
  r.keys(
    [],
    [
      'name',
      'tunnel_type',
      'dhcp_agents_per_network',
      'nodes',
      'management_network',
      'underlay_network',
      'external_network',
      'projects',
      'expect',
    ],
  );
  const tunnelType = r.str(['tunnel_type'], 'gre');
  if (tunnelType !== 'gre' && tunnelType !== 'vxlan') r.fail(['tunnel_type'], "tunnel_type must be 'gre' or 'vxlan'");
  const nodes: ScenarioNode[] = [];
  for (let i = 0; i < r.list(['nodes']); i++) {
    r.keys(['nodes', i], ['name', 'roles', 'external']);
    const roles = (r.get(['nodes', i, 'roles']) as string[] | undefined) ?? ['l2'];
    if (!Array.isArray(roles)) r.fail(['nodes', i, 'roles'], 'roles must be a list');
    roles.forEach((role, k) => {
      if (!['l2', 'dhcp', 'l3'].includes(role)) r.fail(['nodes', i, 'roles', k], `unknown role '${role}' (l2, dhcp, l3)`);
    });
    const name = r.str(['nodes', i, 'name']);
    if (!/^[a-z][a-z0-9]{0,11}$/.test(name))
      r.fail(['nodes', i, 'name'], `node name '${name}': lower-case letters and digits, at most 12`);
    nodes.push({ name, roles: roles as Role[], external: r.bool(['nodes', i, 'external'], false) });
  }
  if (nodes.length === 0) r.fail(['nodes'], 'a scenario needs at least one node');
  unique(
    r,
    ['nodes'],
    nodes.map((n) => n.name),
    'node',
  );
  const nodeNames = new Set(nodes.map((n) => n.name));
  const projects: ScenarioProject[] = [];
  for (let i = 0; i < r.list(['projects']); i++) projects.push(readProject(r, ['projects', i], nodeNames));
  const instances = projects.flatMap((p) => p.instances);
  unique(
    r,
    ['projects'],
    instances.map((i) => i.name),
    'instance',
  );
  const targets = new Set([
    'internet',
    ...instances.map((i) => i.name),
    ...instances.filter((i) => i.floatingIp).map((i) => `${i.name}.floating`),
  ]);
  const expect: ScenarioExpectation[] = [];
  for (let i = 0; i < r.list(['expect']); i++) expect.push(readExpectation(r, ['expect', i], targets));
  const dhcpAgents = r.get(['dhcp_agents_per_network']) ?? 1;
  if (typeof dhcpAgents !== 'number' || !Number.isInteger(dhcpAgents) || dhcpAgents < 1)
    r.fail(['dhcp_agents_per_network'], 'dhcp_agents_per_network must be a whole number of at least 1');
  const ext = ['external_network'];
  if (r.get(ext) !== undefined) r.keys(ext, ['cidr', 'gateway', 'pool_start', 'pool_end', 'ipv6_cidr', 'ipv6_gateway']);
  const ipv6Cidr = (r.get([...ext, 'ipv6_cidr']) as string | undefined) ?? null;
  const ipv6Gateway = (r.get([...ext, 'ipv6_gateway']) as string | undefined) ?? null;
  if (ipv6Cidr !== null && parseCidr(ipv6Cidr, { strict: true })?.version !== 6)
    r.fail([...ext, 'ipv6_cidr'], `'${ipv6Cidr}' is not an IPv6 subnet cidr`);
  if ((ipv6Cidr === null) !== (ipv6Gateway === null) || (ipv6Gateway !== null && parseIp(ipv6Gateway)?.version !== 6))
    r.fail(ext, 'ipv6_cidr and ipv6_gateway (an IPv6 address) go together');
  for (const key of ['management_network', 'underlay_network']) {
    if (r.get([key]) === undefined) continue;
    r.keys([key], ['cidr']);
    if (!/^\d+\.\d+\.\d+\.0\/24$/.test(r.str([key, 'cidr'])))
      r.fail([key, 'cidr'], `${key} must be an IPv4 /24 such as 198.18.0.0/24`);
  }
  return {
    name: r.str(['name'], 'lab'),
    file,
    tunnelType: tunnelType as 'gre' | 'vxlan',
    nodes,
    external: {
      cidr: r.str([...ext, 'cidr'], '203.0.113.0/24'),
      gateway: r.str([...ext, 'gateway'], '203.0.113.1'),
      poolStart: r.str([...ext, 'pool_start'], '203.0.113.10'),
      poolEnd: r.str([...ext, 'pool_end'], '203.0.113.200'),
      ipv6Cidr,
      ipv6Gateway,
    },
    management: (r.get(['management_network', 'cidr']) as string | undefined) ?? null,
    underlay: r.str(['underlay_network', 'cidr'], '198.18.1.0/24'),
    projects,
    expect,
    dhcpAgentsPerNetwork: dhcpAgents as number,
  };
}
