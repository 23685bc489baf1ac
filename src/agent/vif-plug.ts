/**
 * Plugs an instance into br-int the way Nova and os-vif do with the hybrid plug: the
 * instance's interface is one end of a veth (`tap…`) whose other end sits in a per-port Linux
 * bridge `qbr…`, where iptables sees the traffic; a second veth pair `qvb…`/`qvo…` joins qbr to
 * br-int, and `qvo…` carries `external_ids:iface-id`, which is how the agent finds it. The
 * equivalent by hand:
 *
 *   ip link add tapX type veth peer name eth0 netns VM
 *   ip link add qbrX type bridge forward_delay 0 stp_state 0
 *   ip link add qvbX type veth peer name qvoX
 *   sysctl -w net.ipv6.conf.{qbrX,tapX,qvbX,qvoX}.disable_ipv6=1
 *   ip link set tapX master qbrX; ip link set qvbX master qbrX (all up, MTU of the network)
 *   ovs-vsctl add-port br-int qvoX -- set Interface qvoX external_ids:iface-id=PORT …
 *
 * With `afxdp` (userspace datapath, `quark vif plug --afxdp auto`) OVS reads qvo… through
 * AF_XDP (`type=afxdp-nonpmd options:xdp-mode=generic`: +85 % TCP across hosts, and slower
 * wiring, docs/flows.md), set in the same transaction so the port is opened once.
 *
 * A trunk's parent port names its trunk bridge in binding:vif_details' bridge_name; qvo… then
 * goes there (`ovs-vsctl --may-exist add-br tbr-… -- add-port tbr-… qvoX`), as os-vif plugs it,
 * and the agent patches the trunk bridge to br-int (docs/trunks.md).
 */
import { INTEGRATION_BRIDGE, isTrunkBridge, linuxBridge, qbrBridge, qvbDevice, qvoDevice, tapDevice } from '../model/names.js';
import { addNetns, disableIpv6, ipBatch, listLinks } from '../dataplane/drivers/ip.js';
import { run } from '../dataplane/drivers/exec.js';
import type { OvsEnvironment } from '../dataplane/drivers/ovs-ofctl.js';
import { vsctl } from '../dataplane/drivers/ovs-vsctl.js';

export interface PlugRequest {
  readonly portId: string;
  readonly mac: string;
  readonly mtu: number;
  /** The instance's network namespace (created if missing). */
  readonly netns: string;
  /** The interface name inside the instance. */
  readonly ifname: string;
  readonly deviceId: string;
  readonly ovs: OvsEnvironment;
  /** The userspace datapath cannot finish checksums the kernel left to the NIC: turn TX offload off. */
  readonly userspaceDatapath: boolean;
  /** Userspace datapath: OVS opens qvo… through AF_XDP (afxdp-nonpmd, generic XDP) instead of AF_PACKET. */
  readonly afxdp?: boolean;
  /** The OVS bridge qvo… joins: the port's vif_details bridge_name (br-int, or a trunk bridge). */
  readonly bridge?: string;
}

export async function plugHybrid(req: PlugRequest): Promise<void> {
  const tap = tapDevice(req.portId);
  const qbr = qbrBridge(req.portId);
  const qvb = qvbDevice(req.portId);
  const qvo = qvoDevice(req.portId);
  await addNetns(req.netns);
  const existing = new Set((await listLinks(null)).map((l) => l.ifname));
  const host: string[] = [];
  if (!existing.has(qbr)) host.push(`link add ${qbr} type bridge forward_delay 0 stp_state 0 mcast_snooping 0`);
  if (!existing.has(tap)) host.push(`link add ${tap} mtu ${req.mtu} type veth peer name ${req.ifname} netns ${req.netns}`);
  if (!existing.has(qvb)) host.push(`link add ${qvb} mtu ${req.mtu} type veth peer name ${qvo} mtu ${req.mtu}`);
  await ipBatch(null, host);
  // Before any of them is up, so none ever solicits.
  disableIpv6([qbr, tap, qvb, qvo]);
  await ipBatch(null, [
    `link set ${tap} master ${qbr}`,
    `link set ${qvb} master ${qbr}`,
    `link set ${qbr} mtu ${req.mtu} up`,
    `link set ${tap} up`,
    `link set ${qvb} up`,
    `link set ${qvo} up`,
  ]);
  await ipBatch(req.netns, [
    `link set ${req.ifname} address ${req.mac} mtu ${req.mtu}`,
    `link set ${req.ifname} up`,
    'link set lo up',
  ]);
  if (req.userspaceDatapath) {
    await run(['ip', 'netns', 'exec', req.netns, 'ethtool', '-K', req.ifname, 'tx', 'off'], { okStatuses: [1] });
  }
  const bridge = req.bridge ?? INTEGRATION_BRIDGE;
  await vsctl(req.ovs, [
    // A trunk bridge may not exist yet: the agent makes it too, whichever comes first.
    ...(isTrunkBridge(bridge)
      ? [
          ['--may-exist', 'add-br', bridge],
          ['set', 'Bridge', bridge, `datapath_type=${req.userspaceDatapath ? 'netdev' : 'system'}`, 'fail_mode=secure'],
        ]
      : []),
    ['--may-exist', 'add-port', bridge, qvo],
    [
      'set',
      'Interface',
      qvo,
      ...(req.afxdp ? ['type=afxdp-nonpmd', 'options:xdp-mode=generic'] : []),
      `external_ids:iface-id=${req.portId}`,
      `external_ids:attached-mac=${req.mac}`,
      ...(req.deviceId ? [`external_ids:vm-uuid=${req.deviceId}`] : []),
      'external_ids:iface-status=active',
    ],
  ]);
}

/** Undoes plugHybrid; parts already gone are skipped. */
export async function unplugHybrid(portId: string, ovs: OvsEnvironment): Promise<void> {
  // From whichever bridge holds it (br-int, or a trunk bridge the agent then removes).
  await vsctl(ovs, [['--if-exists', 'del-port', qvoDevice(portId)]]);
  const existing = new Set((await listLinks(null)).map((l) => l.ifname));
  const del = [qvbDevice(portId), tapDevice(portId), qbrBridge(portId)]
    .filter((d) => existing.has(d))
    .map((d) => `link del ${d}`);
  await ipBatch(null, del);
}

export interface BridgePlugRequest {
  readonly portId: string;
  readonly networkId: string;
  readonly mac: string;
  readonly mtu: number;
  readonly netns: string;
  readonly ifname: string;
}

/**
 * Plugs an instance into its network's Linux bridge, as Nova does for vif_type `bridge` with
 * os-vif's linux_bridge plugin: the bridge `brq` + 11 characters of the network id is made if
 * the agent has not made it yet (no STP, no forwarding delay, no IPv6 address of its own), and
 * the instance's tap joins it. Unlike libvirt, the tap is left down: the agent sets it up once
 * the port's filter is in place, as it sets a tap's link from the port's admin state. By hand:
 *
 *   ip link add brqN type bridge forward_delay 0 stp_state 0; ip link set brqN addrgenmode none up
 *   ip link add tapX mtu 1450 type veth peer name eth0 netns VM; ip link set tapX master brqN
 */
export async function plugBridge(req: BridgePlugRequest): Promise<void> {
  const tap = tapDevice(req.portId);
  const bridge = linuxBridge(req.networkId);
  await addNetns(req.netns);
  const existing = new Set((await listLinks(null)).map((l) => l.ifname));
  const host: string[] = [];
  if (!existing.has(bridge)) {
    host.push(
      `link add ${bridge} type bridge forward_delay 0 stp_state 0`,
      `link set ${bridge} addrgenmode none mtu ${req.mtu} up`,
    );
  }
  if (!existing.has(tap)) host.push(`link add ${tap} mtu ${req.mtu} type veth peer name ${req.ifname} netns ${req.netns}`);
  host.push(`link set ${tap} master ${bridge}`);
  await ipBatch(null, host);
  await ipBatch(req.netns, [
    `link set ${req.ifname} address ${req.mac} mtu ${req.mtu}`,
    `link set ${req.ifname} up`,
    'link set lo up',
  ]);
}

/** Undoes plugBridge: the tap goes (and its peer with it); the bridge is the agent's. */
export async function unplugBridge(portId: string): Promise<void> {
  const tap = tapDevice(portId);
  if ((await listLinks(null)).some((l) => l.ifname === tap)) await ipBatch(null, [`link del ${tap}`]);
}

/** Whether the host has (part of) the hybrid plug of a port: its qbr bridge or its qvo end. */
export async function hasHybridPlug(portId: string): Promise<boolean> {
  const hybrid = new Set([qbrBridge(portId), qvoDevice(portId)]);
  return (await listLinks(null)).some((l) => hybrid.has(l.ifname));
}

/** The interface types ovs-vswitchd can open (`ovs-vsctl get Open_vSwitch . iface_types`). */
export async function ovsInterfaceTypes(ovs: OvsEnvironment): Promise<string[]> {
  const text = await vsctl(ovs, [['get', 'Open_vSwitch', '.', 'iface_types']]).catch(() => '[]');
  return text
    .replace(/[[\]\s]/g, '')
    .split(',')
    .filter(Boolean);
}
