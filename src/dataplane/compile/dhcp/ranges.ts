/**
 * How dnsmasq serves each DHCP-enabled subnet, as Neutron's dnsmasq driver decides: IPv4 and
 * DHCPv6 (stateful, stateless, or IPv6 without modes) get a `static` range, so dnsmasq answers
 * only the MACs of the hosts file with the addresses the API allocated; SLAAC subnets get none
 * (addresses come from router advertisements, which the router sends, not dnsmasq), nor do IPv6
 * subnets longer than /64, which DHCPv6 ranges cannot describe.
 */
import { mustParseCidr } from '../../../model/ipam.js';
import { formatIp } from '../../../model/ip/address.js';
import { cidrSize, netmaskOf } from '../../../model/ip/cidr.js';
import type { Subnet } from '../../../model/resources.js';

/** The dnsmasq tag of a subnet's range and options (Neutron's `subnet-<id>`). */
export const subnetTag = (subnet: Pick<Subnet, 'id'>): string => `subnet-${subnet.id}`;

export function hasRange(subnet: Subnet): boolean {
  if (!subnet.enable_dhcp) return false;
  if (subnet.ip_version === 4) return true;
  return subnet.ipv6_address_mode !== 'slaac' && mustParseCidr(subnet.cidr).prefixLength <= 64;
}

/** Whether dnsmasq hands out the address itself (IPv4, stateful DHCPv6): only those go into the hosts file. */
export function assignsAddresses(subnet: Subnet): boolean {
  return hasRange(subnet) && (subnet.ip_version === 4 || subnet.ipv6_address_mode !== 'dhcpv6-stateless');
}

/** `--dhcp-range=set:subnet-<id>,<network address>,static,<netmask | prefix length>,<lease>` */
export function rangeArg(subnet: Subnet, lease: string): string {
  const cidr = mustParseCidr(subnet.cidr);
  const start = formatIp({ version: cidr.version, value: cidr.network });
  const mask = cidr.version === 4 ? netmaskOf(cidr) : String(cidr.prefixLength);
  return `--dhcp-range=set:${subnetTag(subnet)},${start},static,${mask},${lease}`;
}

/** How many leases the ranges can need, capped as Neutron caps it (dnsmasq_lease_max, 2^24). */
export function leaseMax(subnets: readonly Subnet[]): number {
  const cap = 2n ** 24n;
  let total = 0n;
  for (const s of subnets) total += cidrSize(mustParseCidr(s.cidr));
  return Number(total < cap ? total : cap);
}
