/**
 * Every Linux and OVS name Quark creates is made here, so that an operator who knows Neutron
 * finds the same names, and so that the 15-character kernel limit (IFNAMSIZ 16 with the NUL)
 * is checked in one place. Device names are a 3-character prefix plus the first 11 characters of
 * the port id, as Neutron and os-vif do (`tap3c9b4a1e-2f`).
 */
import { createHash } from 'node:crypto';
import { NAMESPACE_DNS, uuid5 } from './uuid5.js';

/** Linux refuses longer interface names. */
export const MAX_DEVICE_NAME = 15;
const PORT_ID_CHARS = 11;

export type DevicePrefix = 'tap' | 'qbr' | 'qvb' | 'qvo' | 'qr-' | 'qg-' | 'ha-' | 'ns-';

function device(prefix: DevicePrefix, portId: string): string {
  return prefix + portId.slice(0, PORT_ID_CHARS);
}

/** Whether `name` is a device of the kind `prefix` names (`isDevice('qg-', 'qg-3c9b4a1e-2f')`). */
export const isDevice = (prefix: DevicePrefix, name: string): boolean => name.startsWith(prefix);

/** The instance's (or DHCP server's) interface: `tap` + 11 characters of the port id. */
export const tapDevice = (portId: string): string => device('tap', portId);
/** The per-port Linux bridge of the hybrid plug, where iptables sees the port's traffic. */
export const qbrBridge = (portId: string): string => device('qbr', portId);
/** The veth end inside qbr. */
export const qvbDevice = (portId: string): string => device('qvb', portId);
/** The veth end on br-int. */
export const qvoDevice = (portId: string): string => device('qvo', portId);
/** A router's interface on a tenant subnet. */
export const qrDevice = (portId: string): string => device('qr-', portId);
/** A router's interface on the external network. */
export const qgDevice = (portId: string): string => device('qg-', portId);
/** A DHCP server's interface inside its qdhcp namespace (the veth peer of its `tap…` on br-int). */
export const nsDevice = (portId: string): string => device('ns-', portId);

export const DHCP_NAMESPACE_PREFIX = 'qdhcp-';
export const ROUTER_NAMESPACE_PREFIX = 'qrouter-';
export const dhcpNamespace = (networkId: string): string => `${DHCP_NAMESPACE_PREFIX}${networkId}`;
export const routerNamespace = (routerId: string): string => `${ROUTER_NAMESPACE_PREFIX}${routerId}`;

/** The network or router a namespace serves, from its name; null for a namespace Quark does not make. */
export function namespaceOwner(name: string): { readonly kind: 'network' | 'router'; readonly id: string } | null {
  if (name.startsWith(DHCP_NAMESPACE_PREFIX)) return { kind: 'network', id: name.slice(DHCP_NAMESPACE_PREFIX.length) };
  if (name.startsWith(ROUTER_NAMESPACE_PREFIX)) return { kind: 'router', id: name.slice(ROUTER_NAMESPACE_PREFIX.length) };
  return null;
}

export const INTEGRATION_BRIDGE = 'br-int';
export const TUNNEL_BRIDGE = 'br-tun';
/** The provider bridge of the external network, as Neutron's deployments and the lab name it. */
export const EXTERNAL_BRIDGE = 'br-ex';
/**
 * The VLAN tag of a br-int port that is not wired (port or network down, or not bound here):
 * br-int drops its traffic (Neutron's DEAD_VLAN_TAG, the largest 12-bit VLAN id).
 */
export const DEAD_VLAN = 4095;
/** Userspace datapath only: the bridge that owns the underlay address so OVS can tunnel. */
export const UNDERLAY_BRIDGE = 'br-phy';
export const PATCH_INT_TO_TUN = 'patch-tun';
export const PATCH_TUN_TO_INT = 'patch-int';

/** Patch ports between br-int and a provider bridge such as br-ex: `int-br-ex` / `phy-br-ex`. */
export const intToPhysPatch = (bridge: string): string => `int-${bridge}`;
export const physToIntPatch = (bridge: string): string => `phy-${bridge}`;
/** The provider bridge a patch port of either side leads to or comes from (`int-br-ex` → `br-ex`), else null. */
export function patchedBridge(port: string): string | null {
  const m = /^(int|phy)-(.+)$/.exec(port);
  return m ? m[2]! : null;
}

/**
 * Trunks, as Neutron's Open vSwitch trunk driver names them (neutron/services/trunk/drivers/
 * openvswitch/utils.py and agent/trunk_manager.py): the trunk bridge `tbr-` + the trunk id, cut to
 * 14 characters (`gen_trunk_br_name` keeps one below the limit); the parent's patch pair `tpi-`
 * (on br-int) / `tpt-` (on the trunk bridge) and each subport's `spi-` / `spt-`, + the port id
 * cut to 15 characters.
 */
export const TRUNK_BRIDGE_PREFIX = 'tbr-';
export const trunkBridge = (trunkId: string): string => `${TRUNK_BRIDGE_PREFIX}${trunkId}`.slice(0, MAX_DEVICE_NAME - 1);
export const isTrunkBridge = (name: string): boolean => name.startsWith(TRUNK_BRIDGE_PREFIX);
export type TrunkPatchPrefix = 'tpi-' | 'tpt-' | 'spi-' | 'spt-';
export const trunkPatch = (prefix: TrunkPatchPrefix, portId: string): string => `${prefix}${portId}`.slice(0, MAX_DEVICE_NAME);
/** Whether a port name is one of the patch ports a trunk is wired with (Neutron's is_trunk_service_port). */
export const isTrunkPatch = (name: string): boolean => /^(tp|sp)[it]-/.test(name);

/**
 * The Linux bridge agent's names (Neutron's linuxbridge_neutron_agent.py): one bridge per
 * network, `brq` + the first 11 characters of the network id (Nova derives the same name for
 * vif_type `bridge`), and one VXLAN device per VNI, `vxlan-<vni>` (at most `vxlan-16777215`).
 */
export const LINUX_BRIDGE_PREFIX = 'brq';
export const VXLAN_DEVICE_PREFIX = 'vxlan-';
export const linuxBridge = (networkId: string): string => LINUX_BRIDGE_PREFIX + networkId.slice(0, PORT_ID_CHARS);
export const vxlanDevice = (vni: number): string => `${VXLAN_DEVICE_PREFIX}${vni}`;

/**
 * A VLAN sub-interface of a provider network, `<interface>.<vlan>` as Neutron names it; when
 * that exceeds 15 characters the interface name is cut and 6 hex digits of a SHA-1 of it are
 * added, as neutron.plugins.common.utils.get_interface_name does.
 */
export function vlanSubinterface(physicalInterface: string, vlan: number): string {
  const postfix = `.${vlan}`;
  if (physicalInterface.length + postfix.length <= MAX_DEVICE_NAME) return physicalInterface + postfix;
  const hash = createHash('sha1').update(physicalInterface, 'utf8').digest('hex').slice(0, 6);
  return physicalInterface.slice(0, MAX_DEVICE_NAME - postfix.length - 6) + hash + postfix;
}

export type TunnelType = 'gre' | 'vxlan';

/**
 * A tunnel port is named after the remote endpoint, as Neutron's agent does: `gre-c6120002` for
 * remote 198.18.0.2. The hex form fits 15 characters for every IPv4 address.
 */
export function tunnelPort(type: TunnelType, remoteIp: string): string {
  const hex = remoteIp
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join('');
  return `${type}-${hex}`;
}

/** iptables chains owned by the L2 agent's firewall start with this (Neutron: `neutron-openvswi-`). */
export const FIREWALL_CHAIN_PREFIX = 'quark-fw-';
/** iptables chains owned by the L3 agent inside qrouter namespaces (Neutron: `neutron-l3-agent-`). */
export const L3_CHAIN_PREFIX = 'quark-l3-';

/**
 * The L3 agent's chains in a qrouter namespace, as Neutron's wrapped `neutron-l3-agent-<name>`:
 * nat PREROUTING/OUTPUT (DNAT of floating IPs), POSTROUTING (no NAT east-west, then `snat`),
 * `snat` (default and hairpin SNAT), `float-snat` (SNAT of fixed IPs to their floating IPs),
 * and mangle `mark` (marks what enters from the external network); with a metadata proxy, filter
 * INPUT (only redirected metadata requests reach the proxy) and FORWARD (nor are they routed on).
 * See docs/l3.md and docs/metadata.md.
 */
export type L3ChainName =
  | 'PREROUTING'
  | 'OUTPUT'
  | 'POSTROUTING'
  | 'snat'
  | 'float-snat'
  | 'mark'
  | 'INPUT'
  | 'FORWARD'
  | 'fip-pf'
  | 'cth';
export const l3Chain = (name: L3ChainName): string => `${L3_CHAIN_PREFIX}${name}`;

/** iptables keeps chain names below 29 characters. */
const MAX_CHAIN_NAME = 28;

/**
 * A port forwarding's nat chain, jumped to from `quark-l3-fip-pf` (Neutron: `neutron-l3-agent-pf-`
 * + 8 characters of the id); 16 characters of the id here (docs/port-forwarding.md).
 */
export const portForwardingChain = (id: string): string => `${L3_CHAIN_PREFIX}pf-${id}`.slice(0, MAX_CHAIN_NAME);

/** A conntrack helper's raw chain, jumped to from `quark-l3-cth` (Neutron: `neutron-l3-agent-cth-`…). */
export const conntrackHelperChain = (id: string): string => `${L3_CHAIN_PREFIX}cth-${id}`.slice(0, MAX_CHAIN_NAME);

/** Metering chains in a qrouter namespace (Neutron's metering agent: `neutron-meter-`). */
export const METERING_CHAIN_PREFIX = 'quark-meter-';
/** filter FORWARD jumps here; it jumps to each label's rules chain. */
export const METERING_FORWARD_CHAIN = `${METERING_CHAIN_PREFIX}FORWARD`;

/**
 * A metering label's chains: `r` holds its rules, which jump to `l` (one rule matching
 * everything, whose counters are the label's traffic), as Neutron's `neutron-meter-r-`/`-l-` +
 * the label id, cut to iptables' length.
 */
export const meteringChain = (kind: 'l' | 'r', labelId: string): string =>
  `${METERING_CHAIN_PREFIX}${kind}-${labelId}`.slice(0, MAX_CHAIN_NAME);

/**
 * Per-port firewall chains: `i` (ingress), `o` (egress), `s` (anti-spoofing) + 10 characters of
 * the port id, as Neutron names `neutron-openvswi-i3c9b4a1e-2`.
 */
export function portChain(direction: 'i' | 'o' | 's', portId: string): string {
  return `${FIREWALL_CHAIN_PREFIX}${direction}${portId.slice(0, 10)}`;
}

/** The firewall's chains hooked into the built-in ones (Neutron: `neutron-openvswi-FORWARD`…). */
export const FIREWALL_FORWARD_CHAIN = `${FIREWALL_CHAIN_PREFIX}FORWARD`;
export const FIREWALL_INPUT_CHAIN = `${FIREWALL_CHAIN_PREFIX}INPUT`;
/** raw table: sets each port's conntrack zone. */
export const FIREWALL_ZONE_CHAIN = `${FIREWALL_CHAIN_PREFIX}PREROUTING`;
/** Dispatches bridged traffic to the port chains; accepts what they return. */
export const FIREWALL_SG_CHAIN = `${FIREWALL_CHAIN_PREFIX}sg-chain`;
/** Drops whatever no rule allowed. */
export const FIREWALL_FALLBACK_CHAIN = `${FIREWALL_CHAIN_PREFIX}sg-fallback`;

/**
 * The chain holding the rules of a set of security groups for one direction (`gi` ingress, `go`
 * egress), shared by every port of the host with exactly those groups: `quark-fw-gi` + 10
 * characters of the group id for one group, or of a hash of the sorted ids for several (a hash
 * has no dash, a group id has one at that place, so the two never meet). Port chains jump to
 * it, so a rule change rewrites one chain, not one per port.
 */
export function groupRulesChain(direction: 'i' | 'o', groupIds: readonly string[]): string {
  const key = groupIds.length === 1 ? groupIds[0]!.slice(0, 10) : fnv1a64([...groupIds].sort().join(',')).slice(0, 10);
  return `${FIREWALL_CHAIN_PREFIX}g${direction}${key}`;
}

/** 64-bit FNV-1a as 16 hex digits: stable, dependency-free, enough to tell a host's group sets apart. */
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) h = ((h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** ipset names: `Q` + ethertype + security group id, within ipset's 31-character limit. */
export function remoteGroupSet(ethertype: 'IPv4' | 'IPv6', securityGroupId: string): string {
  return `Q${ethertype}${securityGroupId}`.slice(0, 29);
}

/**
 * The ipset of an address group's addresses of one family (`security-groups-remote-address-group`):
 * `QA` + `IPv4`/`IPv6` + the group id, cut to 29 characters like remoteGroupSet's, from which the
 * `QA` keeps it apart (those start `QIPv`).
 */
export function addressGroupSet(ethertype: 'IPv4' | 'IPv6', addressGroupId: string): string {
  return `QA${ethertype}${addressGroupId}`.slice(0, 29);
}

/**
 * The chain holding a logged port's security group rules for one direction (`li` ingress, `lo`
 * egress): a port that a network log covers gets its own copy of its groups' rules with NFLOG
 * rules beside them, since the log records name the port (docs/security-group-logging.md).
 */
export function loggedRulesChain(direction: 'i' | 'o', portId: string): string {
  return `${FIREWALL_CHAIN_PREFIX}l${direction}${portId.slice(0, 10)}`;
}

/** DHCP port device_id, as Neutron derives it from the agent host and the network. */
export function dhcpDeviceId(hostUuid: string, networkId: string): string {
  return `dhcp${hostUuid}-${networkId}`;
}

/** Neutron's host uuid: `uuid5(NAMESPACE_DNS, hostname)`. */
export const dhcpHostUuid = (host: string): string => uuid5(NAMESPACE_DNS, host);

/** The device_id of the DHCP port that `host`'s DHCP agent keeps on a network. */
export const dhcpPortDeviceId = (host: string, networkId: string): string => dhcpDeviceId(dhcpHostUuid(host), networkId);

/** Per-network directory of dnsmasq's files under the agent's state directory: `<stateDir>/dhcp/<network id>`. */
export const dhcpStateDir = (stateDir: string, networkId: string): string => `${stateDir.replace(/\/+$/, '')}/dhcp/${networkId}`;

/** Per-router directory of radvd's files (Neutron's `ra_confs`): `<stateDir>/ra/<router id>`. */
export const radvdStateDir = (stateDir: string, routerId: string): string => `${stateDir.replace(/\/+$/, '')}/ra/${routerId}`;

/**
 * Per-router or per-network directory of a metadata proxy's files (Neutron's
 * `<state_path>/external/pids` and `ns-metadata-proxy` configs): `<stateDir>/metadata-proxy/<id>`.
 */
export const metadataProxyStateDir = (stateDir: string, id: string): string =>
  `${stateDir.replace(/\/+$/, '')}/metadata-proxy/${id}`;

/**
 * Names of things a lab or a test makes on the machine all start with a prefix such as `qk3f`.
 * The prefix keeps them apart from the host's own devices and from other runs, and lets
 * cleanup find leftovers after a crash.
 */
export function labName(prefix: string, suffix: string): string {
  return `${prefix}-${suffix}`;
}
