/**
 * The files one dnsmasq reads, written as Neutron's dnsmasq driver writes them:
 *
 *   host        `<mac>,host-10-0-0-5.openstacklocal,10.0.0.5` for every address dnsmasq hands out
 *               (IPv4 and stateful DHCPv6; IPv6 in brackets): the static reservations. With a
 *               DNS domain other than `openstacklocal`, a port's dns_name replaces host-<address>.
 *   addn_hosts  `10.0.0.5<TAB>host-10-0-0-5.openstacklocal host-10-0-0-5`: DNS names of every
 *               address on a DHCP-enabled subnet, lease or not.
 *   opts        per subnet, tagged `tag:subnet-<id>`: router, dns-server, classless static
 *               routes (121, and 249 for Windows; the metadata route of isolated subnets);
 *               IPv6: dns-server and domain-search. Per port with extra_dhcp_opts, tagged
 *               `tag:port-<id>` (its host lines `set:` that tag): each option of an IP version
 *               the port has an address of.
 *
 * dnsmasq re-reads all three on SIGHUP, so port and subnet option changes need no restart.
 */
import { DEFAULT_DNS_DOMAIN } from '../../../model/dns.js';
import { mustParseIp } from '../../../model/ipam.js';
import { METADATA_ADDRESS } from '../../../model/metadata.js';
import { type IpAddress, compareIp } from '../../../model/ip/address.js';
import type { Port, Subnet } from '../../../model/resources.js';
import { assignsAddresses, subnetTag } from './ranges.js';

interface Address {
  readonly port: Port;
  readonly mac: string;
  readonly ip: string;
  readonly value: IpAddress;
  readonly subnet: Subnet;
}

/** `host-10-0-0-5` (Neutron replaces the dots and colons of the address). */
export const dhcpHostname = (ip: string): string => `host-${ip.replace(/[.:]/g, '-')}`;

/**
 * The name an address goes by: the port's dns_name when the domain is not the default one
 * (Neutron's dns_assignment), else `host-<address>`; with its fully qualified form.
 */
function namesOf(a: Address, domain: string): { hostname: string; fqdn: string } {
  const dnsName = domain !== DEFAULT_DNS_DOMAIN ? (a.port.dns_name ?? '') : '';
  if (dnsName.endsWith('.')) return { hostname: dnsName.split('.')[0]!, fqdn: dnsName.slice(0, -1) };
  const hostname = dnsName || dhcpHostname(a.ip);
  return { hostname, fqdn: `${hostname}.${domain}` };
}

const literal = (ip: string): string => (ip.includes(':') ? `[${ip}]` : ip);

/** Every address of the network's ports on one of `subnets`, by family and address. */
function addressesOn(ports: readonly Port[], subnets: readonly Subnet[]): Address[] {
  const byId = new Map(subnets.map((s) => [s.id, s]));
  const out: Address[] = [];
  for (const p of ports) {
    for (const f of p.fixed_ips) {
      const subnet = byId.get(f.subnet_id);
      if (subnet) out.push({ port: p, mac: p.mac_address, ip: f.ip_address, value: mustParseIp(f.ip_address), subnet });
    }
  }
  return out.sort((a, b) => compareIp(a.value, b.value) || (a.mac < b.mac ? -1 : 1));
}

/** The tag of a port's own options: Neutron's `port-<id>`. */
export const portTag = (port: Port): string => `port-${port.id}`;

const hasExtraOptions = (port: Port): boolean => (port.extra_dhcp_opts ?? []).length > 0;

/** The hosts file (`--dhcp-hostsfile`): reservations on the subnets dnsmasq serves. */
export function hostsFile(ports: readonly Port[], served: readonly Subnet[], domain: string): string {
  return addressesOn(ports, served.filter(assignsAddresses))
    .map((a) => {
      const tag = hasExtraOptions(a.port) ? `,set:${portTag(a.port)}` : '';
      return `${a.mac},${namesOf(a, domain).fqdn},${literal(a.ip)}${tag}\n`;
    })
    .join('');
}

/** The extra hosts file (`--addn-hosts`): names for every address on a DHCP-enabled subnet. */
export function addnHostsFile(ports: readonly Port[], dhcpSubnets: readonly Subnet[], domain: string): string {
  return addressesOn(ports, dhcpSubnets)
    .map((a) => {
      const { hostname, fqdn } = namesOf(a, domain);
      return `${a.ip}\t${fqdn} ${hostname}\n`;
    })
    .join('');
}

function option(subnet: Subnet, name: string, values: readonly string[]): string {
  const key = /^\d+$/.test(name) ? name : `${subnet.ip_version === 4 ? 'option' : 'option6'}:${name}`;
  return [`tag:${subnetTag(subnet)}`, key, ...values].join(',');
}

/**
 * Routes for option 121: on-link routes to the network's other IPv4 subnets, then the subnet's
 * host_routes; a host route to 0.0.0.0/0 stands in for a missing gateway. When any route is
 * sent the default route goes with it, since RFC 3442 clients ignore the router option then.
 */
function classlessRoutes(
  subnet: Subnet,
  all: readonly Subnet[],
  metadataVia: string | undefined,
): { routes: string[]; gateway: string | null } {
  let gateway = subnet.gateway_ip;
  const routes: string[] = [];
  for (const other of all) {
    if (other.ip_version === 4 && other.cidr !== subnet.cidr && other.segment_id === subnet.segment_id)
      routes.push(`${other.cidr},0.0.0.0`);
  }
  for (const r of subnet.host_routes) {
    if (r.destination === '0.0.0.0/0') gateway ??= r.nexthop;
    else routes.push(`${r.destination},${r.nexthop}`);
  }
  if (metadataVia) routes.push(`${METADATA_ADDRESS}/32,${metadataVia}`);
  if (routes.length > 0 && gateway) routes.push(`0.0.0.0/0,${gateway}`);
  return { routes, gateway };
}

/**
 * A port's own options, as Neutron's _generate_opts_per_port and _format_option write them: IPv4
 * options by number or `option:<name>`, IPv6 as `option6:<name>`, only for the IP versions the
 * port has an address of. Client-id options are left out (Neutron puts them in the hosts file).
 */
function portOptions(port: Port): string[] {
  const versions = new Set(port.fixed_ips.map((f) => (f.ip_address.includes(':') ? 6 : 4)));
  return (port.extra_dhcp_opts ?? [])
    .filter((o) => versions.has(o.ip_version) && !['client-id', '61'].includes(o.opt_name))
    .map((o) => {
      const value = o.opt_value.split('\n')[0]!;
      const key = o.ip_version === 6 ? `option6:${o.opt_name}` : /^\d+$/.test(o.opt_name) ? o.opt_name : `option:${o.opt_name}`;
      return [`tag:${portTag(port)}`, key, value].join(',');
    });
}

/**
 * The options file (`--dhcp-optsfile`) for the subnets dnsmasq serves and the network's ports
 * (their extra_dhcp_opts). `metadataVia` gives the
 * IPv4 subnets whose instances reach 169.254.169.254 through the DHCP port (isolated metadata,
 * Neutron's `169.254.169.254/32,<dhcp ip>` host route), by subnet id.
 */
export function optsFile(
  served: readonly Subnet[],
  all: readonly Subnet[],
  domain: string,
  metadataVia: ReadonlyMap<string, string> = new Map(),
  ports: readonly Port[] = [],
): string {
  const lines: string[] = [];
  for (const s of served) {
    // No dns_nameservers: dnsmasq offers itself. ['0.0.0.0'] (or ['::']) means "announce none".
    if (s.dns_nameservers.length > 0) {
      const none = s.dns_nameservers.length === 1 && ['0.0.0.0', '::'].includes(s.dns_nameservers[0]!);
      lines.push(option(s, 'dns-server', none ? [] : s.dns_nameservers.map(literal)));
    }
    if (s.ip_version === 6) {
      lines.push(option(s, 'domain-search', [domain]));
      continue;
    }
    const { routes, gateway } = classlessRoutes(s, all, metadataVia.get(s.id));
    if (routes.length > 0) lines.push(option(s, 'classless-static-route', routes), option(s, '249', routes));
    lines.push(option(s, 'router', gateway ? [gateway] : []));
  }
  for (const p of ports) lines.push(...portOptions(p));
  return lines.map((l) => `${l}\n`).join('');
}
