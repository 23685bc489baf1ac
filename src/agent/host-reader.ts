/**
 * The agent's view of its host for one explain or trace query: each read runs its tool once
 * (OVSDB, ovs-appctl, ovs-ofctl, iptables-save, ipset, ip) and is kept for the rest of the
 * query, so a trace that crosses br-int twice dumps its flows once. Nothing here changes the
 * host.
 */
import type { HostSettings } from '../dataplane/compile/inputs.js';
import type { HostPlan } from '../dataplane/compile/plan.js';
import { readFile, readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { dhcpStateDir } from '../model/names.js';
import { type FdbEntry, observeFdb } from '../dataplane/drivers/bridge-fdb.js';
import { runningDaemon } from '../dataplane/drivers/daemons.js';
import { readVrrpStates } from '../dataplane/drivers/keepalived.js';
import { runningDnsmasq } from '../dataplane/drivers/dnsmasq-process.js';
import { type BridgeLink, observeLinks } from '../dataplane/drivers/linux-bridge.js';
import { type NeighbourEntry, listInterfaces, listNeighbours, listNetns, listRoutes, routeGet } from '../dataplane/drivers/ip.js';
import { observeIpsets } from '../dataplane/drivers/ipset.js';
import { saveWithCounters } from '../dataplane/drivers/iptables.js';
import { dpctlShow, ofprotoTrace } from '../dataplane/drivers/ovs-appctl.js';
import { type DumpedFlow, type OvsEnvironment, dumpFlows } from '../dataplane/drivers/ovs-ofctl.js';
import type { SwitchState } from '../dataplane/drivers/ovsdb/index.js';
import { parseDpctlShow } from '../trace/datapath-actions.js';
import type { ExplainView, OvsPortView, RouteAnswer } from '../trace/host-view.js';
import { type SavedTables, parseIptablesSave } from '../trace/iptables-save.js';
import { Labels } from '../trace/labels.js';
import type { Replica } from './replica.js';
import { observeBandwidthLimits } from '../dataplane/drivers/tc.js';

export interface HostReaderSource {
  readonly settings: HostSettings;
  readonly plan: HostPlan;
  readonly replica: Replica;
  readonly ovs: OvsEnvironment;
  switchState(): Promise<SwitchState>;
}

/** Memoizes one async read per key. */
function once<T>(): (key: string, read: () => Promise<T>) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (key, read) => {
    let p = cache.get(key);
    if (!p) {
      p = read();
      cache.set(key, p);
    }
    return p;
  };
}

export function portsOf(state: SwitchState): OvsPortView[] {
  return state.bridges.flatMap((b) =>
    b.ports.map((p) => {
      const i = p.interfaces[0];
      return {
        bridge: b.name,
        name: p.name,
        type: i?.type ?? '',
        ofport: i?.ofport ?? null,
        tag: p.tag ?? null,
        ifaceId: i?.externalIds['iface-id'] ?? null,
        options: i?.options ?? {},
        externalIds: i?.externalIds ?? {},
        otherConfig: p.otherConfig,
      };
    }),
  );
}

export function hostReader(source: HostReaderSource): ExplainView & { switchState(): Promise<SwitchState> } {
  const state = once<SwitchState>();
  const text = once<string>();
  const flows = once<readonly DumpedFlow[]>();
  const tables = once<SavedTables>();
  const sets = once<ReadonlyMap<string, readonly string[]>>();
  const neighbours = once<readonly NeighbourEntry[]>();
  const interfaces = once<Awaited<ReturnType<typeof listInterfaces>>>();
  const links = once<readonly BridgeLink[]>();
  const fdb = once<readonly FdbEntry[]>();
  const switchState = () => state('', () => source.switchState());
  return {
    host: source.settings.host,
    settings: source.settings,
    plan: source.plan,
    labels: new Labels(source.replica, source.plan),
    switchState,
    ovsPorts: async () => portsOf(await switchState()),
    ofprotoTrace: (bridge, flow) => text(`trace ${bridge} ${flow}`, () => ofprotoTrace(source.ovs, bridge, flow)),
    datapathPorts: async () => parseDpctlShow(await text('dpctl', () => dpctlShow(source.ovs))),
    flows: (bridge) => flows(bridge, () => dumpFlows(source.ovs, bridge)),
    iptables: (netns, family = 4) =>
      tables(`${netns ?? ''} ${family}`, async () => parseIptablesSave(await saveWithCounters(netns, family))),
    ipsets: (netns) =>
      sets(netns ?? '', async () => new Map((await observeIpsets(netns, [''])).map((s) => [s.name, [...s.members]]))),
    routeGet: (netns, dst, src, iif): Promise<RouteAnswer> => routeGet(netns, dst, src, iif),
    neighbours: (netns) => neighbours(netns ?? '', () => listNeighbours(netns)),
    bridgeLinks: () => links('', () => observeLinks()),
    bridgeFdb: () => fdb('', () => observeFdb()),
    vrrp: async (routerId) => readVrrpStates(`${source.settings.stateDir.replace(/\/+$/, '')}/ha_confs`).get(routerId) ?? null,
    namespaces: () => listNetns(),
    interfaces: (netns) => interfaces(netns ?? '', () => listInterfaces(netns)),
    routes: async (netns) => [...(await listRoutes(netns, 4)), ...(await listRoutes(netns, 6))],
    file: (path) => readFile(path, 'utf8').catch(() => null),
    dnsmasq: async (dir) => runningDnsmasq(dir),
    daemon: async (dir) => runningDaemon(dir),
    bandwidthLimits: () => observeBandwidthLimits(),
    dnsmasqDirs: async () => {
      const root = dirname(dhcpStateDir(source.settings.stateDir, 'x'));
      return (await readdir(root).catch(() => [])).map((network) => dhcpStateDir(source.settings.stateDir, network));
    },
  };
}
