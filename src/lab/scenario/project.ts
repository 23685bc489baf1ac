/**
 * One project of a scenario: its networks and subnets, routers, security groups, instances and
 * floating IPs, with every name it refers to checked against what the project defines.
 */
import { addressAt, formatIp, normalizeIp, parseIp } from '../../model/ip/address.js';
import { type Cidr, cidrContains, parseCidr } from '../../model/ip/cidr.js';
import type { Located, Path } from './located.js';
import type { ProjectFile } from './schema.js';
import { readRule } from './rules.js';
import type {
  ScenarioFloatingIp,
  ScenarioInstance,
  ScenarioListener,
  ScenarioNetwork,
  ScenarioProject,
  ScenarioRouter,
  ScenarioSecurityGroup,
  ScenarioSubnet,
} from './types.js';

export function unique(at: Located, path: Path, names: readonly string[], what: string): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) at.fail([...path, i], `${what} '${n}' is defined twice`);
    seen.add(n);
  });
}

function readSubnets(at: Located, p: Path, net: NonNullable<ProjectFile['networks']>[number]): ScenarioSubnet[] {
  return (net.subnets ?? []).map((s, j) => {
    const sp = [...p, 'subnets', j];
    const parsed = parseCidr(s.cidr, { strict: true });
    if (!parsed || !s.cidr.includes('/')) at.fail([...sp, 'cidr'], `'${s.cidr}' is not a subnet cidr`);
    const mode = (key: 'ipv6_ra_mode' | 'ipv6_address_mode') => {
      const v = s[key] ?? s.ipv6_mode;
      if (v === undefined) return null;
      if (parsed.version !== 6) at.fail([...sp, s[key] ? key : 'ipv6_mode'], `${key} is for IPv6 subnets`);
      return v;
    };
    const gw = s.gateway;
    if (gw !== undefined && gw !== null) {
      const ip = parseIp(gw);
      if (!ip || ip.version !== parsed.version || !cidrContains(parsed, ip))
        at.fail([...sp, 'gateway'], `'${gw}' is not an address of ${s.cidr}`);
    }
    return {
      name: s.name ?? `${net.name}-subnet`,
      cidr: s.cidr,
      ipVersion: parsed.version,
      ...(gw !== undefined ? { gateway: gw } : {}),
      dhcp: s.dhcp ?? true,
      dns: s.dns ?? [],
      ipv6RaMode: mode('ipv6_ra_mode'),
      ipv6AddressMode: mode('ipv6_address_mode'),
    };
  });
}

function readRouters(at: Located, p: Path, file: ProjectFile, subnets: ReadonlySet<string>): ScenarioRouter[] {
  const routers = (file.routers ?? []).map((r, i) => {
    const rp = [...p, 'routers', i];
    (r.interfaces ?? []).forEach((s, k) => {
      if (!subnets.has(s)) at.fail([...rp, 'interfaces', k], `no subnet '${s}' in project ${file.name}`);
    });
    const externalGateway = r.external_gateway ?? true;
    if (r.routed_from_internet && !externalGateway)
      at.fail([...rp, 'routed_from_internet'], 'routed_from_internet needs an external gateway');
    return {
      name: r.name,
      externalGateway,
      snat: r.snat ?? true,
      ha: r.ha ?? false,
      interfaces: r.interfaces ?? [],
      routedFromInternet: r.routed_from_internet ?? false,
    };
  });
  unique(
    at,
    [...p, 'routers'],
    routers.map((r) => r.name),
    'router',
  );
  return routers;
}

/** The gateway a subnet gets: the one given (null: none), else its first address (Neutron's default). */
function gatewayOf(s: ScenarioSubnet, cidr: Cidr): string | null {
  if (s.gateway !== undefined) return s.gateway === null ? null : normalizeIp(s.gateway);
  return formatIp(addressAt(cidr.version, cidr.network + 1n));
}

/** Fixed addresses an instance asks for: each in a subnet of its network, not the gateway, not taken. */
function readFixedIps(
  at: Located,
  ip: Path,
  addresses: readonly string[],
  network: ScenarioNetwork,
  taken: Map<string, string>,
  instance: string,
): string[] {
  return addresses.map((text, k) => {
    const where = [...ip, 'fixed_ips', k];
    const addr = parseIp(text);
    if (!addr) at.fail(where, `'${text}' is not an address`);
    const subnet = network.subnets.find((s) => {
      const c = parseCidr(s.cidr);
      return c !== null && c.version === addr.version && cidrContains(c, addr);
    });
    if (!subnet) at.fail(where, `${text} is in no subnet of network ${network.name}`);
    const c = parseCidr(subnet.cidr)!;
    const canonical = formatIp(addr);
    if (addr.value === c.network || gatewayOf(subnet, c) === canonical)
      at.fail(where, `${text} is the ${addr.value === c.network ? 'network address' : 'gateway'} of subnet ${subnet.name}`);
    const key = `${network.name} ${canonical}`;
    const owner = taken.get(key);
    if (owner) at.fail(where, `${text} is already ${owner}'s on network ${network.name}`);
    taken.set(key, instance);
    return canonical;
  });
}

function readGroups(at: Located, p: Path, file: ProjectFile): ScenarioSecurityGroup[] {
  const names = ['default', ...(file.security_groups ?? []).map((g) => g.name).filter((n) => n !== 'default')];
  const groups = (file.security_groups ?? []).map((g, i) => ({
    name: g.name,
    rules: (g.rules ?? []).map((r, j) => readRule(at, [...p, 'security_groups', i, 'rules', j], r, file.name, names)),
  }));
  unique(
    at,
    [...p, 'security_groups'],
    groups.map((g) => g.name),
    'security group',
  );
  return groups;
}

export function readProject(at: Located, p: Path, file: ProjectFile, nodes: ReadonlySet<string>): ScenarioProject {
  const networks: ScenarioNetwork[] = (file.networks ?? []).map((n, i) => ({
    name: n.name,
    subnets: readSubnets(at, [...p, 'networks', i], n),
  }));
  unique(
    at,
    [...p, 'networks'],
    networks.map((n) => n.name),
    'network',
  );
  const subnetNames = networks.flatMap((n) => n.subnets.map((s) => s.name));
  unique(at, [...p, 'networks'], subnetNames, 'subnet');
  const routers = readRouters(at, p, file, new Set(subnetNames));
  const securityGroups = readGroups(at, p, file);
  const groupNames = new Set(['default', ...securityGroups.map((g) => g.name)]);
  const taken = new Map<string, string>();
  const floatingIps: ScenarioFloatingIp[] = [];
  const instances: ScenarioInstance[] = (file.instances ?? []).map((i, k) => {
    const ip = [...p, 'instances', k];
    if (!nodes.has(i.node)) at.fail([...ip, 'node'], `no node '${i.node}' in the scenario`);
    const network = networks.find((n) => n.name === i.network);
    if (!network) at.fail([...ip, 'network'], `no network '${i.network}' in project ${file.name}`);
    i.security_groups?.forEach((g, j) => {
      if (!groupNames.has(g)) at.fail([...ip, 'security_groups', j], `no security group '${g}' in project ${file.name}`);
    });
    if (i.floating_ip !== undefined && i.floating_ip !== false) {
      const name = typeof i.floating_ip === 'string' ? i.floating_ip : null;
      floatingIps.push({ key: name ?? `${i.name}.floating`, name, instance: i.name });
    }
    return {
      name: i.name,
      node: i.node,
      network: i.network,
      securityGroups: i.security_groups ?? null,
      fixedIps: readFixedIps(at, ip, i.fixed_ips ?? [], network, taken, i.name),
      listen: (i.listen ?? []).map((l): ScenarioListener => {
        const [protocol, port] = l.split(':') as ['tcp' | 'udp', string];
        return { protocol, port: Number(port) };
      }),
      publicKeys: i.public_keys ?? {},
      userData: i.user_data ?? null,
    };
  });
  const instanceNames = new Set(instances.map((i) => i.name));
  (file.floating_ips ?? []).forEach((f, k) => {
    const fp = [...p, 'floating_ips', k];
    if (f.instance !== undefined && !instanceNames.has(f.instance))
      at.fail([...fp, 'instance'], `no instance '${f.instance}' in project ${file.name}`);
    floatingIps.push({ key: f.name, name: f.name, instance: f.instance ?? null });
  });
  const holders = floatingIps.flatMap((f) => (f.instance ? [f.instance] : []));
  holders.forEach((h, k) => {
    if (holders.indexOf(h) !== k) at.fail([...p, 'floating_ips'], `instance '${h}' is given two floating IPs`);
  });
  return { name: file.name, networks, routers, securityGroups, instances, floatingIps };
}
