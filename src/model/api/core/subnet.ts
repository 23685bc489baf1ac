/** The core `subnet` resource of Neutron v2.0. */
import type { ResourceDeclaration } from '../attribute.js';
import { standardAttributes } from '../standard.js';
import { bool, dict, intIn, ip, listOf, nullable, oneOf, subnetCidr, cidr, uuid } from '../validators.js';

const ipv6Modes = nullable(oneOf(['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'] as const));

export const subnets: ResourceDeclaration = {
  member: 'subnet',
  collection: 'subnets',
  path: 'subnets',
  attributes: {
    ...standardAttributes,
    network_id: { post: true, required: true, convert: uuid, filter: 'string', sort: true },
    ip_version: { post: true, required: true, convert: intIn([4, 6]), filter: 'integer', sort: true },
    // Not required: a subnet pool can choose it (subnet_allocation).
    cidr: { post: true, convert: subnetCidr, filter: 'string', sort: true },
    gateway_ip: { post: true, put: true, convert: nullable(ip), filter: 'string', sort: true },
    allocation_pools: {
      post: true,
      put: true,
      convert: listOf(
        dict<{ start: string; end: string }>({ start: { convert: ip, required: true }, end: { convert: ip, required: true } }),
      ),
    },
    dns_nameservers: { post: true, put: true, convert: listOf(ip, { unique: true }), default: [] },
    host_routes: {
      post: true,
      put: true,
      convert: listOf(
        dict<{ destination: string; nexthop: string }>({
          destination: { convert: cidr, required: true },
          nexthop: { convert: ip, required: true },
        }),
        { unique: true },
      ),
      default: [],
    },
    enable_dhcp: { post: true, put: true, convert: bool, default: true, filter: 'boolean', sort: true },
    ipv6_ra_mode: { post: true, convert: ipv6Modes, default: null, filter: 'string', sort: true },
    ipv6_address_mode: { post: true, convert: ipv6Modes, default: null, filter: 'string', sort: true },
    subnetpool_id: { filter: 'string' },
    segment_id: { filter: 'string' },
    service_types: {},
    // Not shown, only filtered on: whether the subnet's network is shared with the caller.
    shared: { visible: false, filter: 'custom' },
  },
};
