/**
 * What `quark host check` reads from the host before it judges anything (checks.ts is pure):
 * OVSDB and ovs-vswitchd, kernel modules and sysctls, tool versions, addresses, the state
 * directory. Every reading that fails is recorded as such, never thrown: a preflight reports
 * everything at once.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { listAddresses, listLinks } from '../../dataplane/drivers/ip.js';
import { vswitchdVersion } from '../../dataplane/drivers/ovs-appctl.js';
import { OvsdbClient, type OvsSystem, readOvsSystem, readSwitch } from '../../dataplane/drivers/ovsdb/index.js';
import { kernelModuleFile, toolVersion } from '../../dataplane/drivers/tool-version.js';
import type { AgentConfig } from '../config.js';

export type ModuleState = 'loaded' | 'available' | 'missing';

/** The tools the roles run, and how each says its version. */
export const TOOLS = {
  iptables: ['iptables', '--version'],
  ip6tables: ['ip6tables', '--version'],
  ipset: ['ipset', '--version'],
  conntrack: ['conntrack', '--version'],
  dnsmasq: ['dnsmasq', '--version'],
  arping: ['arping', '-V'],
  ethtool: ['ethtool', '--version'],
  radvd: ['radvd', '--version'],
  haproxy: ['haproxy', '-v'],
  tcpdump: ['tcpdump', '--version'],
  keepalived: ['keepalived', '--version'],
} as const;
export type Tool = keyof typeof TOOLS;

export const MODULES = ['openvswitch', 'br_netfilter', 'ip_gre', 'vxlan'] as const;
export type Module = (typeof MODULES)[number];

export interface BridgeFacts {
  readonly name: string;
  readonly datapathType: string;
  readonly ports: readonly string[];
}

export interface HostFacts {
  readonly root: boolean;
  readonly ovsdb: {
    readonly socket: string;
    readonly error: string | null;
    readonly system: OvsSystem | null;
    readonly bridges: readonly BridgeFacts[];
  };
  readonly vswitchd: { readonly version: string | null; readonly error: string | null };
  readonly modules: Readonly<Record<Module, ModuleState>>;
  /** net.bridge.bridge-nf-call-iptables exists (br_netfilter is there, built in or loaded). */
  readonly bridgeNetfilter: boolean;
  readonly tools: Readonly<Record<Tool, string | null>>;
  readonly addresses: readonly { readonly ifname: string; readonly ip: string }[];
  readonly links: readonly string[];
  readonly stateDir: { readonly path: string; readonly problem: string | null };
}

const OVSDB_WAIT_MS = 5_000;

async function readOvs(socket: string): Promise<HostFacts['ovsdb']> {
  let client: OvsdbClient | null = null;
  let timer: NodeJS.Timeout | undefined;
  const read = async () => {
    client = await OvsdbClient.connect(socket);
    const system = await readOvsSystem(client);
    const state = await readSwitch(client);
    const bridges = state.bridges.map((b) => ({ name: b.name, datapathType: b.datapathType, ports: b.ports.map((p) => p.name) }));
    return { socket, error: null, system, bridges };
  };
  // A stopped (SIGSTOP) or wedged ovsdb-server accepts the connection and never answers.
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${OVSDB_WAIT_MS / 1000} s`)), OVSDB_WAIT_MS);
  });
  try {
    return await Promise.race([read(), late]);
  } catch (e) {
    return { socket, error: (e as Error).message, system: null, bridges: [] };
  } finally {
    clearTimeout(timer);
    (client as OvsdbClient | null)?.close();
  }
}

async function moduleState(name: Module): Promise<ModuleState> {
  if (existsSync(`/sys/module/${name}`)) return 'loaded';
  return (await kernelModuleFile(name)) ? 'available' : 'missing';
}

function stateDirProblem(path: string): string | null {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    return null;
  } catch (e) {
    return `${dir} is not writable: ${(e as Error).message}`;
  }
}

function readSysctl(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

export async function readHostFacts(config: AgentConfig): Promise<HostFacts> {
  const rundir = config.ovsRundir || '/run/openvswitch';
  const tools = Object.keys(TOOLS) as Tool[];
  // A Linux bridge host has no Open vSwitch to read (checks.ts does not judge it there).
  const lb = config.mechanism === 'linuxbridge';
  const [ovsdb, vswitchd, modules, versions, addresses, links] = await Promise.all([
    lb
      ? { socket: `${rundir}/db.sock`, error: 'not used (mechanism linuxbridge)', system: null, bridges: [] }
      : readOvs(`${rundir}/db.sock`),
    (lb
      ? Promise.reject(new Error('not used (mechanism linuxbridge)'))
      : vswitchdVersion({ rundir: config.ovsRundir || null })
    ).then(
      (version) => ({ version, error: null }),
      (e: Error) => ({ version: null, error: e.message }),
    ),
    Promise.all(MODULES.map(async (m) => [m, await moduleState(m)] as const)),
    Promise.all(tools.map(async (t) => [t, await toolVersion(TOOLS[t])] as const)),
    listAddresses(null).catch(() => []),
    listLinks(null).catch(() => []),
  ]);
  return {
    root: process.getuid?.() === 0,
    ovsdb,
    vswitchd,
    modules: Object.fromEntries(modules) as Record<Module, ModuleState>,
    bridgeNetfilter: readSysctl('/proc/sys/net/bridge/bridge-nf-call-iptables') !== null,
    tools: Object.fromEntries(versions) as Record<Tool, string | null>,
    addresses: addresses.filter((a) => a.family === 'inet').map((a) => ({ ifname: a.ifname, ip: a.cidr.split('/')[0]! })),
    links: links.map((l) => l.ifname),
    stateDir: { path: config.stateDir, problem: stateDirProblem(config.stateDir) },
  };
}
