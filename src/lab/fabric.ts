/**
 * The physical networks of the lab. The management network joins the controller (the root
 * namespace, which runs the server) to every node through a bridge `<prefix>-mgmt`, the one
 * device the lab puts in the root namespace. The underlay (tunnels) and the external network
 * (provider network of br-ex, and the `internet` host) are bridges inside a namespace of
 * their own, `<prefix>-fabric`, so nothing of them is visible from the root namespace.
 */
import { run } from '../dataplane/drivers/exec.js';
import { addNetns, deleteLinks, deleteNetns, ipBatch, listLinks } from '../dataplane/drivers/ip.js';
import type { NodeHandle } from './node.js';
import { nodeRun } from './node.js';

export interface FabricAddresses {
  /** Management network; the controller takes the first host address. */
  readonly management: string;
  /** Underlay network (tunnel endpoints). */
  readonly underlay: string;
  /** External network. */
  readonly external: string;
  /** The internet host's address on the external network (the upstream gateway); default its first host address. */
  readonly internet?: string;
  /** The internet host's IPv6 address and prefix on the external network (`2001:db8:ffff::1/64`), if it has one. */
  readonly internet6?: string;
}

export const DEFAULT_ADDRESSES: FabricAddresses = {
  management: '198.18.0.0/24',
  underlay: '198.18.1.0/24',
  external: '203.0.113.0/24',
};

/**
 * The first /24 from `first` upward, skipping `skip`, that no route of the root namespace
 * (`ip -4 route show` output) names: the management network is the one network of a lab in the
 * root namespace, so two labs (or a lab and a test) must not share it.
 */
export function freeManagementNetwork(routes: string, first: string, skip: readonly string[] = []): string {
  const [a, b, c] = first.split('/')[0]!.split('.').map(Number) as [number, number, number];
  for (let n = b * 256 + c; n < (b + 1) * 256; n++) {
    const cidr = `${a}.${Math.floor(n / 256)}.${n % 256}.0/24`;
    if (!skip.includes(cidr) && !routes.split('\n').some((r) => r.startsWith(`${cidr} `))) return cidr;
  }
  throw new Error(`no free management network from ${first} (every /24 up to ${a}.${b}.255.0 is routed here)`);
}

/** The `index`-th host address of a /24-or-larger IPv4 network ("198.18.0.0/24", 1 → 198.18.0.1). */
export function hostAddress(cidr: string, index: number): string {
  const [base, len] = cidr.split('/') as [string, string];
  const n = base.split('.').reduce((a, o) => a * 256 + Number(o), 0) + index;
  return `${[24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')}/${len}`;
}

export const address = (cidr: string, index: number) => hostAddress(cidr, index).split('/')[0]!;

export interface Fabric {
  readonly prefix: string;
  readonly netns: string;
  readonly mgmtBridge: string;
  readonly internetNetns: string;
  readonly addresses: FabricAddresses;
  readonly controllerIp: string;
  readonly internetIp: string;
  /** The internet host's IPv6 address, or null. */
  readonly internetIp6: string | null;
}

export async function createFabric(prefix: string, addresses: FabricAddresses): Promise<Fabric> {
  const fabric: Fabric = {
    prefix,
    netns: `${prefix}-fabric`,
    mgmtBridge: `${prefix}-mgmt`,
    internetNetns: `${prefix}-internet`,
    addresses,
    controllerIp: address(addresses.management, 1),
    internetIp: addresses.internet ?? address(addresses.external, 1),
    internetIp6: addresses.internet6?.split('/')[0] ?? null,
  };
  await addNetns(fabric.netns);
  await addNetns(fabric.internetNetns);
  const rootLinks = new Set((await listLinks(null)).map((l) => l.ifname));
  if (!rootLinks.has(fabric.mgmtBridge)) {
    await ipBatch(null, [
      `link add ${fabric.mgmtBridge} type bridge forward_delay 0 stp_state 0`,
      `addr add ${hostAddress(addresses.management, 1)} dev ${fabric.mgmtBridge}`,
      `link set ${fabric.mgmtBridge} up`,
    ]);
  }
  await ipBatch(fabric.netns, [
    'link set lo up',
    'link add ul type bridge forward_delay 0 stp_state 0',
    'link add ext type bridge forward_delay 0 stp_state 0',
    'link set ul up',
    'link set ext up',
  ]);
  await ipBatch(null, [`link add inet netns ${fabric.netns} type veth peer name eth0 netns ${fabric.internetNetns}`]);
  await ipBatch(fabric.netns, ['link set inet master ext', 'link set inet up']);
  await ipBatch(fabric.internetNetns, [
    'link set lo up',
    `addr add ${addresses.internet ? `${addresses.internet}/${addresses.external.split('/')[1]}` : hostAddress(addresses.external, 1)} dev eth0`,
    ...(addresses.internet6 ? [`addr add ${addresses.internet6} dev eth0 nodad`] : []),
    'link set eth0 up',
  ]);
  // The internet host's kernel sends towards br-ex, a userspace OVS port: its checksums must be complete.
  await run(['ip', 'netns', 'exec', fabric.internetNetns, 'ethtool', '-K', 'eth0', 'tx', 'off'], { okStatuses: [1] });
  return fabric;
}

export interface NodeLinks {
  readonly managementIp: string;
  readonly underlayIp: string | null;
  /** The node's interface on the external network (for br-ex), if it has one. */
  readonly externalInterface: string | null;
}

/**
 * Cables a node: `mgmt0` to the management bridge, `eth1` to the underlay (with the node's
 * tunnel address), and `eth2` to the external network for nodes that carry it.
 */
export async function connectNode(
  fabric: Fabric,
  node: NodeHandle,
  index: number,
  options: { external: boolean },
): Promise<NodeLinks> {
  const mgmtPeer = `${fabric.prefix}m${index}`;
  const managementIp = address(fabric.addresses.management, 10 + index);
  const underlayIp = address(fabric.addresses.underlay, 10 + index);
  const root = [
    `link add ${mgmtPeer} type veth peer name mgmt0 netns ${node.netns}`,
    `link set ${mgmtPeer} master ${fabric.mgmtBridge}`,
    `link set ${mgmtPeer} up`,
  ];
  root.push(`link add ul${index} netns ${fabric.netns} type veth peer name eth1 netns ${node.netns}`);
  if (options.external) root.push(`link add ex${index} netns ${fabric.netns} type veth peer name eth2 netns ${node.netns}`);
  await ipBatch(null, root);
  const inFabric = [`link set ul${index} master ul`, `link set ul${index} up`];
  if (options.external) inFabric.push(`link set ex${index} master ext`, `link set ex${index} up`);
  await ipBatch(fabric.netns, inFabric);
  await nodeRun(
    node,
    ['ip', '-batch', '-'],
    [
      `addr add ${hostAddress(fabric.addresses.management, 10 + index)} dev mgmt0`,
      'link set mgmt0 up',
      `addr add ${hostAddress(fabric.addresses.underlay, 10 + index)} dev eth1`,
      'link set eth1 up',
      ...(options.external ? ['link set eth2 up'] : []),
    ].join('\n'),
  );
  return { managementIp, underlayIp, externalInterface: options.external ? 'eth2' : null };
}

export async function destroyFabric(fabric: Pick<Fabric, 'netns' | 'mgmtBridge' | 'internetNetns' | 'prefix'>): Promise<void> {
  const rootLinks = await listLinks(null);
  // Management veths of nodes go with their node namespaces; the bridge is removed explicitly.
  const ours = rootLinks.filter((l) => l.ifname === fabric.mgmtBridge || new RegExp(`^${fabric.prefix}m\\d+$`).test(l.ifname));
  await deleteLinks(
    null,
    ours.map((l) => l.ifname),
  );
  await deleteNetns(fabric.internetNetns);
  await deleteNetns(fabric.netns);
}
