/**
 * The documents of the metadata service, in the formats cloud-init reads from Nova:
 *
 * - OpenStack: `/openstack/<version>/meta_data.json` (uuid, name, hostname, availability zone,
 *   project, public keys, meta), `network_data.json` (links, networks and services, built as
 *   Nova's nova/virt/netutils.py get_network_metadata builds it: the first IPv4 and the first
 *   IPv6 subnet of each port; `ipv4_dhcp` where DHCP serves the address, `ipv6_<mode>` for IPv6
 *   subnets with an address mode, else static with routes and DNS), `user_data`,
 *   `vendor_data.json`.
 * - EC2: `/<version>/meta-data/…` (instance-id, hostname, local-ipv4, public-ipv4,
 *   placement/availability-zone, public-keys/0/openssh-key…) and `/<version>/user-data`.
 *
 * Pure: the server gathers the instance's ports, networks, subnets and floating IPs and its
 * catalogue record, these functions shape them.
 */
import { formatCidr, netmaskOf, parseCidr } from '../model/ip/cidr.js';
import { formatIp } from '../model/ip/address.js';
import { tapDevice } from '../model/names.js';
import type { FloatingIp, Network, Port, Subnet } from '../model/resources.js';
import type { InstanceRecord } from './catalogue.js';

/** Everything the documents of one instance are made of. */
export interface InstanceView {
  readonly id: string;
  readonly projectId: string;
  /** Its ports, by port id order (the first is its primary interface). */
  readonly ports: readonly Port[];
  readonly networks: ReadonlyMap<string, Network>;
  readonly subnets: ReadonlyMap<string, Subnet>;
  readonly floatingIps: readonly FloatingIp[];
  readonly record: InstanceRecord;
}

/** The versions Nova lists under /openstack (the dates of its format changes), then `latest`. */
export const OPENSTACK_VERSIONS = [
  '2012-08-10',
  '2013-04-04',
  '2013-10-17',
  '2015-10-15',
  '2016-06-30',
  '2016-10-06',
  '2017-02-22',
  '2018-08-27',
  '2020-10-14',
  'latest',
];
/** The EC2 versions Nova lists at `/`. */
export const EC2_VERSIONS = [
  '1.0',
  '2007-01-19',
  '2007-03-01',
  '2007-08-29',
  '2007-10-10',
  '2007-12-15',
  '2008-02-01',
  '2008-09-01',
  '2009-04-04',
  'latest',
];

export const instanceName = (v: InstanceView): string => v.record.name ?? v.ports[0]?.name ?? v.id;
export const hostname = (v: InstanceView): string =>
  v.record.hostname ??
  instanceName(v)
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-');
export const availabilityZone = (v: InstanceView): string => v.record.availability_zone ?? 'nova';

export function metaData(v: InstanceView): Record<string, unknown> {
  const keys = Object.entries(v.record.public_keys ?? {});
  return {
    uuid: v.id,
    name: instanceName(v),
    hostname: hostname(v),
    launch_index: 0,
    availability_zone: availabilityZone(v),
    project_id: v.projectId,
    public_keys: Object.fromEntries(keys),
    keys: keys.map(([name, data]) => ({ name, type: 'ssh', data })),
    meta: { ...(v.record.meta ?? {}) },
    devices: [],
  };
}

function firstSubnet(v: InstanceView, p: Port, version: 4 | 6): { subnet: Subnet; ip: string } | null {
  for (const f of p.fixed_ips) {
    const s = v.subnets.get(f.subnet_id);
    if (s?.ip_version === version) return { subnet: s, ip: f.ip_address };
  }
  return null;
}

function route(destination: string, gateway: string): Record<string, string> {
  const c = parseCidr(destination)!;
  return { network: formatIp({ version: c.version, value: c.network }), netmask: netmaskOf(c), gateway };
}

function netEntry(v: InstanceView, p: Port, version: 4 | 6, index: number, link: string): Record<string, unknown> | null {
  const found = firstSubnet(v, p, version);
  if (!found) return null;
  const { subnet, ip } = found;
  const id = `network${index}`;
  const mode = subnet.ipv6_address_mode;
  if (mode === null && subnet.enable_dhcp) return { id, type: `ipv${version}_dhcp`, link, network_id: p.network_id };
  const cidr = parseCidr(subnet.cidr)!;
  const any = version === 4 ? '0.0.0.0/0' : '::/0';
  return {
    id,
    type: mode === null ? `ipv${version}` : `ipv6_${mode}`,
    link,
    ip_address: ip,
    netmask: netmaskOf(cidr),
    routes: [
      ...(subnet.gateway_ip ? [route(any, subnet.gateway_ip)] : []),
      ...subnet.host_routes.map((r) => route(formatCidr(parseCidr(r.destination)!), r.nexthop)),
    ],
    network_id: p.network_id,
    services: subnet.dns_nameservers.map((address) => ({ type: 'dns', address })),
  };
}

export function networkData(v: InstanceView): Record<string, unknown> {
  const links: Record<string, unknown>[] = [];
  const networks: Record<string, unknown>[] = [];
  const services: { type: string; address: string }[] = [];
  for (const p of v.ports) {
    const link = tapDevice(p.id);
    links.push({
      id: link,
      vif_id: p.id,
      type: 'ovs',
      mtu: v.networks.get(p.network_id)?.mtu ?? null,
      ethernet_mac_address: p.mac_address,
    });
    for (const version of [4, 6] as const) {
      const entry = netEntry(v, p, version, networks.length, link);
      if (!entry) continue;
      networks.push(entry);
      const subnet = firstSubnet(v, p, version)!.subnet;
      for (const address of subnet.dns_nameservers)
        if (!services.some((s) => s.address === address)) services.push({ type: 'dns', address });
    }
  }
  return { links, networks, services };
}

/** The EC2 meta-data tree: a leaf is text, a branch lists its children. */
export type Ec2Tree = { readonly [key: string]: string | Ec2Tree };

export function ec2MetaData(v: InstanceView): Ec2Tree {
  const v4 = v.ports.flatMap((p) => p.fixed_ips.filter((f) => !f.ip_address.includes(':')).map((f) => f.ip_address));
  const keys = Object.entries(v.record.public_keys ?? {});
  const tree: Record<string, string | Ec2Tree> = {
    'ami-id': 'ami-00000000',
    'ami-launch-index': '0',
    hostname: hostname(v),
    'instance-id': v.id,
    'instance-type': 'quark',
    'local-hostname': hostname(v),
    'local-ipv4': v4[0] ?? '',
    'public-hostname': hostname(v),
    'public-ipv4': v.floatingIps[0]?.floating_ip_address ?? '',
    placement: { 'availability-zone': availabilityZone(v) },
    'security-groups': [...new Set(v.ports.flatMap((p) => p.security_groups))].join('\n'),
  };
  if (keys.length > 0) {
    tree['public-keys'] = Object.fromEntries(keys.map(([name, key], i) => [`${i}=${name}`, { 'openssh-key': key }]));
  }
  return tree;
}

/**
 * A path inside an EC2 tree: a leaf's text, a branch's listing (children one per line, branches
 * with a trailing slash; `public-keys/` lists `0=name` and is entered by index, as EC2), or null.
 */
export function ec2Lookup(tree: Ec2Tree, path: readonly string[]): string | null {
  let node: string | Ec2Tree = tree;
  for (const part of path) {
    if (typeof node === 'string') return null;
    const branch: Ec2Tree = node;
    const key: string | undefined = Object.keys(branch).find((k) => k === part || k.split('=')[0] === part);
    if (key === undefined) return null;
    node = branch[key]!;
  }
  if (typeof node === 'string') return node;
  return Object.entries(node)
    .map(([k, child]) => (typeof child === 'string' || k.includes('=') ? k : `${k}/`))
    .join('\n');
}
