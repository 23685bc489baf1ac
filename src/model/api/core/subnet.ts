/** The core `subnet` resource of Neutron v2.0. */
import type { ResourceDeclaration } from '../attribute.js';
import { standardAttributes } from '../standard.js';
import { QuarkError } from '../../errors.js';
import { type Convert, bool, cidr, dict, intIn, ip, listOf, nullable, oneOf, str, subnetCidr, uuid } from '../validators.js';

const ipv6Modes = nullable(oneOf(['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'] as const));

/**
 * subnet-service-types: device owners the subnet gives addresses to. neutron-lib's
 * validate_subnet_service_types accepts the prefixes `network:` and `neutron:` and, through
 * `prefixes += 'compute:'` adding the string's characters, any type whose first character is one
 * of `compute:` (so `test:type_1` passes); Quark accepts exactly the same.
 */
const serviceTypes: Convert<string[]> = (v, field) => {
  if (!Array.isArray(v)) throw new QuarkError('HTTPBadRequest', 'Subnet service types must be a list.');
  for (const t of v) {
    if (typeof t !== 'string') {
      throw new QuarkError('InvalidInput', `Invalid input for operation: Subnet service type ${String(t)} is not a string.`);
    }
    if (!['network:', 'neutron:', ...'compute:'].some((p) => t.startsWith(p))) {
      throw new QuarkError(
        'InvalidInput',
        `Invalid input for operation: Subnet service type ${t} does not correspond to a valid device owner.`,
      );
    }
  }
  return listOf(str(255))(v, field);
};

export const subnets = {
  member: 'subnet',
  collection: 'subnets',
  path: 'subnets',
  attributes: {
    ...standardAttributes,
    network_id: { post: true, required: true, convert: uuid, filter: 'string', sort: true },
    ip_version: { post: true, required: true, convert: intIn([4, 6] as const), filter: 'integer', sort: true },
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
    service_types: { post: true, put: true, convert: serviceTypes, default: [] },
    // Not shown, only filtered on: whether the subnet's network is shared with the caller.
    shared: { visible: false, filter: 'custom' },
  },
} satisfies ResourceDeclaration;
