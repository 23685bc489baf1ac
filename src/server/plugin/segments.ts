/**
 * Network segments, as ML2's type drivers: which type, physical network and segmentation id a
 * network gets, and its MTU. Project networks draw ids from the configured GRE/VXLAN ranges
 * and the network segment ranges (network-segment-ranges.ts);
 * admins may ask for a specific id or a flat/VLAN provider network. Ids are unique per type
 * (per physical network for VLAN and flat) and are free again when the network goes; a new
 * network gets the next free id after the last one given (SegmentAllocator), so a freed id comes
 * back once its range has wrapped round. (Neutron 21 takes a random free
 * one: neutron/objects/plugins/ml2/base.py, get_random_unallocated_segment.)
 */
import { QuarkError, invalidInput } from '../../model/errors.js';
import type { NetworkType } from '../../model/resources.js';
import { segmentKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import type { ServerConfig } from '../config.js';
import type { Services } from './context.js';
import { type IdRange, segmentCandidates } from './network-segment-ranges.js';

export interface Segment {
  readonly 'provider:network_type': NetworkType;
  readonly 'provider:physical_network': string | null;
  readonly 'provider:segmentation_id': number | null;
}

export interface SegmentRequest {
  readonly type?: NetworkType;
  readonly physicalNetwork?: string | null;
  readonly segmentationId?: number | null;
}

/** Encapsulation overhead on an IPv4 underlay (outer IP header included), as Neutron's. */
const OVERHEAD: Readonly<Record<NetworkType, number>> = { gre: 42, vxlan: 50, flat: 0, vlan: 0, local: 0 };
const MAX_ID: Readonly<Partial<Record<NetworkType, number>>> = { gre: 2 ** 32 - 1, vxlan: 2 ** 24 - 1, vlan: 4094 };

export function maxMtu(config: ServerConfig, type: NetworkType): number {
  return config.globalPhysnetMtu - OVERHEAD[type];
}

function vlanRanges(config: ServerConfig): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const spec of config.networkVlanRanges) {
    const [physnet, lo, hi] = spec.split(':');
    const list = out.get(physnet!) ?? [];
    if (lo !== undefined && hi !== undefined) list.push([Number(lo), Number(hi)]);
    out.set(physnet!, list);
  }
  return out;
}

const inUse = (view: ReadView, type: NetworkType, physnet: string | null, id: number | null) =>
  view.count('network', 'segment', segmentKey(type, physnet, id)) > 0;

type SegmentServices = Pick<Services, 'config' | 'segments'>;

const noneAvailable = () =>
  new QuarkError('NoNetworkAvailable', 'Unable to create the network. No tenant network is available for allocation.');

/**
 * A free id for a network of `projectId`: from the project's own segment ranges, else from the
 * shared ones (the configured ranges among them) outside other projects' ranges. Within a range,
 * the search goes on from where the last one ended (SegmentAllocator).
 */
function freeIdFor(
  view: ReadView,
  services: SegmentServices,
  type: 'vlan' | 'vxlan' | 'gre',
  physnet: string | null,
  projectId: string,
): number | null {
  const { own, shared, excluded } = segmentCandidates(view, services.config, type, physnet, projectId);
  const free = (id: number) => !inUse(view, type, physnet, id);
  const fromRange = (range: IdRange, ok: (id: number) => boolean) =>
    services.segments.allocate(`${type} ${physnet} ${range[0]} ${range[1]}`, range, ok);
  for (const range of own) {
    const id = fromRange(range, free);
    if (id !== null) return id;
  }
  for (const range of shared) {
    const id = fromRange(range, (id) => !excluded(id) && free(id));
    if (id !== null) return id;
  }
  return null;
}

/**
 * A segment for a project network: the first configured tunnel type that still has a free id
 * for the project (ML2's _allocate_tenant_net_segment: types in order, and within a type the
 * project's segment ranges before the shared ones).
 */
export function allocateTenantSegment(view: ReadView, services: SegmentServices, projectId: string): Segment {
  for (const type of services.config.tenantNetworkTypes) {
    const id = freeIdFor(view, services, type, null, projectId);
    if (id !== null) return { 'provider:network_type': type, 'provider:physical_network': null, 'provider:segmentation_id': id };
  }
  throw noneAvailable();
}

/** Validates and reserves the segment an admin asked for with the provider attributes. */
export function providerSegment(view: ReadView, services: SegmentServices, req: SegmentRequest, projectId: string): Segment {
  const { config } = services;
  const type = req.type;
  if (!type) throw invalidInput('provider:network_type required');
  const physnet = req.physicalNetwork ?? null;
  let id = req.segmentationId ?? null;
  switch (type) {
    case 'local':
      if (physnet !== null || id !== null)
        throw invalidInput('provider:physical_network and provider:segmentation_id prohibited for local provider network');
      break;
    case 'flat':
      if (physnet === null) throw invalidInput('provider:physical_network required for flat provider network');
      if (id !== null) throw invalidInput('provider:segmentation_id prohibited for flat provider network');
      if (!config.flatNetworks.includes('*') && !config.flatNetworks.includes(physnet)) {
        throw invalidInput(`physical_network '${physnet}' unknown for flat provider network`);
      }
      if (inUse(view, 'flat', physnet, null)) {
        throw new QuarkError('FlatNetworkInUse', `Unable to create the flat network. Physical network ${physnet} is in use.`);
      }
      break;
    case 'vlan': {
      if (physnet === null) throw invalidInput('provider:physical_network required for VLAN provider network');
      const ranges = vlanRanges(config).get(physnet);
      if (!ranges) throw invalidInput(`physical_network '${physnet}' unknown for VLAN provider network`);
      if (id === null) {
        id = ranges.length > 0 ? freeIdFor(view, services, 'vlan', physnet, projectId) : null;
        if (id === null) throw noneAvailable();
      }
      if (id < 1 || id > MAX_ID.vlan!) throw invalidInput(`provider:segmentation_id out of range (1 through ${MAX_ID.vlan})`);
      if (inUse(view, 'vlan', physnet, id)) {
        throw new QuarkError(
          'VlanIdInUse',
          `Unable to create the network. The VLAN ${id} on physical network ${physnet} is in use.`,
        );
      }
      break;
    }
    case 'gre':
    case 'vxlan': {
      if (physnet !== null) throw invalidInput(`provider:physical_network specified for ${type} network`);
      if (id === null) {
        id = freeIdFor(view, services, type, null, projectId);
        if (id === null) throw noneAvailable();
      }
      if (id < 1 || id > MAX_ID[type]!) throw invalidInput(`provider:segmentation_id out of range (1 through ${MAX_ID[type]})`);
      if (inUse(view, type, null, id)) {
        throw new QuarkError('TunnelIdInUse', `Unable to create the network. The tunnel ID ${id} is in use.`);
      }
      break;
    }
  }
  return { 'provider:network_type': type, 'provider:physical_network': physnet, 'provider:segmentation_id': id };
}
