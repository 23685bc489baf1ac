/**
 * `quark lab`: the article's data centre on this machine. `up` builds a scenario and checks it
 * with real traffic; `status`, `exec` and `instance` work on the running lab; `down` removes
 * everything it made (`--force` also without its state file).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { Actions } from '../lab/actions.js';
import { forceDown } from '../lab/cleanup.js';
import { passwordClient } from '../lab/controller.js';
import { checkExpectations, listenFor, renderReport } from '../lab/expect.js';
import { adminOf, liveContext } from '../lab/extra.js';
import { stopListeners } from '../lab/listeners.js';
import { createInstance, deleteInstance, lease, writeDhcpScript } from '../lab/instances.js';
import { recordInstanceMetadata } from '../lab/metadata.js';
import { Lab, labStateFile } from '../lab/lab.js';
import { inNode, inNodeNetns } from '../lab/node.js';
import { alive, netnsInode, runInteractive, spawnDetached, stopLabGroup, stopLabPid } from '../lab/processes.js';
import { parseScenario } from '../lab/scenario.js';
import { agentPid, nodeAlive, serverState } from '../lab/status.js';
import { renderSteps } from '../lab/steps.js';
import { type LabExtra, type UpResult, labExtra, labUp } from '../lab/up.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_SCENARIO = join(ROOT, 'scenarios', 'havana.yaml');
/**
 * A lab's directory. The name prefixes every namespace, link and process path the lab makes, and
 * `lab down --force` removes by it, so it must be a plain word (and short enough for device names).
 */
function labDir(name: string): string {
  if (!/^[a-z][a-z0-9]{0,9}$/.test(name))
    throw new Error(`lab name '${name}': a lower-case letter, then up to 9 lower-case letters or digits`);
  return join('/run/quark/lab', name);
}

function requireRoot(): void {
  if (process.platform !== 'linux')
    throw new Error('the lab needs Linux: it builds network namespaces, veth pairs and Open vSwitch bridges');
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the lab needs root: it creates network namespaces, bridges and iptables rules (run it with sudo, or as root in a VM or container with CAP_NET_ADMIN and CAP_SYS_ADMIN)',
    );
  }
}

function loadLab(name: string): Lab {
  const dir = labDir(name);
  if (!existsSync(labStateFile(dir))) throw new Error(`no lab '${name}' is up (quark lab up)`);
  return Lab.load(dir);
}

/** `lab up`: builds the scenario, prints the reachability report and how to go on. */
async function up(file: string, opts: { name: string; port: number }): Promise<void> {
  requireRoot();
  const scenario = parseScenario(readFileSync(file, 'utf8'), file);
  const say = (line: string) => process.stdout.write(`  ${line}\n`);
  process.stdout.write(`quark lab up: ${scenario.name} (${file}), lab '${opts.name}'\n`);
  let result: UpResult;
  try {
    result = await labUp(scenario, { name: opts.name, dir: labDir(opts.name), port: opts.port, say });
  } catch (e) {
    process.stderr.write(
      `quark lab up failed: ${(e as Error).message}\nthe lab is left for inspection: quark lab status ${opts.name}; quark lab down ${opts.name}\n`,
    );
    process.exitCode = 1;
    return;
  }
  const failed = result.results.filter((r) => !r.ok).length;
  process.stdout.write(`\nreachability (${result.results.length} checks, ${failed} failed):\n${renderReport(result.results)}\n`);
  const stepsFailed = result.steps.filter((r) => !r.ok).length;
  if (result.steps.length > 0) {
    const skipped = scenario.steps.length - result.steps.length;
    const more = skipped > 0 ? `, ${skipped} not run after a failed action` : '';
    process.stdout.write(`\nsteps (${result.steps.length} run, ${stepsFailed} failed${more}):\n${renderSteps(result.steps)}\n`);
  }
  process.stdout.write(`\nup in ${(result.ms / 1000).toFixed(1)} s. Try:\n${nextSteps(opts.name, labExtra(result.lab))}`);
  if (failed > 0 || stepsFailed > 0 || result.steps.length < scenario.steps.length) process.exitCode = 1;
}

/** What to try on a lab that is up. */
function nextSteps(name: string, extra: LabExtra): string {
  const first = extra.instances[0]?.name ?? 'vm1';
  const project = Object.keys(extra.projects).at(-1);
  const lines = [
    `quark lab status ${name}`,
    `quark lab check ${name}                     # the expectations again, after changes of yours`,
    `quark lab exec ${first} --lab ${name} -- ip addr`,
    `export OS_CLIENT_CONFIG_FILE=${extra.controller.cloudsYaml}`,
    `OS_CLOUD=${name} openstack network list      # as admin`,
    ...(project ? [`OS_CLOUD=${name}-${project} openstack port list   # as project ${project}'s user`] : []),
    `quark lab down ${name}`,
  ];
  return lines.map((l) => `  ${l}\n`).join('');
}

/** `lab down`: the server, the nodes, then anything left with the lab's prefix. */
async function down(name: string, opts: { force?: boolean }): Promise<void> {
  requireRoot();
  const dir = labDir(name);
  if (existsSync(labStateFile(dir))) {
    const l = Lab.load(dir);
    const server = labExtra(l).controller?.pid;
    if (server) await stopLabPid(server, dir);
    const metadata = labExtra(l).metadata?.pid;
    if (metadata) await stopLabPid(metadata, dir);
    await stopListeners(l, labExtra(l).listeners ?? []);
    const internet = new Set([netnsInode(`/run/netns/${l.fabric.internetNetns}`) ?? -1]);
    for (const b of labExtra(l).background ?? []) await stopLabGroup(b.pid, dir, internet);
    await l.down();
  } else if (!opts.force) {
    throw new Error(`no lab '${name}' is up (quark lab down ${name} --force removes leftovers by prefix)`);
  }
  const removed = await forceDown(name, dir);
  process.stdout.write(`lab '${name}' is down${removed.length ? ` (also removed: ${removed.join(', ')})` : ''}\n`);
}

/** `lab status`: the server, each node's agents and each instance, read live (processes from /proc, objects from the API). */
async function status(name: string): Promise<void> {
  const l = loadLab(name);
  const extra = labExtra(l);
  const server = await serverState(l, extra.controller.url);
  const recorded = server.pid !== null && server.pid !== extra.controller.pid ? ` (lab up started ${extra.controller.pid})` : '';
  const serving = server.serving ? 'serving' : server.pid ? 'NOT ANSWERING' : 'DEAD';
  const out: string[] = [`lab '${name}': server ${extra.controller.url} (pid ${server.pid ?? '-'}${recorded}, ${serving})`];
  if (!server.serving) {
    process.stdout.write(`${out.join('\n')}\n`);
    process.exitCode = 1;
    return;
  }
  const admin = adminOf(l);
  const { agents } = await admin.get<{ agents: { host: string; agent_type: string; alive: boolean }[] }>('/v2.0/agents');
  for (const n of l.nodes.values()) {
    const node = n.spec.name;
    if (!nodeAlive(l, node)) {
      out.push(`node ${node}: DOWN (${extra.killed?.includes(node) ? 'killed by a step' : 'its namespaces are gone'})`);
      continue;
    }
    const own = agents.filter((a) => a.host === node).map((a) => `${a.agent_type}${a.alive ? '' : ' (DEAD)'}`);
    const pid = agentPid(l, node);
    out.push(
      `node ${node}: roles ${n.spec.roles.join(',')}, agent pid ${pid ?? '- (not running)'}, ${own.join(', ') || 'no agent reports'}`,
    );
  }
  const { live } = await liveContext(l, admin);
  for (const i of live.instances.values()) {
    const r = i.record;
    const v6 = i.address6 ? `, ${i.address6}` : '';
    const fip = i.floatingIp ? `, floating ${i.floatingIp}` : '';
    out.push(`instance ${r.name} (${r.project}) on ${r.node}: ${i.address ?? '-'}${v6}${fip}, port ${i.port?.status ?? 'gone'}`);
  }
  const unassociated = [...live.scenarioFloatingIps].filter(([, f]) => f && !f.port_id);
  for (const [key, f] of unassociated) out.push(`floating IP ${f!.floating_ip_address} (${key}): no port`);
  const listeners = (extra.listeners ?? []).filter((x) => alive(x.pid));
  if (listeners.length > 0)
    out.push(`listeners: ${listeners.map((x) => `${x.where} ${x.specs.join(' ')} (pid ${x.pid})`).join('; ')}`);
  for (const b of (extra.background ?? []).filter((x) => alive(x.pid)))
    out.push(`background: pid ${b.pid} in ${b.target}: ${b.command.join(' ')} (log ${b.log})`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/** `lab check`: a scenario's expectations again, on the lab as it is now. */
async function check(name: string, opts: { step?: string; file?: string }): Promise<void> {
  requireRoot();
  const l = loadLab(name);
  const extra = labExtra(l);
  const file = opts.file ?? extra.scenario;
  const scenario = parseScenario(readFileSync(file, 'utf8'), file);
  let expectations = scenario.expect;
  let what = 'expectations';
  if (opts.step !== undefined) {
    const index = /^\d+$/.test(opts.step) ? Number(opts.step) - 1 : scenario.steps.findIndex((s) => s.name === opts.step);
    const step = scenario.steps[index];
    if (!step) throw new Error(`no step '${opts.step}' in ${file} (steps are numbered from 1, or named)`);
    expectations = step.expect;
    what = `expectations of step ${index + 1} (${step.name})`;
  }
  const ctx = await liveContext(l);
  extra.listeners = await listenFor(ctx, extra.listeners ?? [], expectations);
  l.saveState();
  const results = await checkExpectations(ctx, expectations);
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`${file}: ${what}, ${results.length} checks, ${failed} failed\n${renderReport(results)}\n`);
  if (failed > 0) process.exitCode = 1;
}

/** `lab restart server|agent NODE`: a clean restart, with the lab's own command line and credentials. */
async function restart(what: string, node: string | undefined, opts: { lab: string }): Promise<void> {
  requireRoot();
  const l = loadLab(opts.lab);
  const actions = new Actions(l);
  if (what === 'server') process.stdout.write(`${await actions.perform({ do: 'restart_server' })}\n`);
  else if (what === 'agent' && node) {
    if (!l.nodes.has(node)) throw new Error(`no node '${node}' in lab ${opts.lab}`);
    process.stdout.write(`${node}: ${await actions.perform({ do: 'restart_agent', node })}\n`);
  } else throw new Error('quark lab restart server | quark lab restart agent NODE');
}

/** `lab exec`: a command in an instance's namespace, on a node, or on the internet host; `--background` returns its pid. */
function exec(target: string, command: string[], opts: { lab: string; background?: boolean }): void {
  requireRoot();
  const l = loadLab(opts.lab);
  const extra = labExtra(l);
  const instance = extra.instances.find((i) => i.name === target);
  let argv: string[];
  if (target === 'internet') argv = ['ip', 'netns', 'exec', l.fabric.internetNetns, ...command];
  else if (instance) argv = inNodeNetns(l.node(instance.node).handle, instance.netns, command);
  else if (l.nodes.has(target)) argv = inNode(l.node(target).handle, command);
  else throw new Error(`no instance or node '${target}' in lab ${opts.lab} (or "internet")`);
  if (!opts.background) {
    process.exitCode = runInteractive(argv);
    return;
  }
  const log = join(l.options.dir, `exec-${target}-${Date.now()}.log`);
  const pid = spawnDetached(argv, log);
  extra.background = [...(extra.background ?? []).filter((b) => alive(b.pid)), { pid, target, command, log }];
  l.saveState();
  process.stdout.write(`${pid}\n`);
}

/** `lab kill-node`: every process of a node killed at once, as a power cut (its HA routers fail over). */
async function killLabNode(node: string, opts: { lab: string }): Promise<void> {
  requireRoot();
  const l = loadLab(opts.lab);
  await l.killNode(node);
  process.stdout.write(`node ${node}: every process killed; \`quark lab down ${opts.lab}\` removes what is left\n`);
}

interface InstanceFlags {
  readonly name: string;
  readonly project: string;
  readonly network: string;
  readonly node: string;
  readonly lab: string;
}

/** `lab instance create`: an instance of a scenario project on a node, with its address. */
async function createLabInstance(opts: InstanceFlags): Promise<void> {
  requireRoot();
  const l = loadLab(opts.lab);
  const extra = labExtra(l);
  const project = extra.projects[opts.project];
  if (!project) throw new Error(`no project '${opts.project}' in the lab`);
  const admin = passwordClient(extra.controller.url, extra.controller.admin);
  const user = passwordClient(extra.controller.url, project.login);
  const net = (await user.get<{ networks: { id: string }[] }>(`/v2.0/networks?name=${encodeURIComponent(opts.network)}`))
    .networks[0];
  if (!net) throw new Error(`no network '${opts.network}' in project ${opts.project}`);
  const r = await createInstance(l, user, admin, {
    name: opts.name,
    project: opts.project,
    node: opts.node,
    networkId: net.id,
    securityGroups: null,
  });
  extra.instances.push(r);
  if (extra.metadata && r.instanceId)
    recordInstanceMetadata(extra.metadata.instances, r.instanceId, { name: r.name, publicKeys: {}, userData: null });
  l.saveState();
  r.lease = await lease(l, r, writeDhcpScript(l.options.dir));
  l.saveState();
  process.stdout.write(`instance ${r.name} on ${r.node}: ${r.address} (${r.lease})\n`);
}

/** `lab instance delete`. */
async function deleteLabInstance(name: string, opts: { lab: string }): Promise<void> {
  requireRoot();
  const l = loadLab(opts.lab);
  const extra = labExtra(l);
  const r = extra.instances.find((i) => i.name === name);
  if (!r) throw new Error(`no instance '${name}' in the lab`);
  await deleteInstance(l, passwordClient(extra.controller.url, extra.controller.admin), r);
  if (extra.metadata && r.instanceId) recordInstanceMetadata(extra.metadata.instances, r.instanceId, null);
  extra.instances.splice(extra.instances.indexOf(r), 1);
  l.saveState();
  process.stdout.write(`instance ${name} deleted\n`);
}

function registerInstanceCommands(lab: Command): void {
  const instance = lab.command('instance').description('Add or remove instances of the running lab');
  instance
    .command('create')
    .description('Create an instance on a node: a port through the API, plugged as Nova does, an address from DHCP')
    .requiredOption('--name <name>', 'instance name (and its namespace)')
    .requiredOption('--project <project>', 'project of the scenario')
    .requiredOption('--network <network>', 'network name in that project')
    .requiredOption('--node <node>', 'node to run it on')
    .option('--lab <name>', 'lab name', 'qlab')
    .action(createLabInstance);
  instance
    .command('delete')
    .description('Unplug an instance, remove its namespace and delete its port')
    .argument('<name>', 'instance name')
    .option('--lab <name>', 'lab name', 'qlab')
    .action(deleteLabInstance);
}

export function registerLabCommand(program: Command): void {
  const lab = program.command('lab').description("Run the article's data centre on this machine");
  lab
    .command('up')
    .argument('[scenario]', 'scenario file', DEFAULT_SCENARIO)
    .option('--name <name>', 'lab name and prefix of everything it makes', 'qlab')
    .option('--port <port>', "the server's port", (v) => Number(v), 9696)
    .description('Build a scenario (nodes, server, agents, tenants, instances) and check its reachability')
    .action(up);
  lab
    .command('down')
    .argument('[name]', 'lab name', 'qlab')
    .option('--force', 'remove everything with the prefix even without the state file')
    .description('Remove the lab: processes, namespaces, links, files')
    .action(down);
  lab
    .command('status')
    .argument('[name]', 'lab name', 'qlab')
    .description('Nodes, agents and instances of the running lab')
    .action(status);
  lab
    .command('check')
    .argument('[name]', 'lab name', 'qlab')
    .option('--step <step>', "check that step's expectations instead (its number from 1, or its name)")
    .option('--file <scenario>', 'take the expectations from this scenario file instead of the one the lab was built from')
    .description("Check a scenario's expectations again on the running lab, with real traffic")
    .action(check);
  lab
    .command('restart')
    .argument('<what>', '"server" or "agent"')
    .argument('[node]', "the agent's node")
    .option('--lab <name>', 'lab name', process.env.QUARK_LAB ?? 'qlab')
    .description("Restart the lab's server, or a node's agent, with the lab's own command line and credentials")
    .action(restart);
  lab
    .command('exec')
    .argument('<target>', 'an instance, a node, or "internet"')
    .argument('<command...>', 'command to run (after --)')
    .option('--lab <name>', 'lab name', process.env.QUARK_LAB ?? 'qlab')
    .option('-b, --background', 'start it in the background, print its pid (its output goes to a log in the lab directory)')
    .description('Run a command inside an instance, a node or the internet host')
    .action(exec);
  lab
    .command('kill-node')
    .argument('<node>', 'node name')
    .option('--lab <name>', 'lab name', process.env.QUARK_LAB ?? 'qlab')
    .description('Kill every process of a node at once (agent, Open vSwitch, keepalived, dnsmasq), as a power cut')
    .action(killLabNode);
  registerInstanceCommands(lab);
}
