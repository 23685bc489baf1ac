/**
 * Extensions that add attributes to the core resources (networks, subnets, ports). Each
 * declaration is what `GET /v2.0/extensions` shows and what the attributes become.
 */
import type { ExtensionDeclaration } from '../attribute.js';
import { anyDict, bool, dict, int, ip, listOf, mac, nullable, oneOf, str } from '../validators.js';
import { cidr } from '../validators.js';
import type { Convert } from '../validators.js';

const UPDATED = '2026-11-26T00:00:00-00:00';

export const externalNet: ExtensionDeclaration = {
  alias: 'external-net',
  name: 'Neutron external network',
  description: 'Adds external network attribute to network resource.',
  updated: UPDATED,
  attributes: {
    networks: { 'router:external': { post: true, put: true, convert: bool, default: false, filter: 'boolean', sort: true } },
  },
};

export const provider: ExtensionDeclaration = {
  alias: 'provider',
  name: 'Provider Network',
  description: 'Expose mapping of virtual networks to physical networks',
  updated: UPDATED,
  attributes: {
    networks: {
      'provider:network_type': {
        post: true,
        convert: oneOf(['gre', 'vxlan', 'flat', 'vlan', 'local'] as const),
        filter: 'string',
        sort: true,
      },
      'provider:physical_network': { post: true, convert: nullable(str(64)), filter: 'string', sort: true },
      'provider:segmentation_id': { post: true, convert: nullable(int(0, 2 ** 32 - 1)), filter: 'integer', sort: true },
    },
  },
};

export const netMtu: ExtensionDeclaration = {
  alias: 'net-mtu',
  name: 'Network MTU',
  description: 'Provides MTU attribute for a network resource.',
  updated: UPDATED,
  attributes: { networks: { mtu: { filter: 'integer', sort: true } } },
};

export const netMtuWritable: ExtensionDeclaration = {
  alias: 'net-mtu-writable',
  name: 'Network MTU (writable)',
  description: 'Provides a writable MTU attribute for a network resource.',
  updated: UPDATED,
  attributes: { networks: { mtu: { post: true, put: true, convert: int(68, 65535), filter: 'integer', sort: true } } },
};

export const portSecurity: ExtensionDeclaration = {
  alias: 'port-security',
  name: 'Port Security',
  description: 'Provides port security',
  updated: UPDATED,
  attributes: {
    networks: { port_security_enabled: { post: true, put: true, convert: bool, default: true, filter: 'boolean' } },
    ports: { port_security_enabled: { post: true, put: true, convert: bool, filter: 'boolean' } },
  },
};

export const binding: ExtensionDeclaration = {
  alias: 'binding',
  name: 'Port Binding',
  description: 'Expose port bindings of a virtual port to external application',
  updated: UPDATED,
  attributes: {
    ports: {
      'binding:host_id': { post: true, put: true, convert: str(255), default: '', filter: 'string', sort: true },
      'binding:vif_type': { filter: 'string' },
      'binding:vif_details': {},
      'binding:vnic_type': {
        post: true,
        put: true,
        convert: oneOf(['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder'] as const),
        default: 'normal',
        filter: 'string',
      },
      'binding:profile': { post: true, put: true, convert: anyDict, default: {} },
    },
  },
};

/** An allowed address pair's address is an address or a prefix (Neutron accepts both). */
const ipOrCidr: Convert<string> = (v, field) => (typeof v === 'string' && v.includes('/') ? cidr(v, field) : ip(v, field));

export const allowedAddressPairs: ExtensionDeclaration = {
  alias: 'allowed-address-pairs',
  name: 'Allowed Address Pairs',
  description: 'Provides allowed address pairs',
  updated: UPDATED,
  attributes: {
    ports: {
      allowed_address_pairs: {
        post: true,
        put: true,
        convert: listOf(
          dict<{ ip_address: string; mac_address?: string }>({
            ip_address: { convert: ipOrCidr, required: true },
            mac_address: { convert: mac },
          }),
        ),
        default: [],
      },
    },
  },
};

/** Extensions that only name behaviour the server has; they add no attributes. */
function marker(alias: string, name: string, description: string): ExtensionDeclaration {
  return { alias, name, description, updated: UPDATED };
}

export const behaviourExtensions: readonly ExtensionDeclaration[] = [
  marker('standard-attr-description', 'standard-attr-description', 'Extension to add descriptions to standard attributes'),
  marker(
    'standard-attr-revisions',
    'Resource revision numbers',
    'This extension will display the revision number of neutron resources.',
  ),
  marker(
    'standard-attr-timestamp',
    'Resource timestamps',
    'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.',
  ),
  marker(
    'standard-attr-tag',
    'Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip',
    'Enables to set tag on resources with standard attribute.',
  ),
  marker('project-id', 'project_id field enabled', 'Extension that indicates that project_id field is enabled.'),
  marker('pagination', 'Pagination support', 'Extension that indicates that pagination is enabled.'),
  marker('sorting', 'Sorting support', 'Extension that indicates that sorting is enabled.'),
  marker('filter-validation', 'Filter parameters validation', 'Provides validation on filter parameters.'),
  marker('empty-string-filtering', 'Empty String Filtering Extension', 'Allow filtering by attributes with empty string value'),
  marker(
    'ip-substring-filtering',
    'IP address substring filtering',
    'Provides IP address substring filtering when listing ports',
  ),
];
