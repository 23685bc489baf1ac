/**
 * Extensions that add attributes to the core resources (networks, subnets, ports). Each
 * declaration is what `GET /v2.0/extensions` shows and what the attributes become.
 */
import type { ExtensionDeclaration } from '../attribute.js';
import { dnsNameProblem } from '../../dns.js';
import { QuarkError, invalidField } from '../../errors.js';
import { anyDict, bool, dict, int, intIn, ip, listOf, mac, nullable, oneOf, str } from '../validators.js';
import { cidr } from '../validators.js';
import type { Convert } from '../validators.js';

const UPDATED = '2026-11-26T00:00:00-00:00';

export const externalNet = {
  alias: 'external-net',
  name: 'Neutron external network',
  description: 'Adds external network attribute to network resource.',
  updated: UPDATED,
  attributes: {
    networks: { 'router:external': { post: true, put: true, convert: bool, default: false, filter: 'boolean', sort: true } },
  },
} satisfies ExtensionDeclaration;

export const provider = {
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
} satisfies ExtensionDeclaration;

export const netMtu = {
  alias: 'net-mtu',
  name: 'Network MTU',
  description: 'Provides MTU attribute for a network resource.',
  updated: UPDATED,
  attributes: { networks: { mtu: { filter: 'integer', sort: true } } },
} satisfies ExtensionDeclaration;

export const netMtuWritable = {
  alias: 'net-mtu-writable',
  name: 'Network MTU (writable)',
  description: 'Provides a writable MTU attribute for a network resource.',
  updated: UPDATED,
  attributes: { networks: { mtu: { post: true, put: true, convert: int(68, 65535), filter: 'integer', sort: true } } },
} satisfies ExtensionDeclaration;

export const portSecurity = {
  alias: 'port-security',
  name: 'Port Security',
  description: 'Provides port security',
  updated: UPDATED,
  attributes: {
    networks: { port_security_enabled: { post: true, put: true, convert: bool, default: true, filter: 'boolean' } },
    ports: { port_security_enabled: { post: true, put: true, convert: bool, filter: 'boolean' } },
  },
} satisfies ExtensionDeclaration;

export const binding = {
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
} satisfies ExtensionDeclaration;

/** An allowed address pair's address is an address or a prefix (Neutron accepts both). */
const ipOrCidr: Convert<string> = (v, field) => (typeof v === 'string' && v.includes('/') ? cidr(v, field) : ip(v, field));

export const allowedAddressPairs = {
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
        // No default, as in Neutron: an explicit `[]` counts as set for policy (create_port:allowed_address_pairs).
      },
    },
  },
} satisfies ExtensionDeclaration;

/** Options dnsmasq may hand out with a blank value (neutron-lib's VALID_BLANK_EXTRA_DHCP_OPTS). */
const BLANK_ALLOWED = ['router', 'classless-static-route'];

/** One requested option: a value of null deletes the option on update. */
export interface ExtraDhcpOptRequest {
  readonly opt_name: string;
  readonly opt_value: string | null;
  readonly ip_version?: 4 | 6;
}

const optName: Convert<string> = (v, field) => {
  const s = str(64)(v, field);
  if (s.trim() === '' || s.includes('\n')) throw invalidField(field, `'${s}' is not a valid one-line, non-empty option name`);
  return s;
};

const oneOption = dict<ExtraDhcpOptRequest>({
  opt_name: { convert: optName, required: true },
  opt_value: { convert: nullable(str(255)), required: true },
  ip_version: { convert: (v, field) => intIn([4, 6])(v, field) as 4 | 6 },
});

/** Neutron's EXTRA_DHCP_OPT_KEY_SPECS: only `router` and `classless-static-route` may be blank. */
const extraDhcpOpts: Convert<ExtraDhcpOptRequest[] | null> = (v, field) => {
  if (v === null) return null;
  const opts = listOf(oneOption)(v, field);
  for (const o of opts) {
    if (
      o.opt_value !== null &&
      (o.opt_value.includes('\n') || (o.opt_value.trim() === '' && !BLANK_ALLOWED.includes(o.opt_name)))
    ) {
      // Neutron 21 (measured): InvalidInput "No valid key specs matched for: {...}".
      throw new QuarkError(
        'InvalidInput',
        `Invalid input for operation: No valid key specs matched for: {'opt_name': '${o.opt_name}', 'opt_value': '${o.opt_value}'}.`,
      );
    }
  }
  return opts;
};

export const extraDhcpOpt = {
  alias: 'extra_dhcp_opt',
  name: 'Neutron Extra DHCP options',
  description:
    'Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)',
  updated: UPDATED,
  attributes: { ports: { extra_dhcp_opts: { post: true, put: true, convert: extraDhcpOpts, default: null } } },
} satisfies ExtensionDeclaration;

export const portMacAddressRegenerate = {
  alias: 'port-mac-address-regenerate',
  name: 'Neutron Port MAC address regenerate',
  description: 'Network port MAC address regenerate',
  updated: UPDATED,
  // mac_address: null on update asks for a new generated address.
  attributes: { ports: { mac_address: { post: true, put: true, convert: nullable(mac), filter: 'string', sort: true } } },
} satisfies ExtensionDeclaration;

/** A DNS name or domain (neutron-lib's type:dns_host_name, dns_domain_name), lower-cased. */
const dnsName: Convert<string> = (v, field) => {
  const s = str(255)(v, field).toLowerCase();
  const problem = dnsNameProblem(s);
  if (problem) throw invalidField(field, `'${s}' not a valid PQDN or FQDN. Reason: ${problem}`);
  return s;
};

export const dnsIntegration = {
  alias: 'dns-integration',
  name: 'DNS Integration',
  description: 'Provides integration with DNS.',
  updated: UPDATED,
  attributes: {
    ports: { dns_name: { post: true, put: true, convert: dnsName, default: '' }, dns_assignment: {} },
    networks: { dns_domain: { post: true, put: true, convert: dnsName, default: '' } },
  },
} satisfies ExtensionDeclaration;

/**
 * `dns-domain-ports`: a port's own `dns_domain`. Neutron uses it only to publish the port's name
 * in an external DNS service (designate); the DHCP answers and `dns_assignment` keep the
 * configured domain, so Quark stores and shows it.
 */
export const dnsDomainPorts = {
  alias: 'dns-domain-ports',
  name: 'dns_domain for ports',
  description: 'Allows the DNS domain to be specified for a network port',
  updated: UPDATED,
  attributes: { ports: { dns_domain: { post: true, put: true, convert: dnsName, default: '' } } },
} satisfies ExtensionDeclaration;

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
  marker('subnet-service-types', 'Subnet service types', 'Provides ability to set the subnet service_types field'),
  marker(
    'ip-substring-filtering',
    'IP address substring filtering',
    'Provides IP address substring filtering when listing ports',
  ),
  // `tags` on POST for every taggable resource (standard.ts), bulk creates included.
  marker('tag-creation', 'Tag support on creation', 'Enables to set tags on resources during creation.'),
  marker('tag-ports-during-bulk-creation', 'Tag Ports During Bulk Creation', 'Allow to tag ports during bulk creation'),
];
