/**
 * Floating IP port forwarding, as neutron-lib declares it: the sub-resource
 * `/v2.0/floatingips/{floatingip_id}/port_forwardings` (`floating-ip-port-forwarding`), its
 * description (`floating-ip-port-forwarding-description`) and port ranges
 * (`floating-ip-port-forwarding-port-ranges`), the forwardings shown in each floating IP
 * (`expose-port-forwarding-in-fip`) with their ids and ports (`floating-ip-port-forwarding-detail`,
 * which Neutron's L3 plugin lists whenever it runs).
 *
 * Measured on Neutron 21: `internal_ip_address` and `protocol` are required; a forwarding shows
 * neither `project_id` nor timestamps; `external_port`/`internal_port` are left out of a
 * forwarding whose range has several ports; only `id` and `protocol` sort; `internal_ip_address`
 * and `internal_port` do not filter. Neutron also accepts `icmp` and `ipv6-icmp`, for which its
 * agent cannot write a DNAT rule; Quark accepts them too and forwards nothing for them
 * (docs/port-forwarding.md).
 */
import { QuarkError, invalidField } from '../../errors.js';
import type { L3Protocol } from '../../resources.js';
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { type Convert, int, ip, nullable, str, uuid } from '../validators.js';

const UPDATED = '2026-12-07T00:00:00-00:00';

/** neutron-lib's IPTABLES_PROTOCOL_MAP keys: the protocols a port forwarding or conntrack helper may name. */
export const L3_PROTOCOLS: readonly L3Protocol[] = ['dccp', 'icmp', 'ipv6-icmp', 'sctp', 'tcp', 'udp'];

/** The protocols whose ports a DNAT rule can match. */
export const PORTED_PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp', 'dccp']);

/**
 * neutron-lib's convert_to_protocol then `type:values` over the names: a known name in another
 * case, or a number 0–255, passes the converter and fails the values check ("UDP is not in
 * valid_values"); anything else is InvalidInput.
 */
export const l3Protocol: Convert<L3Protocol> = (v, field) => {
  const text = typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v);
  if ((L3_PROTOCOLS as readonly string[]).includes(text)) return text as L3Protocol;
  const number = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if ((L3_PROTOCOLS as readonly string[]).includes(text.toLowerCase()) || (number >= 0 && number <= 255)) {
    throw invalidField(field, `${text} is not in valid_values`);
  }
  throw new QuarkError(
    'InvalidInput',
    `Invalid input for operation: IP protocol '${text}' is not supported. Only protocol names and their integer representation (0 to 255) are supported.`,
  );
};

/**
 * neutron-lib's `type:port_range` over [1, 65535]: `N` or `N:M` with N ≤ M; kept as `N:M`
 * (one port: `N:N`), as Neutron shows ranges.
 */
export const portRange: Convert<string | null> = (v, field) => {
  if (v === null) return null;
  const text = typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v);
  const ports = text.split(':');
  if (ports.length > 2 || ports.some((p) => p === '')) {
    throw invalidField(field, 'Port range must be two integers separated by a colon');
  }
  const numbers = ports.map((p) => {
    if (!/^\d+$/.test(p) || Number(p) > 65535) throw invalidField(field, `Invalid port: ${p}`);
    if (Number(p) < 1) throw invalidField(field, `Invalid port: ${p}, the port must be in the range [1, 65535]`);
    return Number(p);
  });
  const [first, last = first] = numbers as [number, number?];
  if (last < first) throw invalidField(field, 'First port in a port range must be lower than the second port');
  return `${first}:${last}`;
};

const port = nullable(int(1, 65535));

export const portForwardings = {
  member: 'port_forwarding',
  collection: 'port_forwardings',
  path: 'floatingips/:floatingip_id/port_forwardings',
  parent: { member: 'floatingip', param: 'floatingip_id' },
  attributes: {
    id: { filter: 'string', sort: true },
    project_id: { post: true, convert: str(255), visible: false },
    external_port: { post: true, put: true, convert: port, default: null, filter: 'integer' },
    external_port_range: { post: true, put: true, convert: portRange, default: null, filter: 'string' },
    protocol: { post: true, put: true, required: true, convert: l3Protocol, filter: 'string', sort: true },
    internal_port_id: { post: true, put: true, required: true, convert: uuid, filter: 'string' },
    internal_ip_address: { post: true, put: true, required: true, convert: ip },
    internal_port: { post: true, put: true, convert: port, default: null },
    internal_port_range: { post: true, put: true, convert: portRange, default: null },
    description: { post: true, put: true, convert: str(1024), default: '', filter: 'string' },
  },
} satisfies ResourceDeclaration;

export const floatingIpPortForwarding = {
  alias: 'floating-ip-port-forwarding',
  name: 'Floating IP Port Forwarding',
  description: 'Allow port forwarding from floating IP port to an internal port',
  updated: UPDATED,
  resources: [portForwardings],
} satisfies ExtensionDeclaration;

export const floatingIpPortForwardingDescription = {
  alias: 'floating-ip-port-forwarding-description',
  name: 'Floating IP Port Forwarding new attribute description',
  description: 'Add a description field to Port Forwarding rules',
  updated: UPDATED,
} satisfies ExtensionDeclaration;

export const floatingIpPortForwardingPortRanges = {
  alias: 'floating-ip-port-forwarding-port-ranges',
  name: 'Floating IP Port Forwarding support port ranges',
  description: 'Add suport to port ranges',
  updated: UPDATED,
} satisfies ExtensionDeclaration;

export const floatingIpPortForwardingDetail = {
  alias: 'floating-ip-port-forwarding-detail',
  name: 'Floating IP port forwarding detail',
  description: "Allow list floating ip return more port forwarding data, include'id' and 'internal_port_id'",
  updated: UPDATED,
} satisfies ExtensionDeclaration;

export const exposePortForwardingInFip = {
  alias: 'expose-port-forwarding-in-fip',
  name: 'Expose Floating IP port forwardings',
  description: 'Expose port forwarding fields in floating IP response',
  updated: UPDATED,
  attributes: { floatingips: { port_forwardings: {} } },
} satisfies ExtensionDeclaration;
