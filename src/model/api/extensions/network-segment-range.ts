/**
 * Network segment ranges (`network-segment-range`), as neutron-lib declares them
 * (api/definitions/network_segment_range.py): `/v2.0/network-segment-ranges`, an admin API.
 * `shared` defaults to true (a shared range has no project); `used` maps each segmentation id
 * of the range that a network holds to the network's project, `available` lists the free ones.
 * As Neutron's NetworkSegmentRange.to_dict, a range shows no `tenant_id`.
 */
import { SEGMENT_RANGE_TYPES } from '../../resources.js';
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { nameAttributes, timestampAttributes } from '../standard.js';
import { bool, int, nullable, oneOf, str } from '../validators.js';

/** neutron-lib's NETWORK_SEGMENT_RANGE_LIMIT: the GRE key space, the widest of the types. */
const segmentationId = int(1, 2 ** 32 - 1);

export const networkSegmentRanges = {
  member: 'network_segment_range',
  collection: 'network_segment_ranges',
  path: 'network-segment-ranges',
  attributes: {
    id: { filter: 'string', sort: true },
    name: nameAttributes.name!,
    description: nameAttributes.description!,
    default: {},
    shared: { post: true, convert: bool, default: true },
    project_id: { post: true, convert: str(255), filter: 'string', sort: true },
    network_type: { post: true, required: true, convert: oneOf(SEGMENT_RANGE_TYPES), filter: 'string' },
    physical_network: { post: true, convert: nullable(str(64)), default: null, filter: 'string' },
    minimum: { post: true, put: true, required: true, convert: segmentationId },
    maximum: { post: true, put: true, required: true, convert: segmentationId },
    used: {},
    available: {},
    ...timestampAttributes,
  },
} satisfies ResourceDeclaration;

export const networkSegmentRange = {
  alias: 'network-segment-range',
  name: 'Neutron Network Segment Range',
  description: 'Provides support for the network segment range management',
  updated: '2018-11-29T00:00:00-00:00',
  resources: [networkSegmentRanges],
} satisfies ExtensionDeclaration;
