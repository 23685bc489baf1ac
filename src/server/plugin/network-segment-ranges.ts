/**
 * Rules of the `network_segment_range` resource, as Neutron's network_segment_range plugin and
 * its NetworkSegmentRange object (neutron/services/network_segment_range/plugin.py,
 * neutron/objects/network_segment_range.py) apply them:
 * - the `default` ranges are the configured ones (greIdRanges, vxlanVniRanges, networkVlanRanges),
 *   shared and read-only (NetworkSegmentRangeDefaultReadOnly). Neutron rewrites them at start-up;
 *   Quark writes them when the ranges are listed, so they follow the configuration;
 * - a range is of a type Quark's networks can have (vlan, vxlan, gre; else
 *   NetworkSegmentRangeNetTypeNotSupported), within the type's ids, minimum ≤ maximum; a VLAN
 *   range names its physical network; it may not overlap another range that is not a default
 *   one (NetworkSegmentRangeOverlaps);
 * - a range that a network's segment falls in cannot be deleted, and an update is refused when
 *   the new minimum is at least, or the new maximum at most, the lowest or highest id in use
 *   (Neutron's _are_allocated_segments_in_range_impacted, kept as it is)
 *   (NetworkSegmentRangeReferencedByProject).
 * How project networks draw ids from the ranges is `segmentCandidates` (used by segments.ts).
 */
import type { NetworkSegmentRangeCreate, NetworkSegmentRangeUpdate } from '../../model/api/values.js';
import { QuarkError, invalidInput } from '../../model/errors.js';
import type { NetworkSegmentRange, SegmentRangeType } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import type { ServerConfig } from '../config.js';
import type { PluginContext } from './context.js';
import { newStandardAttributes } from './standard-attributes.js';

export type IdRange = readonly [number, number];

/** The ids of each type, as neutron-lib's is_valid_vlan_tag / is_valid_gre_id / is_valid_vxlan_vni. */
const LIMITS: Readonly<Record<'vlan' | 'vxlan' | 'gre', IdRange>> = {
  vlan: [1, 4094],
  vxlan: [1, 2 ** 24 - 1],
  gre: [1, 2 ** 32 - 1],
};

export const networkSegmentRangeNotFound = (id: string) =>
  new QuarkError('NetworkSegmentRangeNotFound', `Network Segment Range ${id} could not be found.`);

const referenced = (id: string) =>
  new QuarkError(
    'NetworkSegmentRangeReferencedByProject',
    `Network Segment Range ${id} is referenced by one or more tenant networks.`,
  );

const readOnly = (id: string) =>
  new QuarkError(
    'NetworkSegmentRangeDefaultReadOnly',
    `Network Segment Range ${id} is a default segment range which could not be updated or deleted.`,
  );

function parsePairs(specs: readonly string[]): IdRange[] {
  return specs.map((s) => {
    const [lo, hi] = s.split(':').map(Number) as [number, number];
    return [Math.min(lo, hi), Math.max(lo, hi)];
  });
}

interface ConfiguredRange {
  readonly type: 'vlan' | 'vxlan' | 'gre';
  readonly physnet: string | null;
  readonly range: IdRange;
}

/** The configured ranges: Neutron's default network segment ranges. */
export function configuredRanges(config: ServerConfig): ConfiguredRange[] {
  const out: ConfiguredRange[] = [];
  for (const range of parsePairs(config.greIdRanges)) out.push({ type: 'gre', physnet: null, range });
  for (const range of parsePairs(config.vxlanVniRanges)) out.push({ type: 'vxlan', physnet: null, range });
  for (const spec of config.networkVlanRanges) {
    const [physnet, lo, hi] = spec.split(':');
    if (lo !== undefined && hi !== undefined) {
      out.push({ type: 'vlan', physnet: physnet!, range: [Math.min(+lo, +hi), Math.max(+lo, +hi)] });
    }
  }
  return out;
}

const samePhysnet = (r: NetworkSegmentRange, physnet: string | null) =>
  r.network_type !== 'vlan' || r.physical_network === physnet;

/**
 * The id ranges a project network of `type` is given an id from, in order: the project's own
 * ranges, then the shared ones (the configured ranges and the shared ranges made through the
 * API) without the ids of other projects' ranges, as Neutron's get_segments_for_project and
 * get_segments_shared. `excluded` tells whether an id of a shared range belongs to another project.
 */
export function segmentCandidates(
  view: ReadView,
  config: ServerConfig,
  type: 'vlan' | 'vxlan' | 'gre',
  physnet: string | null,
  projectId: string,
): { own: IdRange[]; shared: IdRange[]; excluded: (id: number) => boolean } {
  const made = view.by('network_segment_range', 'type', type).filter((r) => !r.default && samePhysnet(r, physnet));
  const own = made.filter((r) => !r.shared && r.project_id === projectId).map((r): IdRange => [r.minimum, r.maximum]);
  const others = made.filter((r) => !r.shared && r.project_id !== projectId);
  const shared = [
    ...configuredRanges(config)
      .filter((c) => c.type === type && (type !== 'vlan' || c.physnet === physnet))
      .map((c) => c.range),
    ...made.filter((r) => r.shared).map((r): IdRange => [r.minimum, r.maximum]),
  ];
  return { own, shared, excluded: (id) => others.some((r) => id >= r.minimum && id <= r.maximum) };
}

/** The segmentation ids networks hold of a type (and physical network), with their projects. */
function heldIds(view: ReadView, r: Pick<NetworkSegmentRange, 'network_type' | 'physical_network'>): Map<number, string> {
  const out = new Map<number, string>();
  for (const n of view.all('network')) {
    const id = n['provider:segmentation_id'];
    if (n['provider:network_type'] !== r.network_type || id === null) continue;
    if (r.network_type === 'vlan' && n['provider:physical_network'] !== r.physical_network) continue;
    out.set(id, n.project_id);
  }
  return out;
}

function inRange(held: Map<number, string>, r: Pick<NetworkSegmentRange, 'minimum' | 'maximum'>): number[] {
  return [...held.keys()].filter((id) => id >= r.minimum && id <= r.maximum).sort((a, b) => a - b);
}

function checkEligible(type: SegmentRangeType, minimum: number, maximum: number): void {
  if (type === 'geneve') throw notSupported(type);
  const [lo, hi] = LIMITS[type];
  for (const id of [minimum, maximum]) {
    if (id < lo || id > hi) throw invalidInput(`${id} is not a valid ${type} identifier`);
  }
  if (maximum < minimum) throw invalidInput(`End of ${type} range is less than start of ${type} range`);
}

const notSupported = (type: string) =>
  new QuarkError('NetworkSegmentRangeNetTypeNotSupported', `Network type ${type} does not support network segment ranges.`);

function checkOverlap(view: ReadView, r: Omit<NetworkSegmentRange, 'id'>, except: string | null): void {
  const overlapping = view
    .by('network_segment_range', 'type', r.network_type)
    .filter((o) => o.id !== except && !o.default && samePhysnet(o, r.physical_network))
    .filter((o) => r.minimum <= o.maximum && r.maximum >= o.minimum)
    .map((o) => o.id);
  if (overlapping.length > 0) {
    throw new QuarkError(
      'NetworkSegmentRangeOverlaps',
      `Network segment range overlaps with range(s) with id ${overlapping.join(', ')}`,
    );
  }
}

function createRange(tx: WriteTx, ctx: PluginContext, v: NetworkSegmentRangeCreate, projectId: string): NetworkSegmentRange {
  const type = v.network_type;
  const shared = v.shared;
  const physnet = type === 'vlan' ? (v.physical_network ?? null) : null;
  if (type === 'vlan' && physnet === null) {
    throw invalidInput("Network type vlan requires 'physical_network' to be specified while creating new range");
  }
  const minimum = v.minimum;
  const maximum = v.maximum;
  checkEligible(type, minimum, maximum);
  const range = {
    ...newStandardAttributes(ctx.newId(), shared ? '' : projectId, v),
    default: false,
    shared,
    network_type: type,
    physical_network: physnet,
    minimum,
    maximum,
  };
  checkOverlap(tx, range, null);
  return tx.put('network_segment_range', range);
}

function updateRange(
  tx: WriteTx,
  _ctx: PluginContext,
  r: NetworkSegmentRange,
  v: NetworkSegmentRangeUpdate,
): NetworkSegmentRange {
  if (r.default) throw readOnly(r.id);
  const minimum = v.minimum ?? r.minimum;
  const maximum = v.maximum ?? r.maximum;
  const used = inRange(heldIds(tx, r), r);
  if (used.length > 0 && (minimum >= used[0]! || maximum <= used[used.length - 1]!)) throw referenced(r.id);
  checkEligible(r.network_type, minimum, maximum);
  return tx.put('network_segment_range', { ...r, ...v, minimum, maximum });
}

function deleteRange(tx: WriteTx, _ctx: PluginContext, r: NetworkSegmentRange): void {
  if (r.default) throw readOnly(r.id);
  if (inRange(heldIds(tx, r), r).length > 0) throw referenced(r.id);
  tx.delete('network_segment_range', r.id);
}

/** The stored default ranges, made to match the configuration. */
function syncDefaults(tx: WriteTx, ctx: PluginContext): void {
  const wanted = configuredRanges(ctx.config);
  const stored = tx.all('network_segment_range').filter((r) => r.default);
  const key = (type: string, physnet: string | null, [lo, hi]: IdRange) => `${type}:${physnet ?? ''}:${lo}:${hi}`;
  const wantedKeys = new Set(wanted.map((w) => key(w.type, w.physnet, w.range)));
  const storedKeys = new Set(stored.map((r) => key(r.network_type, r.physical_network, [r.minimum, r.maximum])));
  for (const r of stored)
    if (!wantedKeys.has(key(r.network_type, r.physical_network, [r.minimum, r.maximum])))
      tx.delete('network_segment_range', r.id);
  for (const w of wanted) {
    if (storedKeys.has(key(w.type, w.physnet, w.range))) continue;
    tx.put('network_segment_range', {
      ...newStandardAttributes(ctx.newId(), ''),
      default: true,
      shared: true,
      network_type: w.type,
      physical_network: w.physnet,
      minimum: w.range[0],
      maximum: w.range[1],
    });
  }
}

function defaultsInStep(view: ReadView, config: ServerConfig): boolean {
  const stored = view.all('network_segment_range').filter((r) => r.default);
  const wanted = configuredRanges(config);
  return (
    stored.length === wanted.length &&
    wanted.every((w) =>
      stored.some(
        (r) =>
          r.network_type === w.type && r.physical_network === w.physnet && r.minimum === w.range[0] && r.maximum === w.range[1],
      ),
    )
  );
}

export const networkSegmentRangeHandler: HandlerSpec<
  'network_segment_range',
  NetworkSegmentRangeCreate,
  NetworkSegmentRangeUpdate
> = {
  kind: 'network_segment_range',
  path: 'network-segment-ranges',
  notFound: networkSegmentRangeNotFound,
  target: (_view, r) => ({ projectId: r.project_id }),
  derived: (view, r) => {
    const held = heldIds(view, r);
    const used: Record<string, string> = {};
    for (const id of inRange(held, r)) used[String(id)] = held.get(id)!;
    const available: number[] = [];
    for (let id = r.minimum; id <= r.maximum; id++) if (!held.has(id)) available.push(id);
    return { project_id: r.project_id === '' ? null : r.project_id, used, available };
  },
  beforeList: (view, ctx) => (defaultsInStep(view, ctx.config) ? null : (tx) => syncDefaults(tx, ctx)),
  create: createRange,
  update: updateRange,
  delete: deleteRange,
};
