/**
 * Rules of the `network` resource: segment and MTU on create, sharing, external and provider
 * attributes, and delete with its DHCP ports and subnets (any other port makes it NetworkInUse).
 */
import { QuarkError, invalidInput } from '../../model/errors.js';
import { DeviceOwner, type Network, type NetworkType, isHaRouter } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import type { AttributeValues } from '../api/request-body.js';
import type { PluginContext } from './context.js';
import { networkNotFound } from './not-found.js';
import { ensureDefaultSecurityGroup } from './security-groups.js';
import { allocateTenantSegment, maxMtu, providerSegment } from './segments.js';
import { deleteSubnetRecord } from './subnets.js';

const PROVIDER_KEYS = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'] as const;

function checkMtu(ctx: PluginContext, type: NetworkType, mtu: number): void {
  const max = maxMtu(ctx.config, type);
  if (mtu > max) throw invalidInput(`Requested MTU is too big, maximum is ${max}`);
}

export function createNetwork(tx: WriteTx, ctx: PluginContext, v: AttributeValues, projectId: string): Network {
  const provider = PROVIDER_KEYS.some((k) => v[k] !== undefined && v[k] !== null);
  const segment = provider
    ? providerSegment(tx, ctx.config, {
        type: v['provider:network_type'] as NetworkType | undefined,
        physicalNetwork: v['provider:physical_network'] as string | null | undefined,
        segmentationId: v['provider:segmentation_id'] as number | null | undefined,
      })
    : allocateTenantSegment(tx, ctx.config);
  const type = segment['provider:network_type'];
  const mtu = (v.mtu as number | undefined) ?? maxMtu(ctx.config, type);
  checkMtu(ctx, type, mtu);
  // ML2 makes the project's default security group with its first network.
  ensureDefaultSecurityGroup(tx, ctx, projectId);
  return tx.put('network', {
    id: ctx.newId(),
    project_id: projectId,
    name: v.name as string,
    description: v.description as string,
    tags: [],
    created_at: '',
    updated_at: '',
    revision_number: 0,
    admin_state_up: v.admin_state_up as boolean,
    status: 'ACTIVE',
    shared: v.shared as boolean,
    'router:external': v['router:external'] as boolean,
    mtu,
    port_security_enabled: v.port_security_enabled as boolean,
    ...segment,
    availability_zone_hints: [],
  });
}

export function updateNetwork(tx: WriteTx, ctx: PluginContext, net: Network, v: AttributeValues): Network {
  if (v.mtu !== undefined) checkMtu(ctx, net['provider:network_type'], v.mtu as number);
  if (v.shared === false && net.shared) {
    const others = tx
      .by('port', 'network', net.id)
      .some((p) => p.project_id !== net.project_id && p.device_owner !== DeviceOwner.dhcp);
    if (others) {
      throw new QuarkError(
        'InvalidSharedSetting',
        `Unable to reconfigure sharing settings for network ${net.id}. Multiple tenants are using it.`,
      );
    }
  }
  if (v['router:external'] === false && net['router:external']) checkNoLongerExternal(tx, net);
  return tx.put('network', { ...net, ...(v as Partial<Network>) });
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

export function deleteNetwork(tx: WriteTx, _ctx: PluginContext, net: Network): void {
  const ports = tx.by('port', 'network', net.id);
  // An HA network stays while its project has HA routers, even before any agent made its HA port.
  const haProject = net.ha_project_id;
  if (haProject !== undefined && tx.by('router', 'project', haProject).some(isHaRouter)) throw networkInUse(net.id);
  if (ports.some((p) => !AUTO_DELETE_OWNERS.includes(p.device_owner))) throw networkInUse(net.id);
  for (const p of ports) tx.delete('port', p.id);
  for (const s of tx.by('subnet', 'network', net.id)) deleteSubnetRecord(tx, s);
  tx.delete('network', net.id);
}

export function subnetIdsOf(view: ReadView, networkId: string): string[] {
  return view.by('subnet', 'network', networkId).map((s) => s.id);
}

export const networkHandler: HandlerSpec<'network'> = {
  kind: 'network',
  path: 'networks',
  quota: 'network',
  notFound: networkNotFound,
  target: (_view, n) => ({ projectId: n.project_id, shared: n.shared, external: n['router:external'] }),
  derived: (view, n) => ({ subnets: subnetIdsOf(view, n.id) }),
  create: createNetwork,
  update: updateNetwork,
  delete: deleteNetwork,
};
