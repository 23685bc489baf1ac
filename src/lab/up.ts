/**
 * `quark lab up`: from nothing to the scenario running and checked. Each step reports as it
 * goes; the result is the reachability report. Every failure leaves the lab in place for
 * inspection (`quark lab status`, `quark lab exec`) until `quark lab down`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { QuarkClient } from '../client/client.js';
import { writeCloudEntry } from '../client/clouds-yaml.js';
import { QuarkError } from '../model/errors.js';
import { DEFAULT_DOMAIN_NAME } from '../model/identity.js';
import type { Agent, FloatingIp, Network, Port, Router } from '../model/resources.js';
import { run } from '../dataplane/drivers/exec.js';
import { createExternalNetwork, createProject, type ProjectHandle } from './apply.js';
import { type Controller, passwordClient, startController } from './controller.js';
import { type CheckResult, checkExpectations, listenFor } from './expect.js';
import { type LabExtra, liveContext } from './extra.js';
import { type FabricAddresses, freeManagementNetwork } from './fabric.js';
import { createInstance, lease, leaseIpv6, staticAddress, writeDhcp6Script, writeDhcpScript } from './instances.js';
import { Lab, labStateFile } from './lab.js';
import { SOURCE_PORT, type Wanted, want } from './listeners.js';
import { recordInstanceMetadata, startLabMetadata } from './metadata.js';
import type { Scenario, ScenarioExpectation } from './scenario.js';
import { type StepResult, runSteps } from './steps.js';

export { type LabExtra, labExtra } from './extra.js';

export interface UpOptions {
  readonly name: string;
  readonly dir: string;
  readonly port: number;
  readonly addresses?: FabricAddresses;
  readonly logLevel?: string;
  /** Progress lines. */
  readonly say: (line: string) => void;
}

export interface UpResult {
  readonly lab: Lab;
  readonly results: readonly CheckResult[];
  readonly steps: readonly StepResult[];
  readonly ms: number;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function expectedAgents(scenario: Scenario): number {
  return scenario.nodes.reduce((n, node) => n + node.roles.length, 0);
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/**
 * The scenario's networks. The management network is the only one in the root namespace: one the
 * scenario names must be free, otherwise the lab takes the first free /24 from 198.18.0.0.
 */
function scenarioAddresses(scenario: Scenario): FabricAddresses {
  const routes = execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
  const management = scenario.management ?? freeManagementNetwork(routes, '198.18.0.0/24', [scenario.underlay]);
  if (scenario.management && freeManagementNetwork(routes, management) !== management)
    throw new QuarkError(
      'ScenarioInvalid',
      `${scenario.file}: management network ${management} is already routed on this machine (another lab?)`,
    );
  const e = scenario.external;
  return {
    management,
    underlay: scenario.underlay,
    external: e.cidr,
    internet: e.gateway,
    ...(e.ipv6Cidr && e.ipv6Gateway ? { internet6: `${e.ipv6Gateway}/${e.ipv6Cidr.split('/')[1]}` } : {}),
  };
}

/** What the steps of `lab up` share once the controller runs. */
interface Up {
  readonly lab: Lab;
  readonly scenario: Scenario;
  readonly options: UpOptions;
  readonly controller: Controller;
  readonly admin: QuarkClient;
  readonly extra: LabExtra;
  /** A progress line, with the seconds since the start. */
  readonly say: (line: string) => void;
}

/** The nodes' namespaces, Open vSwitch and state directory. */
async function startNodes(scenario: Scenario, options: UpOptions, say: (line: string) => void): Promise<Lab> {
  if (existsSync(labStateFile(options.dir)))
    throw new Error(`lab '${options.name}' is already up (quark lab down ${options.name})`);
  mkdirSync(options.dir, { recursive: true });
  const lab = await Lab.create({
    prefix: options.name,
    dir: options.dir,
    addresses: options.addresses ?? scenarioAddresses(scenario),
    tunnelType: scenario.tunnelType,
    serverPort: options.port,
    nodes: scenario.nodes,
    logLevel: options.logLevel ?? 'info',
  });
  for (const n of lab.nodes.values()) {
    const l2 = n.spec.mechanism === 'linuxbridge' ? 'Linux bridges' : 'Open vSwitch';
    say(`node ${n.spec.name}: namespaces and ${l2} up (${n.spec.roles.join(', ')})`);
  }
  return lab;
}

/** The server on the controller, identity bootstrapped, then every node's agents until they all report. */
async function startControlPlane(lab: Lab, scenario: Scenario, options: UpOptions, say: (line: string) => void): Promise<Up> {
  const controller = await startController({
    dir: options.dir,
    name: options.name,
    ip: lab.fabric.controllerIp,
    port: options.port,
    tunnelType: scenario.tunnelType,
  });
  say(`controller: quark server at ${controller.url} (pid ${controller.pid}), identity bootstrapped`);
  lab.login = controller.agent;
  const { metadata, agentEnv } = await startLabMetadata(options.dir, lab.fabric.controllerIp, controller.url, controller.agent);
  say(`controller: metadata API at ${metadata.url} (pid ${metadata.pid}), behind the agents' metadata proxies`);
  const extra: LabExtra = {
    controller,
    metadata,
    scenario: resolve(scenario.file),
    instances: [],
    projects: {},
    floatingIps: [],
    listeners: [],
  };
  lab.extra = extra as unknown as Record<string, unknown>;
  lab.agentEnv = agentEnv;
  lab.saveState();
  lab.startAgents();
  const admin = passwordClient(controller.url, controller.admin);
  await until('the agents to report', async () => {
    const { agents } = await admin.get<{ agents: (Agent & { alive: boolean })[] }>('/v2.0/agents');
    return agents.filter((a) => a.alive).length >= expectedAgents(scenario);
  });
  say(`agents: ${expectedAgents(scenario)} alive`);
  return { lab, scenario, options, controller, admin, extra, say };
}

/** The scenario's projects (users, networks, routers, groups), each with a clouds.yaml entry for its user. */
async function createProjects(u: Up, external: Network): Promise<Map<string, ProjectHandle>> {
  const projects = new Map<string, ProjectHandle>();
  for (const p of u.scenario.projects) {
    const handle = await createProject(u.admin, u.controller.url, p, external);
    projects.set(p.name, handle);
    u.extra.projects[p.name] = { login: handle.login, id: handle.id };
    // The project's own user, so `OS_CLOUD=<lab>-<project> openstack …` acts as that tenant.
    writeCloudEntry(u.controller.cloudsYaml, `${u.options.name}-${p.name}`, {
      serverUrl: u.controller.url,
      authUrl: u.controller.authUrl,
      username: handle.login.username,
      password: handle.login.password,
      projectName: handle.login.project,
      domainName: DEFAULT_DOMAIN_NAME,
      region: 'RegionOne', // the server's default region; the lab does not change it
    });
    const subnets = [...handle.subnets.values()].map((s) => s.cidr).join(', ');
    u.say(
      `project ${p.name}: networks ${[...handle.networks.keys()].join(', ')} (${subnets}), routers ${[...handle.routers.keys()].join(', ') || 'none'}`,
    );
  }
  u.lab.saveState();
  return projects;
}

/** Every instance plugged on its node (four at a time), until all their ports are ACTIVE. */
async function createInstances(u: Up, projects: ReadonlyMap<string, ProjectHandle>): Promise<void> {
  const wanted = u.scenario.projects.flatMap((p) => p.instances.map((i) => ({ p, i })));
  await pool(wanted, 4, async ({ p, i }) => {
    const handle = projects.get(p.name)!;
    const groups = i.securityGroups?.map((g) => handle.groups.get(g)!.id) ?? null;
    const record = await createInstance(u.lab, handle.api, u.admin, {
      name: i.name,
      project: p.name,
      node: i.node,
      networkId: handle.networks.get(i.network)!.id,
      securityGroups: groups,
      fixedIps: i.fixedIps,
    });
    u.extra.instances.push(record);
    if (u.extra.metadata && record.instanceId) {
      recordInstanceMetadata(u.extra.metadata.instances, record.instanceId, {
        name: i.name,
        publicKeys: i.publicKeys,
        userData: i.userData,
      });
    }
    u.lab.saveState();
  });
  await until('every instance port ACTIVE', async () => {
    const { ports } = await u.admin.get<{ ports: Port[] }>('/v2.0/ports?device_owner=compute:nova');
    const active = new Set(ports.filter((x) => x.status === 'ACTIVE').map((x) => x.id));
    return u.extra.instances.every((r) => active.has(r.portId));
  });
}

/**
 * Each instance takes its address: from DHCP when a node serves it, else statically with the
 * subnet's gateway; and on a dual-stack network its IPv6 address, by SLAAC or DHCPv6.
 */
async function addressInstances(u: Up, projects: ReadonlyMap<string, ProjectHandle>): Promise<void> {
  const dhcp = u.scenario.nodes.some((n) => n.roles.includes('dhcp'));
  const script = writeDhcpScript(u.options.dir);
  writeDhcp6Script(u.options.dir);
  await pool(u.extra.instances, 4, async (r) => {
    const subnets = [...projects.get(r.project)!.subnets.values()].filter((s) => s.network_id === r.networkId);
    if (dhcp) r.lease = await lease(u.lab, r, script);
    else {
      const subnet = subnets.find((s) => s.ip_version === 4)!;
      await staticAddress(u.lab, r, Number(subnet.cidr.split('/')[1]), subnet.gateway_ip);
    }
    const v6 = subnets.find((s) => s.ip_version === 6 && s.ipv6_address_mode !== null);
    if (r.address6 && v6) r.lease6 = await leaseIpv6(u.lab, r, v6, u.options.dir);
    u.say(
      `instance ${r.name} on ${r.node}: ${r.address}${dhcp ? ` (DHCP: ${r.lease})` : ' (static)'}${r.lease6 ? `; IPv6 ${r.lease6}` : ''}`,
    );
  });
}

/**
 * IPv6 is routed, not NATed: the internet host (the upstream router) routes each project
 * prefix behind a router back to that router's IPv6 gateway address, as an operator (or a
 * routing protocol) would configure the real upstream. A router marked `routed_from_internet`
 * gets its IPv4 subnets routed the same way: the internet then reaches its instances' fixed
 * addresses, which the router forwards as it would any packet.
 */
async function routeFromInternet(u: Up, projects: ReadonlyMap<string, ProjectHandle>): Promise<void> {
  for (const p of u.scenario.projects) {
    const handle = projects.get(p.name)!;
    for (const r of p.routers.filter((x) => x.externalGateway)) {
      const { router } = await u.admin.get<{ router: Router }>(`/v2.0/routers/${handle.routers.get(r.name)!.id}`);
      const gateway = (v: 4 | 6) =>
        router.external_gateway_info?.external_fixed_ips.find((f) => f.ip_address.includes(':') === (v === 6))?.ip_address;
      for (const name of r.interfaces) {
        const subnet = handle.subnets.get(name)!;
        const via = gateway(subnet.ip_version);
        const routed = subnet.ip_version === 6 ? Boolean(u.lab.fabric.internetIp6) : r.routedFromInternet;
        if (!via || !routed) continue;
        const family = subnet.ip_version === 6 ? '-6' : '-4';
        await run(['ip', 'netns', 'exec', u.lab.fabric.internetNetns, 'ip', family, 'route', 'replace', subnet.cidr, 'via', via]);
        u.say(`internet: ${subnet.cidr} routed via ${r.name} (${via}), no NAT`);
      }
    }
  }
}

/** The scenario's floating IPs, each created by its project's user, associated with its instance if it has one. */
async function createFloatingIps(u: Up, projects: ReadonlyMap<string, ProjectHandle>, external: Network): Promise<void> {
  for (const p of u.scenario.projects) {
    for (const f of p.floatingIps) {
      const r = f.instance ? u.extra.instances.find((x) => x.name === f.instance)! : null;
      const { floatingip } = await projects.get(p.name)!.api.post<{ floatingip: FloatingIp }>('/v2.0/floatingips', {
        floatingip: { floating_network_id: external.id, ...(r ? { port_id: r.portId } : {}) },
      });
      u.extra.floatingIps!.push({ key: f.key, project: p.name, id: floatingip.id, address: floatingip.floating_ip_address });
      if (r) r.floatingIp = floatingip.floating_ip_address;
      const name = f.name ? ` (${f.name})` : '';
      u.say(`floating IP ${floatingip.floating_ip_address}${name} → ${r ? `${r.name} (${r.address})` : 'no port'}`);
    }
  }
  u.lab.saveState();
}

/**
 * Every listener the scenario's checks will need, started before the first check: the internet
 * host's source probe, the instances' own `listen` ports, and each TCP or UDP expectation's port
 * where it is sent (at every instance when the target is a floating IP's name or an address,
 * whose holder can change).
 */
function scenarioListeners(scenario: Scenario): Wanted {
  const wanted = new Map<string, Set<string>>();
  want(wanted, 'internet', `tcp:${SOURCE_PORT}`);
  const instances = scenario.projects.flatMap((p) => p.instances);
  for (const i of instances) for (const l of i.listen) want(wanted, i.name, `${l.protocol}:${l.port}`);
  const all: ScenarioExpectation[] = [...scenario.expect, ...scenario.steps.flatMap((s) => s.expect)];
  for (const e of all.filter((x) => x.protocol !== 'icmp')) {
    const spec = `${e.protocol}:${e.port}`;
    const t = e.target;
    if (t.kind === 'internet') want(wanted, 'internet', spec);
    else if (t.kind === 'instance' || t.kind === 'floating-of') want(wanted, t.instance, spec);
    else for (const i of instances) want(wanted, i.name, spec);
  }
  return wanted;
}

/** The scenario's expected reachability, with real traffic. */
async function checkReachability(u: Up): Promise<CheckResult[]> {
  const ctx = await liveContext(u.lab, u.admin);
  u.extra.listeners = await listenFor(ctx, u.extra.listeners ?? [], [], scenarioListeners(u.scenario));
  u.lab.saveState();
  u.say(`checking ${u.scenario.expect.length} expectations with real traffic…`);
  await new Promise((r) => setTimeout(r, 500));
  return checkExpectations(ctx, u.scenario.expect);
}

export async function labUp(scenario: Scenario, options: UpOptions): Promise<UpResult> {
  const started = performance.now();
  // Each line carries the seconds since the start, so a slow step shows where it is.
  const say = (line: string) => options.say(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  const lab = await startNodes(scenario, options, say);
  const u = await startControlPlane(lab, scenario, options, say);
  const external = await createExternalNetwork(u.admin, scenario);
  const v6 = lab.fabric.internetIp6 ? ` and ${scenario.external.ipv6Cidr} (internet host ${lab.fabric.internetIp6})` : '';
  say(`external network ${scenario.external.cidr}${v6} on physnet1 (br-ex), internet host ${lab.fabric.internetIp}`);
  const projects = await createProjects(u, external);
  await routeFromInternet(u, projects);
  await createInstances(u, projects);
  await addressInstances(u, projects);
  await createFloatingIps(u, projects, external);
  const results = await checkReachability(u);
  const steps = await runSteps(lab, scenario.steps, say);
  return { lab, results, steps, ms: performance.now() - started };
}
