/**
 * Rules of the `port` resource: MAC addresses unique per network, fixed IPs from IPAM, port
 * security with security groups and allowed address pairs, the binding attributes an agent acts
 * on, and the protections of ports that routers and floating IPs stand on.
 */
import type { PortCreate, PortUpdate } from '../../model/api/values.js';
import { deleteLogsOf } from './network-logs.js';
import { dropPortForwardingsOf } from './port-forwardings.js';
import { deleteAssociationsOf, preventLocalPortDeletion } from './local-ips.js';
import { followParentBinding, preventTrunkPortDeletion, trunkDetailsOf } from './trunks.js';
import { QuarkError } from '../../model/errors.js';
import type { AddressPair, Network, Port } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import type { PluginContext } from './context.js';
import { resolveFixedIps } from './fixed-ips.js';
import {
  disassociateFloatingIps,
  preventInternalIpChangeForFip,
  preventL3PortDeletion,
  syncGatewayAddresses,
} from './l3-ports.js';
import { checkMac, generateMac } from './macs.js';
import { networkNotFound, portNotFound } from './not-found.js';
import { bindingFor } from './port-binding.js';
import { enforceDeviceOwnership } from './port-device.js';
import { securityGroupsOnCreate, securityGroupsOnUpdate } from './port-security-groups.js';
import { canSeeNetwork, canUseNetwork, sharedWith } from './rbac-access.js';
import { extraDhcpOptsOnCreate, extraDhcpOptsOnUpdate } from './extra-dhcp-opts.js';
import { dnsAssignment } from '../../model/dns.js';
import { qosPolicyOnCreate, qosPolicyOnUpdate } from './qos-policies.js';
import { newStandardAttributes } from './standard-attributes.js';

/** The network a new port goes on: the caller's own, a shared one, or any for an admin. */
function networkForPort(view: ReadView, ctx: PluginContext, networkId: string): Network {
  const net = view.get('network', networkId);
  if (!net) throw networkNotFound(networkId);
  const { caller } = ctx;
  if (canUseNetwork(view, net, caller)) return net;
  if (canSeeNetwork(view, net, caller)) throw new QuarkError('PolicyNotAuthorized', '(rule:create_port) is disallowed by policy');
  throw networkNotFound(networkId);
}

/**
 * Neutron's `rule:shared` for a port: whether its network is shared as the port's project sees
 * it, by every project or by an RBAC policy naming the project (neutron/policy.py FieldCheck on
 * `networks:shared`).
 */
const networkSharedWith = (view: ReadView, net: Network, projectId: string): boolean =>
  net.shared || sharedWith(view, 'network', net.id, projectId);

function addressPairs(requested: readonly { ip_address: string; mac_address?: string }[], mac: string): AddressPair[] {
  const pairs = requested.map((p) => ({ ip_address: p.ip_address, mac_address: p.mac_address ?? mac }));
  const keys = new Set(pairs.map((p) => `${p.ip_address} ${p.mac_address}`));
  if (keys.size !== pairs.length) {
    throw new QuarkError(
      'DuplicateAddressPairInRequest',
      `Request contains duplicate address pair: ${JSON.stringify(requested)}.`,
    );
  }
  return pairs;
}

export function createPort(tx: WriteTx, ctx: PluginContext, v: PortCreate, projectId: string): Port {
  const net = networkForPort(tx, ctx, v.network_id);
  const requested = v.fixed_ips;
  const owner = v.device_owner;
  enforceDeviceOwnership(tx, ctx.caller, { projectId, networkId: net.id, deviceOwner: owner, deviceId: v.device_id });
  const mac = v.mac_address ?? generateMac(tx, ctx, net.id);
  checkMac(tx, net.id, mac, null);
  const fixedIps = resolveFixedIps(tx, ctx, net, { owner, mac, current: null }, requested);
  const portSecurity = v.port_security_enabled ?? net.port_security_enabled;
  const pairs = addressPairs(v.allowed_address_pairs ?? [], mac);
  const securityGroups = securityGroupsOnCreate(
    tx,
    ctx,
    { project_id: projectId, device_owner: owner, port_security_enabled: portSecurity, allowed_address_pairs: pairs },
    v.security_groups,
  );
  const port: Port = {
    ...newStandardAttributes(ctx.newId(), projectId, v),
    network_id: net.id,
    admin_state_up: v.admin_state_up,
    mac_address: mac,
    fixed_ips: fixedIps,
    device_id: v.device_id,
    device_owner: owner,
    status: 'DOWN',
    security_groups: securityGroups,
    allowed_address_pairs: pairs,
    port_security_enabled: portSecurity,
    'binding:host_id': v['binding:host_id'],
    ...bindingFor(tx, { 'binding:host_id': v['binding:host_id'], network_id: net.id }, tx.now, ctx.config.agentDownTime),
    'binding:vnic_type': v['binding:vnic_type'],
    'binding:profile': v['binding:profile'],
    extra_dhcp_opts: extraDhcpOptsOnCreate(v.extra_dhcp_opts),
    dns_name: v.dns_name,
    dns_domain: v.dns_domain,
    qos_policy_id: qosPolicyOnCreate(tx, ctx.caller, v.qos_policy_id, projectId, 'port'),
  };
  return tx.put('port', port);
}

export function updatePort(tx: WriteTx, ctx: PluginContext, port: Port, v: PortUpdate): Port {
  const net = tx.get('network', port.network_id)!;
  const requested = v.fixed_ips;
  const owner = v.device_owner ?? port.device_owner;
  const deviceId = v.device_id ?? port.device_id;
  if (owner !== port.device_owner || deviceId !== port.device_id) {
    enforceDeviceOwnership(tx, ctx.caller, { projectId: port.project_id, networkId: net.id, deviceOwner: owner, deviceId });
  }
  // mac_address: null regenerates the address (port-mac-address-regenerate).
  const mac = v.mac_address === null ? generateMac(tx, ctx, net.id) : (v.mac_address ?? port.mac_address);
  if (mac !== port.mac_address) checkMac(tx, net.id, mac, port.id);
  const fixedIps = resolveFixedIps(tx, ctx, net, { owner, mac, current: port }, requested);
  const pairs = v.allowed_address_pairs === undefined ? port.allowed_address_pairs : addressPairs(v.allowed_address_pairs, mac);
  if (requested !== undefined) preventInternalIpChangeForFip(tx, port, fixedIps);
  const host = v['binding:host_id'] ?? port['binding:host_id'];
  const rebind = host !== port['binding:host_id'] || port['binding:vif_type'] === 'binding_failed';
  const next: Port = {
    ...port,
    ...v,
    mac_address: mac,
    fixed_ips: fixedIps,
    allowed_address_pairs: pairs,
    extra_dhcp_opts: extraDhcpOptsOnUpdate(port.extra_dhcp_opts ?? [], v.extra_dhcp_opts),
    ...(rebind
      ? bindingFor(tx, { 'binding:host_id': host, network_id: port.network_id, id: port.id }, tx.now, ctx.config.agentDownTime)
      : {}),
    // A port that moves to another host is down until that host's agent wires it.
    status: host !== port['binding:host_id'] ? 'DOWN' : port.status,
    ...(v.qos_policy_id !== undefined
      ? { qos_policy_id: qosPolicyOnUpdate(tx, ctx.caller, port.qos_policy_id, v.qos_policy_id) }
      : {}),
  };
  const securityGroups = securityGroupsOnUpdate(tx, ctx, port, next, v.security_groups);
  const updated = tx.put('port', { ...next, security_groups: securityGroups });
  if (requested !== undefined) syncGatewayAddresses(tx, updated);
  if (requested !== undefined) dropPortForwardingsOf(tx, port.id, updated);
  if (host !== port['binding:host_id']) followParentBinding(tx, ctx, updated);
  return updated;
}

export function deletePort(tx: WriteTx, _ctx: PluginContext, port: Port): void {
  preventL3PortDeletion(tx, port);
  preventLocalPortDeletion(tx, port);
  preventTrunkPortDeletion(tx, port);
  disassociateFloatingIps(tx, port.id);
  tx.delete('port', port.id);
  deleteLogsOf(tx, { port: port.id });
  dropPortForwardingsOf(tx, port.id, null);
  deleteAssociationsOf(tx, port.id);
}

/** `fixed_ips=ip_address=10.0.0.3`, `fixed_ips=subnet_id=…` and `ip_address_substr=…`, as Neutron. */
function filterFixedIps(port: Port, values: readonly string[]): boolean {
  return values.some((v) => {
    const [key, value] = v.split('=', 2) as [string, string | undefined];
    if (value === undefined) return false;
    return port.fixed_ips.some((f) =>
      key === 'ip_address'
        ? f.ip_address === value
        : key === 'subnet_id'
          ? f.subnet_id === value
          : key === 'ip_address_substr'
            ? f.ip_address.includes(value)
            : false,
    );
  });
}

export const portHandler: HandlerSpec<'port', PortCreate, PortUpdate> = {
  kind: 'port',
  path: 'ports',
  quota: 'port',
  notFound: portNotFound,
  target: (view, p, changes) => {
    const net = view.get('network', p.network_id);
    return {
      projectId: p.project_id,
      networkProjectId: net?.project_id ?? '',
      networkShared: net ? networkSharedWith(view, net, p.project_id) : false,
      deviceOwner: changes?.device_owner ?? p.device_owner,
    };
  },
  // get_port: the project's ports and the ports on its networks.
  visibleTo: (view, projectId) => [
    ...view.by('port', 'project', projectId),
    ...view.by('network', 'project', projectId).flatMap((n) => view.by('port', 'network', n.id)),
  ],
  createTarget: (view, ctx, v, projectId) => {
    const net = networkForPort(view, ctx, v.network_id);
    return {
      projectId,
      networkProjectId: net.project_id,
      networkShared: networkSharedWith(view, net, projectId),
      deviceOwner: v.device_owner,
    };
  },
  // dns-integration: names of the port's addresses in the deployment's DNS domain.
  recordDerived: (p, services) => ({
    dns_assignment: dnsAssignment(p.fixed_ips, p.dns_name, services.config.dnsDomain),
    qos_policy_id: p.qos_policy_id ?? null,
    qos_network_policy_id: null,
  }),
  // trunk-details: a trunk's parent shows its trunk; qos-port-network-policy: the policy the
  // port inherits from its network. Given as forCaller (null for most ports) rather than
  // derived, so lists keep their render cache for every port that is no trunk's parent and
  // whose network has no policy; neither depends on the caller. Unlike Neutron 21, whose list
  // leaves the subports' MAC addresses out (measured), lists and shows both carry them.
  forCaller: (view, p) => {
    const details = trunkDetailsOf(view, p.id);
    const inherited = view.get('network', p.network_id)?.qos_policy_id ?? null;
    if (!details && inherited === null) return null;
    return {
      ...(details ? { trunk_details: details } : {}),
      ...(inherited !== null ? { qos_network_policy_id: inherited } : {}),
    };
  },
  create: createPort,
  update: updatePort,
  delete: deletePort,
  filter: (port, name, values) => (name === 'fixed_ips' ? filterFixedIps(port, values) : true),
};
