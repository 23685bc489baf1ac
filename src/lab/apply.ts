/**
 * Expresses a scenario's intent through the public API, the way its users would: the admin
 * creates the external network; each project gets a user, and that user creates the project's
 * networks, subnets, security group rules, routers and (after the instances exist) floating IPs.
 */
import type { QuarkClient } from '../client/client.js';
import type { Network, Router, SecurityGroup, Subnet } from '../model/resources.js';
import { type Credentials, ensureProject, ensureUser, grant, passwordClient, secret } from './controller.js';
import type { Scenario, ScenarioProject, ScenarioRule } from './scenario.js';

export interface ProjectHandle {
  readonly name: string;
  readonly id: string;
  readonly login: Credentials;
  readonly api: QuarkClient;
  readonly networks: Map<string, Network>;
  readonly subnets: Map<string, Subnet>;
  readonly routers: Map<string, Router>;
  readonly groups: Map<string, SecurityGroup>;
}

export async function createExternalNetwork(admin: QuarkClient, scenario: Scenario): Promise<Network> {
  const { network } = await admin.post<{ network: Network }>('/v2.0/networks', {
    network: {
      name: 'public',
      'router:external': true,
      'provider:network_type': 'flat',
      'provider:physical_network': 'physnet1',
      shared: false,
    },
  });
  const e = scenario.external;
  await admin.post('/v2.0/subnets', {
    subnet: {
      network_id: network.id,
      name: 'public-subnet',
      ip_version: 4,
      cidr: e.cidr,
      gateway_ip: e.gateway,
      enable_dhcp: false,
      allocation_pools: [{ start: e.poolStart, end: e.poolEnd }],
    },
  });
  if (e.ipv6Cidr && e.ipv6Gateway) {
    // IPv6 is routed, not NATed: the internet host holds the gateway and routes the projects' prefixes back.
    await admin.post('/v2.0/subnets', {
      subnet: {
        network_id: network.id,
        name: 'public-subnet6',
        ip_version: 6,
        cidr: e.ipv6Cidr,
        gateway_ip: e.ipv6Gateway,
        enable_dhcp: false,
      },
    });
  }
  return network;
}

/** A scenario rule as the API takes it; `groups` maps the project's group names to their objects. */
export function ruleBody(r: ScenarioRule, groupId: string, groups: ReadonlyMap<string, SecurityGroup>): Record<string, unknown> {
  const rule: Record<string, unknown> = { security_group_id: groupId, direction: r.direction, ethertype: r.ethertype };
  if (r.protocol) rule.protocol = r.protocol;
  if (r.portRangeMin !== null) rule.port_range_min = r.portRangeMin;
  if (r.portRangeMax !== null) rule.port_range_max = r.portRangeMax;
  if (r.remote) rule.remote_ip_prefix = r.remote;
  // Parsing checked that the group exists: a missing one must never become a rule open to everyone.
  if (r.remoteGroup) rule.remote_group_id = groups.get(r.remoteGroup)!.id;
  return rule;
}

async function securityGroups(api: QuarkClient, project: ScenarioProject): Promise<Map<string, SecurityGroup>> {
  const groups = new Map<string, SecurityGroup>();
  // Listing makes the project's default group (Neutron creates it lazily).
  const listed = (await api.get<{ security_groups: SecurityGroup[] }>('/v2.0/security-groups?name=default')).security_groups;
  if (listed[0]) groups.set('default', listed[0]);
  for (const g of project.securityGroups) {
    if (!groups.has(g.name)) {
      const { security_group } = await api.post<{ security_group: SecurityGroup }>('/v2.0/security-groups', {
        security_group: { name: g.name },
      });
      groups.set(g.name, security_group);
    }
  }
  for (const g of project.securityGroups) {
    for (const r of g.rules)
      await api.post('/v2.0/security-group-rules', { security_group_rule: ruleBody(r, groups.get(g.name)!.id, groups) });
  }
  return groups;
}

export async function createProject(
  admin: QuarkClient,
  url: string,
  project: ScenarioProject,
  external: Network,
): Promise<ProjectHandle> {
  const id = await ensureProject(admin, project.name);
  const login: Credentials = { username: project.name, password: secret(), project: project.name };
  await grant(admin, id, await ensureUser(admin, login.username, login.password, id), 'member');
  const api = passwordClient(url, login);
  const networks = new Map<string, Network>();
  const subnets = new Map<string, Subnet>();
  for (const n of project.networks) {
    const { network } = await api.post<{ network: Network }>('/v2.0/networks', { network: { name: n.name } });
    networks.set(n.name, network);
    for (const s of n.subnets) {
      const body: Record<string, unknown> = {
        network_id: network.id,
        name: s.name,
        ip_version: s.ipVersion,
        cidr: s.cidr,
        enable_dhcp: s.dhcp,
        dns_nameservers: s.dns,
      };
      if (s.ipv6RaMode) body.ipv6_ra_mode = s.ipv6RaMode;
      if (s.ipv6AddressMode) body.ipv6_address_mode = s.ipv6AddressMode;
      if (s.gateway !== undefined) body.gateway_ip = s.gateway;
      subnets.set(s.name, (await api.post<{ subnet: Subnet }>('/v2.0/subnets', { subnet: body })).subnet);
    }
  }
  const routers = new Map<string, Router>();
  for (const r of project.routers) {
    const gateway = r.externalGateway ? { external_gateway_info: { network_id: external.id } } : {};
    // `ha` is an admin attribute in Neutron's policy: the admin makes the project's HA router.
    let { router } = r.ha
      ? await admin.post<{ router: Router }>('/v2.0/routers', { router: { name: r.name, project_id: id, ha: true, ...gateway } })
      : await api.post<{ router: Router }>('/v2.0/routers', { router: { name: r.name, ...gateway } });
    if (r.externalGateway && !r.snat) {
      // enable_snat is an admin attribute in Neutron's policy.
      router = (
        await admin.put<{ router: Router }>(`/v2.0/routers/${router.id}`, {
          router: { external_gateway_info: { network_id: external.id, enable_snat: false } },
        })
      ).router;
    }
    for (const s of r.interfaces)
      await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnets.get(s)!.id });
    routers.set(r.name, router);
  }
  const groups = await securityGroups(api, project);
  return { name: project.name, id, login, api, networks, subnets, routers, groups };
}
