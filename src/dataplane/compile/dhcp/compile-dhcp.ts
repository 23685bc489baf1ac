/**
 * The DHCP part of the plan, as Neutron's DHCP agent builds it for each network this host
 * serves (see served.ts): a namespace `qdhcp-<network id>`; the DHCP port plugged into it as a
 * veth pair (`tap…` on br-int, `ns-…` inside, with the port's MAC, the network's MTU and the
 * port's addresses); a default route via the first DHCP-enabled IPv4 subnet's gateway; router
 * advertisements ignored, as Neutron's DHCP agent sets `accept_ra=0` (the port's IPv6 addresses
 * are the API's, not autoconfigured); one dnsmasq with its files; and, for isolated networks,
 * a metadata proxy on 169.254.169.254 (isolated-metadata.ts). A network is plumbed only once its DHCP port exists, and a subnet is
 * served only once the port has an address on it, so dnsmasq never offers a range it cannot reach.
 */
import { mustParseCidr } from '../../../model/ipam.js';
import { METADATA_ADDRESS } from '../../../model/metadata.js';
import { dhcpNamespace, dhcpStateDir, nsDevice, tapDevice } from '../../../model/names.js';
import type { Port, Subnet } from '../../../model/resources.js';
import { DEFAULT_DHCP_SETTINGS, type DhcpSettings, type HostSettings, type ReplicaView } from '../inputs.js';
import { portBridge } from '../mechanisms.js';
import type { DnsmasqItem, NetnsItem, PlanPart, RouteItem, ServicePortItem, SysctlItem } from '../plan.js';
import { metadataProxyItem } from '../metadata-proxy.js';
import { addnHostsFile, hostsFile, optsFile } from './dnsmasq-files.js';
import { isolatedMetadataSubnets } from './isolated-metadata.js';
import { hasRange, leaseMax, rangeArg } from './ranges.js';
import { type ServedNetwork, servedNetworks } from './served.js';

function portsByNetwork(replica: ReplicaView): Map<string, Port[]> {
  const out = new Map<string, Port[]>();
  for (const p of replica.ports.values()) {
    const list = out.get(p.network_id);
    if (list) list.push(p);
    else out.set(p.network_id, [p]);
  }
  return out;
}

/** The command line (Neutron's, see docs/dhcp.md for each choice). */
export function dnsmasqArgs(
  dir: string,
  device: string,
  served: readonly Subnet[],
  mtu: number,
  settings: DhcpSettings,
): string[] {
  const lease = settings.leaseSeconds < 0 ? 'infinite' : `${settings.leaseSeconds}s`;
  return [
    '--no-hosts',
    '--no-resolv',
    `--pid-file=${dir}/pid`,
    `--dhcp-hostsfile=${dir}/host`,
    `--addn-hosts=${dir}/addn_hosts`,
    `--dhcp-optsfile=${dir}/opts`,
    `--dhcp-leasefile=${dir}/leases`,
    '--bind-dynamic',
    `--interface=${device}`,
    '--except-interface=lo',
    ...served.map((s) => rangeArg(s, lease)),
    ...(mtu > 0 ? [`--dhcp-option-force=option:mtu,${mtu}`] : []),
    `--dhcp-lease-max=${leaseMax(served)}`,
    '--conf-file=/dev/null',
    ...settings.dnsServers.map((d) => `--server=${d}`),
    `--domain=${settings.domain}`,
    '--dhcp-authoritative',
    `--log-facility=${dir}/log`,
    '--quiet-dhcp',
    '--quiet-dhcp6',
  ];
}

function servePart(net: ServedNetwork, port: Port, ports: readonly Port[], settings: HostSettings): PlanPart {
  const dhcp = settings.dhcp ?? DEFAULT_DHCP_SETTINGS;
  const netns = dhcpNamespace(net.network.id);
  const device = nsDevice(port.id);
  const origin = { kind: 'network', id: net.network.id } as const;
  const own = new Map(port.fixed_ips.map((f) => [f.subnet_id, f.ip_address]));
  const addresses = net.subnets.filter((s) => own.has(s.id)).map((s) => `${own.get(s.id)}/${mustParseCidr(s.cidr).prefixLength}`);
  const served = net.dhcpSubnets.filter((s) => own.has(s.id) && hasRange(s));
  const gateway = net.dhcpSubnets.find((s) => s.ip_version === 4 && s.gateway_ip && own.has(s.id))?.gateway_ip ?? null;
  const dir = dhcpStateDir(settings.stateDir, net.network.id);
  const metadata = isolatedMetadataSubnets(net, ports, own, settings.metadata);
  const namespace: NetnsItem = { kind: 'netns', name: netns, origin };
  const servicePort: ServicePortItem = {
    kind: 'servicePort',
    netns,
    device,
    bridgePort: tapDevice(port.id),
    bridge: portBridge(settings, port.network_id),
    portId: port.id,
    mac: port.mac_address,
    mtu: net.network.mtu,
    addresses: metadata ? [...addresses, `${METADATA_ADDRESS}/32`] : addresses,
    announce: false,
    origin: { kind: 'port', id: port.id },
  };
  const routes: RouteItem[] = gateway ? [{ kind: 'route', netns, destination: 'default', via: gateway, device, origin }] : [];
  const sysctls: SysctlItem[] = ['default', device].map((d) => ({
    kind: 'sysctl',
    netns,
    key: `net.ipv6.conf.${d}.accept_ra`,
    value: '0',
    origin,
  }));
  const dnsmasq: DnsmasqItem = {
    kind: 'dnsmasq',
    netns,
    networkId: net.network.id,
    device,
    dir,
    args: dnsmasqArgs(dir, device, served, net.network.mtu, dhcp),
    files: {
      host: hostsFile(ports, served, dhcp.domain),
      addn_hosts: addnHostsFile(ports, net.dhcpSubnets, dhcp.domain),
      opts: optsFile(served, net.subnets, dhcp.domain, metadata?.routes, ports),
    },
    origin,
  };
  const proxy = metadata
    ? metadataProxyItem(
        { kind: 'network', id: net.network.id, netns, bind: `${METADATA_ADDRESS}:80` },
        settings.stateDir,
        metadata.settings,
      )
    : null;
  return {
    namespaces: [namespace],
    servicePorts: [servicePort],
    routes,
    sysctls,
    dnsmasq: served.length > 0 ? [dnsmasq] : [],
    daemons: proxy ? [proxy] : [],
  };
}

export function compileDhcp(replica: ReplicaView, settings: HostSettings): PlanPart {
  const ports = portsByNetwork(replica);
  const parts = servedNetworks(replica, settings.host).flatMap((net) =>
    net.port ? [servePart(net, net.port, ports.get(net.network.id) ?? [], settings)] : [],
  );
  return {
    namespaces: parts.flatMap((p) => p.namespaces ?? []),
    servicePorts: parts.flatMap((p) => p.servicePorts ?? []),
    routes: parts.flatMap((p) => p.routes ?? []),
    sysctls: parts.flatMap((p) => p.sysctls ?? []),
    daemons: parts.flatMap((p) => p.daemons ?? []),
    dnsmasq: parts.flatMap((p) => p.dnsmasq ?? []),
  };
}
