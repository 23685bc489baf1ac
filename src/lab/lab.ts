/**
 * A running lab: the fabric, the nodes with their OVS and agents, and the instances plugged
 * on them. The controller (the server) runs in the root namespace and is reachable from every
 * node on the management network. Everything the lab makes carries its prefix and is recorded
 * in its state file, so `down` (also after a crash) removes exactly that.
 */
import { QuarkClient } from '../client/client.js';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TunnelType } from '../model/names.js';
import { type Fabric, type FabricAddresses, type NodeLinks, connectNode, createFabric, destroyFabric } from './fabric.js';
import { type NodeHandle, inNode, inNodeNetns, killNode, nodeRun, ovsRundir, startNode, startOvs, stopNode } from './node.js';
import { ownedByLab, spawnDetached, stopLabPid } from './processes.js';
import { run } from '../dataplane/drivers/exec.js';
import { forceDown } from './cleanup.js';
import { EXTERNAL_BRIDGE } from '../model/names.js';
import type { AgentRole } from '../model/feed.js';

export interface LabNodeSpec {
  readonly name: string;
  readonly roles: readonly AgentRole[];
  /** Carries the external network (on br-ex, or on eth2 in a Linux bridge: the article's network node). */
  readonly external?: boolean;
  /** The node's L2 mechanism; default openvswitch. A linuxbridge node runs no Open vSwitch at all. */
  readonly mechanism?: 'openvswitch' | 'linuxbridge';
}

const isLinuxBridge = (spec: LabNodeSpec) => spec.mechanism === 'linuxbridge';

export interface LabOptions {
  readonly prefix: string;
  readonly dir: string;
  readonly addresses: FabricAddresses;
  readonly tunnelType: TunnelType;
  /** Port the server listens on at the controller's management address. */
  readonly serverPort: number;
  /** The server's dhcpAgentsPerNetwork (the scenario's dhcp_agents_per_network); absent: 1. */
  readonly dhcpAgentsPerNetwork?: number;
  /** Ports of more servers at that address, sharing the first one's database: agents get every URL. */
  readonly moreServerPorts?: readonly number[];
  readonly nodes: readonly LabNodeSpec[];
  /** Agent log level. */
  readonly logLevel?: string;
}

/**
 * Settings every node's agent gets through its environment (`QUARK_*` keys of docs/config.md),
 * such as where the metadata backend is and the secret shared with it: never on a command line.
 */
export type AgentEnvironment = Readonly<Record<string, string>>;

export interface LabNode {
  readonly spec: LabNodeSpec;
  readonly handle: NodeHandle;
  readonly links: NodeLinks;
  agentPid: number | null;
}

/** The `quark` entry point, to run agents and vif plug inside nodes. */
export const QUARK_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** Who agents and `quark vif plug` log in as; null for a noauth server. */
export interface LabLogin {
  readonly username: string;
  readonly password: string;
  readonly project: string;
}

/** What `lab.json` holds, so later commands (status, exec, down) find the running lab. */
export interface LabState {
  readonly options: LabOptions;
  readonly fabric: Fabric;
  readonly nodes: readonly { spec: LabNodeSpec; handle: NodeHandle; links: NodeLinks; agentPid: number | null }[];
  readonly login: LabLogin | null;
  readonly agentEnv?: AgentEnvironment;
  /** Anything the layers above keep with the lab (controller, instances, scenario). */
  readonly extra: Readonly<Record<string, unknown>>;
}

export function labStateFile(dir: string): string {
  return join(dir, 'lab.json');
}

export class Lab {
  readonly nodes = new Map<string, LabNode>();
  /** Set once the controller has a service user; passed to agents in their environment. */
  login: LabLogin | null = null;
  /** Saved with the lab's state for the layers above (controller, instances…). */
  extra: Record<string, unknown> = {};
  /** Extra environment of the agents (metadata backend and secret); saved with the state (mode 0600). */
  agentEnv: AgentEnvironment = {};

  private constructor(
    readonly options: LabOptions,
    readonly fabric: Fabric,
  ) {}

  get serverUrl(): string {
    return `http://${this.fabric.controllerIp}:${this.options.serverPort}`;
  }

  /** Every server's URL, comma-separated, as agents take them (docs/scale-out.md). */
  get serverUrls(): string {
    const ports = [this.options.serverPort, ...(this.options.moreServerPorts ?? [])];
    return ports.map((p) => `http://${this.fabric.controllerIp}:${p}`).join(',');
  }

  /** Creates the fabric and the nodes with OVS running; agents start with startAgents(). */
  static async create(options: LabOptions): Promise<Lab> {
    mkdirSync(options.dir, { recursive: true });
    // dnsmasq drops to `nobody` and re-reads its files under the nodes' state directories.
    chmodSync(options.dir, statSync(options.dir).mode | 0o011);
    const fabric = await createFabric(options.prefix, options.addresses);
    const lab = new Lab(options, fabric);
    lab.saveState();
    let index = 1;
    for (const spec of options.nodes) {
      const handle = await startNode(options.prefix, spec.name, join(options.dir, spec.name));
      const node: LabNode = {
        spec,
        handle,
        links: { managementIp: '', underlayIp: null, externalInterface: null },
        agentPid: null,
      };
      lab.nodes.set(spec.name, node);
      lab.saveState();
      const links = await connectNode(fabric, handle, index++, { external: spec.external === true });
      lab.nodes.set(spec.name, { ...node, links });
    }
    const ovsNodes = [...lab.nodes.values()].filter((n) => !isLinuxBridge(n.spec));
    await Promise.all(ovsNodes.map((n) => startOvs(n.handle)));
    // Open vSwitch's userspace datapath reads the underlay through AF_PACKET and forwards a
    // checksum a veth left unfinished as it is: with both mechanisms in the lab, the Linux bridge
    // nodes finish checksums before the underlay (a real NIC does it in hardware).
    if (ovsNodes.length > 0 && ovsNodes.length < lab.nodes.size) {
      for (const n of lab.nodes.values()) {
        if (isLinuxBridge(n.spec)) await nodeRun(n.handle, ['ethtool', '-K', 'eth1', 'tx', 'off']);
      }
    }
    for (const n of ovsNodes) {
      if (n.links.externalInterface) {
        await nodeRun(n.handle, [
          'ovs-vsctl',
          '--may-exist',
          'add-br',
          EXTERNAL_BRIDGE,
          '--',
          'set',
          'bridge',
          EXTERNAL_BRIDGE,
          'datapath_type=netdev',
          'fail_mode=secure',
          '--',
          '--may-exist',
          'add-port',
          EXTERNAL_BRIDGE,
          n.links.externalInterface,
        ]);
      }
    }
    lab.saveState();
    return lab;
  }

  node(name: string): LabNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name} in the lab`);
    return n;
  }

  agentArgv(n: LabNode): string[] {
    const common = [
      process.execPath,
      QUARK_MAIN,
      'agent',
      '--host',
      n.spec.name,
      '--server',
      this.serverUrls,
      '--roles',
      n.spec.roles.join(','),
      '--tunnel-ip',
      n.links.underlayIp ?? '',
      '--state-dir',
      join(n.handle.dir, 'state'),
      '--log-level',
      this.options.logLevel ?? 'info',
    ];
    return inNode(n.handle, [...common, ...(isLinuxBridge(n.spec) ? this.linuxBridgeArgs(n) : this.openvswitchArgs(n))]);
  }

  /** An Open vSwitch node's agent: its own OVS, tunnels on eth1, the external network on br-ex. */
  private openvswitchArgs(n: LabNode): string[] {
    return [
      '--tunnel-types',
      this.options.tunnelType,
      '--datapath',
      'auto',
      '--underlay-interface',
      'eth1',
      '--ovs-rundir',
      ovsRundir(n.handle),
      ...(n.links.externalInterface ? ['--bridge-mappings', 'physnet1:br-ex'] : []),
    ];
  }

  /** A Linux bridge node's agent: VXLAN on eth1, the external network on eth2. */
  private linuxBridgeArgs(n: LabNode): string[] {
    return [
      '--mechanism',
      'linuxbridge',
      '--tunnel-types',
      'vxlan',
      ...(n.links.externalInterface ? ['--physical-interface-mappings', `physnet1:${n.links.externalInterface}`] : []),
    ];
  }

  private client: QuarkClient | null = null;

  /**
   * For short-lived commands (`quark vif plug`): a token of the lab's login instead of its
   * password, so each command skips the password check (scrypt, deliberately slow) on the server.
   */
  private async tokenEnv(): Promise<Record<string, string> | undefined> {
    if (!this.login) return undefined;
    this.client ??= QuarkClient.withPassword(this.serverUrl, this.login);
    const token = await this.client.token();
    return token ? { QUARK_TOKEN: token, QUARK_USERNAME: '', OS_USERNAME: '' } : this.loginEnv();
  }

  /** Credentials travel in the environment, never on a command line. */
  private loginEnv(): Record<string, string> | undefined {
    if (!this.login) return undefined;
    return { QUARK_USERNAME: this.login.username, QUARK_PASSWORD: this.login.password, QUARK_PROJECT_NAME: this.login.project };
  }

  startAgent(name: string): number {
    const n = this.node(name);
    n.agentPid = spawnDetached(this.agentArgv(n), join(n.handle.dir, 'log', 'agent.log'), {
      ...this.agentEnv,
      ...this.loginEnv(),
    });
    this.saveState();
    return n.agentPid;
  }

  async stopAgent(name: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const n = this.node(name);
    if (n.agentPid === null) return;
    if (signal === 'SIGKILL' && ownedByLab(n.agentPid, n.handle.dir)) process.kill(n.agentPid, 'SIGKILL');
    await stopLabPid(n.agentPid, n.handle.dir);
    n.agentPid = null;
    this.saveState();
  }

  /** Kills every process of a node at once, as a power cut would (node.ts killNode); `quark lab down` removes the rest. */
  async killNode(name: string): Promise<void> {
    const n = this.node(name);
    await killNode(n.handle);
    n.agentPid = null;
    this.saveState();
  }

  startAgents(): void {
    for (const name of this.nodes.keys()) this.startAgent(name);
  }

  /** Runs a command inside a node (`nsenter`), or inside one of its namespaces. */
  exec(node: string, argv: readonly string[], netns?: string) {
    const n = this.node(node);
    return run(netns ? inNodeNetns(n.handle, netns, argv) : inNode(n.handle, argv));
  }

  /** Plugs a port into an instance namespace on a node, with the real `quark vif plug`. */
  async plug(node: string, portId: string, netns: string): Promise<void> {
    const n = this.node(node);
    const argv = ['vif', 'plug', '--port', portId, '--netns', netns, '--host', node, '--server', this.serverUrls];
    await run(inNode(n.handle, [process.execPath, QUARK_MAIN, ...argv, '--ovs-rundir', ovsRundir(n.handle)]), {
      env: await this.tokenEnv(),
    });
  }

  async unplug(node: string, portId: string): Promise<void> {
    const n = this.node(node);
    const argv = ['vif', 'unplug', '--port', portId, '--server', this.serverUrls];
    await run(inNode(n.handle, [process.execPath, QUARK_MAIN, ...argv, '--ovs-rundir', ovsRundir(n.handle)]), {
      env: await this.tokenEnv(),
    });
  }

  async down(): Promise<void> {
    for (const n of this.nodes.values()) {
      await stopNode(n.handle, n.agentPid === null ? [] : [n.agentPid]);
    }
    this.nodes.clear();
    await destroyFabric(this.fabric);
    // Anything a crash left behind (a dnsmasq of a killed agent…) still carries the prefix.
    await forceDown(this.options.prefix);
    // The lab owns its directory: databases, logs and state go with it.
    rmSync(this.options.dir, { recursive: true, force: true });
  }

  saveState(): void {
    const state: LabState = {
      options: this.options,
      fabric: this.fabric,
      nodes: [...this.nodes.values()].map((n) => ({ spec: n.spec, handle: n.handle, links: n.links, agentPid: n.agentPid })),
      login: this.login,
      agentEnv: this.agentEnv,
      extra: this.extra,
    };
    writeFileSync(labStateFile(this.options.dir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  }

  /** The lab whose state is in `dir`, as a previous command left it. */
  static load(dir: string): Lab {
    const state = JSON.parse(readFileSync(labStateFile(dir), 'utf8')) as LabState;
    const lab = new Lab(state.options, state.fabric);
    for (const n of state.nodes) lab.nodes.set(n.spec.name, { ...n });
    lab.login = state.login;
    lab.agentEnv = { ...state.agentEnv };
    lab.extra = { ...state.extra };
    return lab;
  }
}
