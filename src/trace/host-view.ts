/**
 * What explain and trace read on one host. The agent implements it with the real tools (one
 * driver call each, cached for the duration of one query); tests implement it with outputs saved
 * from the lab. Everything here only reads the host.
 */
import type { HostSettings, VrrpState } from '../dataplane/compile/inputs.js';
import type { HostPlan } from '../dataplane/compile/plan.js';
import type { FdbEntry } from '../dataplane/drivers/bridge-fdb.js';
import type { AddressInfo, LinkInfo, RouteInfo } from '../dataplane/drivers/ip.js';
import type { BridgeLink } from '../dataplane/drivers/linux-bridge.js';
import type { DumpedFlow } from '../dataplane/drivers/ovs-ofctl.js';
import type { ObservedLimit } from '../dataplane/drivers/tc.js';
import type { SavedTables } from './iptables-save.js';
import type { Labels } from './labels.js';

/** One OVS port of the host as OVSDB has it. */
export interface OvsPortView {
  readonly bridge: string;
  readonly name: string;
  /** `''`/`system`, `internal`, `patch`, `gre`, `vxlan`. */
  readonly type: string;
  readonly ofport: number | null;
  readonly tag: number | null;
  /** external_ids:iface-id: the Neutron port plugged here. */
  readonly ifaceId: string | null;
  readonly options: Readonly<Record<string, string>>;
  readonly externalIds: Readonly<Record<string, string>>;
  readonly otherConfig: Readonly<Record<string, string>>;
}

/** `ip -j route get DST from SRC iif DEV` in a namespace. */
export interface RouteAnswer {
  /** `unicast` (absent in ip's output), `local`, `unreachable`, `blackhole`, `prohibit`. */
  readonly type: string;
  readonly dev: string | null;
  readonly gateway: string | null;
  /** The kernel's refusal (`Network is unreachable`), when there is no route. */
  readonly error: string | null;
}

export interface Neighbour {
  readonly ip: string;
  readonly mac: string;
  readonly dev: string;
}

export interface HostView {
  readonly host: string;
  readonly settings: HostSettings;
  /** The plan of the agent's last pass: what the host should have. */
  readonly plan: HostPlan;
  readonly labels: Labels;
  ovsPorts(): Promise<readonly OvsPortView[]>;
  /** `ovs-appctl ofproto/trace --names BRIDGE FLOW` output. */
  ofprotoTrace(bridge: string, flow: string): Promise<string>;
  /** `ovs-appctl dpctl/show`: datapath port → device. */
  datapathPorts(): Promise<ReadonlyMap<number, string>>;
  /** `ovs-ofctl dump-flows --names BRIDGE`, with counters. */
  flows(bridge: string): Promise<readonly DumpedFlow[]>;
  /** `iptables-save -c` (or ip6tables-save) in a namespace (null: the host's own). */
  iptables(netns: string | null, family?: 4 | 6): Promise<SavedTables>;
  /** `ipset save`: set → members. */
  ipsets(netns: string | null): Promise<ReadonlyMap<string, readonly string[]>>;
  routeGet(netns: string, dst: string, src: string, iif: string): Promise<RouteAnswer>;
  /** `ip -j neigh show` in a namespace (null: the host's own). */
  neighbours(netns: string | null): Promise<readonly Neighbour[]>;
  /** Linux bridge hosts: the host's links (`ip -j -d link show`): bridges, VXLAN devices, taps. */
  bridgeLinks(): Promise<readonly BridgeLink[]>;
  /** Linux bridge hosts: every forwarding entry (`bridge -j fdb show`). */
  bridgeFdb(): Promise<readonly FdbEntry[]>;
  /** What keepalived says of an HA router on this host now (MASTER: active here); null: no keepalived runs for it. */
  vrrp(routerId: string): Promise<VrrpState | null>;
}

/** What explain reads besides what trace reads. */
export interface ExplainView extends HostView {
  /** `ip netns list`. */
  namespaces(): Promise<readonly string[]>;
  /** `ip -j -d addr show` in a namespace (null: the host's own). */
  interfaces(netns: string | null): Promise<{ readonly links: readonly LinkInfo[]; readonly addresses: readonly AddressInfo[] }>;
  /** `ip -j route show` (IPv4 and IPv6) in a namespace. */
  routes(netns: string): Promise<readonly RouteInfo[]>;
  /** A file's content, or null when it does not exist. */
  file(path: string): Promise<string | null>;
  /** The dnsmasq serving from a state directory (by its pid file), if it runs. */
  dnsmasq(dir: string): Promise<{ readonly pid: number; readonly args: readonly string[] } | null>;
  /** The DHCP state directories on the host (`<stateDir>/dhcp/<network id>`), planned or not. */
  dnsmasqDirs(): Promise<readonly string[]>;
  /** Quark's bandwidth limits on the host's devices (`tc -json qdisc show`), by device; absent: not read. */
  bandwidthLimits?(): Promise<ReadonlyMap<string, ObservedLimit>>;
  /** The radvd or metadata proxy of a state directory (by its pid file), if it runs. */
  daemon(dir: string): Promise<{ readonly pid: number; readonly argv: readonly string[] } | null>;
}
