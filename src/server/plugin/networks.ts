/**
 * Rules of the `network` resource: segment and MTU on create, sharing, external and provider
 * attributes, and delete with its DHCP ports, subnets and unassociated floating IPs (any other
 * port makes it NetworkInUse).
 */
import type { NetworkCreate, NetworkUpdate } from '../../model/api/values.js';
import { QuarkError, invalidInput } from '../../model/errors.js';
import { DeviceOwner, type Network, type NetworkType, isHaRouter } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import type { PluginContext } from './context.js';
import { deleteFloatingIp } from './floating-ips.js';
import { checkZoneHints, networkZones } from './availability-zones.js';
import { networkNotFound } from './not-found.js';
import { hasWildcard, networkAccess, networksVisibleTo, policiesOf, sharedWith } from './rbac-access.js';
import { deletePoliciesOf, setWildcardPolicy } from './rbac-policies.js';
import { addressScopesOf } from './subnetpools.js';
import { ensureDefaultSecurityGroup } from './security-groups.js';
import { allocateTenantSegment, maxMtu, providerSegment } from './segments.js';
import { deleteSubnetRecord } from './subnets.js';
import { qosPolicyOnCreate, qosPolicyOnUpdate } from './qos-policies.js';
import { newStandardAttributes } from './standard-attributes.js';

const PROVIDER_KEYS = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'] as const;

function checkMtu(ctx: PluginContext, type: NetworkType, mtu: number): void {
  const max = maxMtu(ctx.config, type);
  if (mtu > max) throw invalidInput(`Requested MTU is too big, maximum is ${max}`);
}

export function createNetwork(tx: WriteTx, ctx: PluginContext, v: NetworkCreate, projectId: string): Network {
  const provider = PROVIDER_KEYS.some((k) => v[k] !== undefined && v[k] !== null);
  const segment = provider
    ? providerSegment(
        tx,
        ctx,
        {
          type: v['provider:network_type'],
          physicalNetwork: v['provider:physical_network'],
          segmentationId: v['provider:segmentation_id'],
        },
        projectId,
      )
    : allocateTenantSegment(tx, ctx, projectId);
  const type = segment['provider:network_type'];
  const mtu = v.mtu ?? maxMtu(ctx.config, type);
  checkMtu(ctx, type, mtu);
  if (v.availability_zone_hints) checkZoneHints(tx, 'network', v.availability_zone_hints);
  // ML2 makes the project's default security group with its first network.
  ensureDefaultSecurityGroup(tx, ctx, projectId);
  const qosPolicyId = qosPolicyOnCreate(tx, ctx.caller, v.qos_policy_id, projectId, 'network');
  const id = ctx.newId();
  // `shared` and `router:external` are wildcard RBAC policies, as Neutron keeps them.
  if (v.shared === true) setWildcardPolicy(tx, ctx, 'network', id, projectId, 'access_as_shared', true);
  if (v['router:external'] === true) setWildcardPolicy(tx, ctx, 'network', id, projectId, 'access_as_external', true);
  return tx.put('network', {
    ...newStandardAttributes(id, projectId, v),
    admin_state_up: v.admin_state_up,
    status: 'ACTIVE',
    shared: v.shared,
    'router:external': v['router:external'],
    mtu,
    port_security_enabled: v.port_security_enabled,
    ...segment,
    availability_zone_hints: v.availability_zone_hints ?? [],
    dns_domain: v.dns_domain,
    qos_policy_id: qosPolicyId,
  });
}

export function updateNetwork(tx: WriteTx, ctx: PluginContext, net: Network, v: NetworkUpdate): Network {
  if (v.mtu !== undefined) checkMtu(ctx, net['provider:network_type'], v.mtu);
  // Unsharing removes the wildcard policy, checked as Neutron's ensure_no_tenant_ports_on_network.
  if (v.shared !== undefined) setWildcardPolicy(tx, ctx, 'network', net.id, net.project_id, 'access_as_shared', v.shared);
  if (v['router:external'] === true && !net['router:external']) {
    setWildcardPolicy(tx, ctx, 'network', net.id, net.project_id, 'access_as_external', true);
  }
  if (v['router:external'] === false && net['router:external']) {
    checkNoLongerExternal(tx, net);
    // Neutron drops every access_as_external policy of the network with its external flag.
    for (const p of policiesOf(tx, 'network', net.id)) if (p.action === 'access_as_external') tx.delete('rbac_policy', p.id);
  }
  const qos =
    v.qos_policy_id !== undefined ? { qos_policy_id: qosPolicyOnUpdate(tx, ctx.caller, net.qos_policy_id, v.qos_policy_id) } : {};
  return tx.put('network', {
    ...net,
    ...v,
    ...qos,
    shared: hasWildcard(tx, 'network', net.id, 'access_as_shared'),
    'router:external': policiesOf(tx, 'network', net.id).some((p) => p.action === 'access_as_external'),
  });
}

/**
 * A network stops being external only when no router gateway stands on it (Neutron's check) and,
 * beyond Neutron, no floating IP either: a floating IP on an internal network could never work.
 */
function checkNoLongerExternal(view: ReadView, net: Network): void {
  const l3Owners: readonly string[] = [DeviceOwner.routerGateway, DeviceOwner.floatingIp];
  if (view.by('port', 'network', net.id).some((p) => l3Owners.includes(p.device_owner))) {
    throw new QuarkError(
      'ExternalNetworkInUse',
      `External network ${net.id} cannot be updated to be made non-external, since it has existing gateway ports.`,
    );
  }
}

/** Ports that do not keep a network alive: Neutron deletes them with it. */
const AUTO_DELETE_OWNERS: readonly string[] = [DeviceOwner.dhcp];

const networkInUse = (id: string) =>
  new QuarkError(
    'NetworkInUse',
    `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`,
  );

export function deleteNetwork(tx: WriteTx, ctx: PluginContext, net: Network): void {
  // Floating IPs that point nowhere go with their network; associated ones keep it in use
  // (Neutron's _process_l3_delete: delete_disassociated_floatingips).
  for (const fip of tx.by('floatingip', 'network', net.id)) if (fip.port_id === null) deleteFloatingIp(tx, ctx, fip);
  const ports = tx.by('port', 'network', net.id);
  // An HA network stays while its project has HA routers, even before any agent made its HA port.
  const haProject = net.ha_project_id;
  if (haProject !== undefined && tx.by('router', 'project', haProject).some(isHaRouter)) throw networkInUse(net.id);
  if (ports.some((p) => !AUTO_DELETE_OWNERS.includes(p.device_owner))) throw networkInUse(net.id);
  for (const p of ports) tx.delete('port', p.id);
  for (const s of tx.by('subnet', 'network', net.id)) deleteSubnetRecord(tx, s);
  deletePoliciesOf(tx, 'network', net.id);
  tx.delete('network', net.id);
}

export function subnetIdsOf(view: ReadView, networkId: string): string[] {
  return view.by('subnet', 'network', networkId).map((s) => s.id);
}

export const networkHandler: HandlerSpec<'network', NetworkCreate, NetworkUpdate> = {
  kind: 'network',
  path: 'networks',
  quota: 'network',
  notFound: networkNotFound,
  target: (view, n) => {
    const access = networkAccess(view, n);
    return { projectId: n.project_id, shared: n.shared, ...access };
  },
  derived: (view, n, services) => ({
    subnets: subnetIdsOf(view, n.id),
    ...addressScopesOf(view, n.id),
    availability_zones: networkZones(view, services, n),
    qos_policy_id: n.qos_policy_id ?? null,
  }),
  visibleTo: networksVisibleTo,
  // Shared with the caller's project by a policy, though not with every project.
  forCaller: (view, n, caller) => (!n.shared && sharedWith(view, 'network', n.id, caller.projectId) ? { shared: true } : null),
  create: createNetwork,
  update: updateNetwork,
  delete: deleteNetwork,
};
