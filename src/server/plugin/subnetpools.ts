/**
 * Rules of the `subnetpool` resource, as neutron/db/db_base_plugin_v2.py and ipam/subnet_alloc.py:
 * prefixes of one family, compacted; prefix length bounds with the family's defaults (IPv4 8 to
 * 32, IPv6 64 to 128, the default at the minimum); an update may only add prefixes; one default
 * pool per family; pools of one address scope never overlap, and only a scope the caller may use
 * takes a pool; `shared` is the wildcard RBAC policy and cannot be changed by update; a pool that
 * subnets came from cannot be deleted.
 */
import type { SubnetPoolCreate, SubnetPoolUpdate } from '../../model/api/values.js';
import { QuarkError, invalidInput } from '../../model/errors.js';
import { ADDRESS_BITS } from '../../model/ip/address.js';
import { type Cidr, formatCidr, parseCidr } from '../../model/ip/cidr.js';
import { type PrefixSet, difference, isSubset, overlaps, prefixSet, toCidrs } from '../../model/ip/prefix-set.js';
import type { SubnetPool } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import type { Caller } from '../caller.js';
import { addressScopeNotFound } from './address-scopes.js';
import type { PluginContext } from './context.js';
import { sharedWith, targetsOf } from './rbac-access.js';
import { deletePoliciesOf, setWildcardPolicy } from './rbac-policies.js';
import { newStandardAttributes } from './standard-attributes.js';

export const subnetPoolNotFound = (id: string) => new QuarkError('SubnetPoolNotFound', `Subnet pool ${id} could not be found.`);

const DEFAULT_MIN_PREFIXLEN = { 4: 8, 6: 64 } as const;

export const mustCidr = (text: string): Cidr => parseCidr(text)!;

export function poolSet(pool: Pick<SubnetPool, 'ip_version' | 'prefixes'>): PrefixSet {
  return prefixSet(pool.ip_version, pool.prefixes.map(mustCidr));
}

/** The pool a caller may use: its own, shared with it, or any for an admin. */
export function visiblePool(view: ReadView, caller: Caller, id: string): SubnetPool {
  const pool = view.get('subnetpool', id);
  if (
    !pool ||
    !(caller.isAdmin || pool.project_id === caller.projectId || sharedWith(view, 'subnetpool', id, caller.projectId))
  ) {
    throw subnetPoolNotFound(id);
  }
  return pool;
}

const bounds = (type: string, prefixlen: number, baseType: string, base: number) =>
  new QuarkError('IllegalSubnetPoolPrefixBounds', `Illegal prefix bounds: ${type}=${prefixlen}, ${baseType}=${base}.`);

type PoolShape = Pick<
  SubnetPool,
  'ip_version' | 'prefixes' | 'min_prefixlen' | 'max_prefixlen' | 'default_prefixlen' | 'default_quota'
>;

/** Neutron's SubnetPoolReader: family from the prefixes, compaction, bounds with defaults. */
function readPool(
  prefixTexts: readonly string[],
  given: { min?: number; max?: number; default?: number },
  quota: number | null,
): PoolShape {
  if (prefixTexts.length === 0) throw new QuarkError('EmptySubnetPoolPrefixList', 'Empty subnet pool prefix list.');
  const cidrs = prefixTexts.map(mustCidr);
  const version = cidrs[0]!.version;
  if (cidrs.some((c) => c.version !== version)) {
    throw new QuarkError('PrefixVersionMismatch', 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.');
  }
  const bits = ADDRESS_BITS[version];
  const min = given.min ?? DEFAULT_MIN_PREFIXLEN[version];
  const max = given.max ?? bits;
  const def = given.default ?? min;
  if (min > max) throw bounds('min_prefixlen', min, 'max_prefixlen', max);
  if (max > bits) throw bounds('max_prefixlen', max, 'ip_version_max', bits);
  if (def < min) throw bounds('default_prefixlen', def, 'min_prefixlen', min);
  if (def > max) throw bounds('default_prefixlen', def, 'max_prefixlen', max);
  return {
    ip_version: version,
    prefixes: toCidrs(prefixSet(version, cidrs)).map(formatCidr),
    min_prefixlen: min,
    max_prefixlen: max,
    default_prefixlen: def,
    default_quota: quota,
  };
}

function checkSingleDefault(view: ReadView, version: 4 | 6, except: string | null): void {
  if (view.all('subnetpool').some((p) => p.is_default && p.ip_version === version && p.id !== except)) {
    throw invalidInput('A default subnetpool for this IP family has already been set. Only one default may exist per IP family');
  }
}

/** The address scope of a network for one family: the scope of its subnets' pool. */
export function networkScope(view: ReadView, networkId: string, version: 4 | 6): string | null {
  for (const s of view.by('subnet', 'network', networkId)) {
    if (s.ip_version !== version || !s.subnetpool_id) continue;
    const scope = view.get('subnetpool', s.subnetpool_id)?.address_scope_id;
    if (scope) return scope;
  }
  return null;
}

/** `ipv4_address_scope` and `ipv6_address_scope` of a network. */
export function addressScopesOf(view: ReadView, networkId: string) {
  return { ipv4_address_scope: networkScope(view, networkId, 4), ipv6_address_scope: networkScope(view, networkId, 6) };
}

/**
 * Neutron's _validate_address_scope_id: the scope exists for the caller, has the pool's family,
 * re-scoping keeps every network's subnets of the family in one scope, and the pool's prefixes
 * overlap no other pool of the scope.
 */
function checkAddressScope(view: ReadView, caller: Caller, pool: PoolShape & { id: string }, scopeId: string | null): void {
  if (scopeId === null) return;
  const scope = view.get('address_scope', scopeId);
  const reachable =
    scope &&
    (caller.isAdmin || scope.project_id === caller.projectId || sharedWith(view, 'address_scope', scopeId, caller.projectId));
  if (!scope || !reachable) throw addressScopeNotFound(scopeId);
  if (scope.ip_version !== pool.ip_version) {
    throw new QuarkError(
      'IllegalSubnetPoolIpVersionAssociationToAddressScope',
      `Illegal subnetpool association: subnetpool ${pool.id} cannot associate with address scope ${scopeId} because subnetpool ip_version is not ${scope.ip_version}.`,
    );
  }
  const rescoped = view.by('subnet', 'subnetpool', pool.id);
  const rescopedIds = new Set(rescoped.map((s) => s.id));
  for (const networkId of new Set(rescoped.map((s) => s.network_id))) {
    const others = view
      .by('subnet', 'network', networkId)
      .filter((s) => s.ip_version === pool.ip_version && !rescopedIds.has(s.id));
    if (others.length > 0) {
      throw new QuarkError(
        'NetworkAddressScopeAffinityError',
        'Subnets of the same address family hosted on the same network must all participate in the same address scope.',
      );
    }
  }
  const mine = poolSet(pool);
  for (const other of view.by('subnetpool', 'addressScope', scopeId)) {
    if (other.id !== pool.id && overlaps(poolSet(other), mine)) {
      throw new QuarkError(
        'AddressScopePrefixConflict',
        'Failed to associate address scope: subnetpools within an address scope must have unique prefixes.',
      );
    }
  }
}

export function createSubnetPool(tx: WriteTx, ctx: PluginContext, v: SubnetPoolCreate, projectId: string): SubnetPool {
  const shape = readPool(
    v.prefixes,
    {
      min: v.min_prefixlen,
      max: v.max_prefixlen,
      default: v.default_prefixlen,
    },
    v.default_quota ?? null,
  );
  const id = ctx.newId();
  if (v.is_default === true) checkSingleDefault(tx, shape.ip_version, null);
  const scopeId = v.address_scope_id ?? null;
  checkAddressScope(tx, ctx.caller, { ...shape, id }, scopeId);
  if (v.shared === true) setWildcardPolicy(tx, ctx, 'subnetpool', id, projectId, 'access_as_shared', true);
  return tx.put('subnetpool', {
    ...newStandardAttributes(id, projectId, v),
    ...shape,
    is_default: v.is_default,
    address_scope_id: scopeId,
    shared: v.shared,
  });
}

/** Neutron's _update_subnetpool_dict and update_subnetpool. */
export function updateSubnetPool(tx: WriteTx, ctx: PluginContext, pool: SubnetPool, v: SubnetPoolUpdate): SubnetPool {
  if (pool.address_scope_id) {
    const scope = tx.get('address_scope', pool.address_scope_id);
    if (scope && !ctx.caller.isAdmin && scope.project_id !== ctx.caller.projectId) {
      throw new QuarkError(
        'IllegalSubnetPoolUpdate',
        `Illegal subnetpool update : subnetpool ${pool.id} cannot be updated when associated with shared address scope ${pool.address_scope_id}.`,
      );
    }
  }
  let prefixes: readonly string[] = pool.prefixes;
  if (v.prefixes !== undefined) {
    const wanted = prefixSet(pool.ip_version, v.prefixes.map(mustCidr));
    if (v.prefixes.some((p) => mustCidr(p).version !== pool.ip_version)) {
      throw new QuarkError('PrefixVersionMismatch', 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.');
    }
    if (!isSubset(poolSet(pool), wanted)) {
      throw new QuarkError(
        'IllegalSubnetPoolPrefixUpdate',
        'Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes.',
      );
    }
    prefixes = toCidrs(wanted).map(formatCidr);
  }
  const shape = readPool(
    prefixes,
    {
      min: v.min_prefixlen ?? pool.min_prefixlen,
      max: v.max_prefixlen ?? pool.max_prefixlen,
      default: v.default_prefixlen ?? pool.default_prefixlen,
    },
    v.default_quota === undefined ? pool.default_quota : v.default_quota,
  );
  const isDefault = v.is_default ?? pool.is_default;
  if (isDefault && !pool.is_default) checkSingleDefault(tx, shape.ip_version, pool.id);
  const scopeId = v.address_scope_id === undefined ? pool.address_scope_id : v.address_scope_id;
  checkAddressScope(tx, ctx.caller, { ...shape, id: pool.id }, scopeId);
  return tx.put('subnetpool', {
    ...pool,
    ...shape,
    name: v.name ?? pool.name,
    description: v.description ?? pool.description,
    is_default: isDefault,
    address_scope_id: scopeId,
  });
}

export function deleteSubnetPool(tx: WriteTx, _ctx: PluginContext, pool: SubnetPool): void {
  if (tx.count('subnet', 'subnetpool', pool.id) > 0) {
    throw new QuarkError('SubnetPoolDeleteError', 'Unable to delete subnet pool: Subnet pool has existing allocations.');
  }
  deletePoliciesOf(tx, 'subnetpool', pool.id);
  tx.delete('subnetpool', pool.id);
}

/** `PUT /subnetpools/{id}/add_prefixes`: the prefixes after the update. */
export function addPrefixes(tx: WriteTx, ctx: PluginContext, pool: SubnetPool, added: readonly string[]): readonly string[] {
  if (added.length === 0) return pool.prefixes;
  return updateSubnetPool(tx, ctx, pool, { prefixes: [...pool.prefixes, ...added] }).prefixes;
}

/** `PUT /subnetpools/{id}/remove_prefixes`: prefixes subnets use stay (400). */
export function removePrefixes(
  tx: WriteTx,
  _ctx: PluginContext,
  pool: SubnetPool,
  removed: readonly string[],
): readonly string[] {
  const all = poolSet(pool);
  const removal = prefixSet(pool.ip_version, removed.map(mustCidr));
  if (removed.length === 0 || !overlaps(all, removal)) return pool.prefixes;
  const allocated = prefixSet(
    pool.ip_version,
    tx.by('subnet', 'subnetpool', pool.id).map((s) => mustCidr(s.cidr)),
  );
  if (overlaps(allocated, removal)) {
    throw new QuarkError(
      'IllegalSubnetPoolPrefixUpdate',
      'Illegal update to prefixes: One or more the prefixes to be removed is in use by a subnet.',
    );
  }
  const left = toCidrs(difference(all, removal)).map(formatCidr);
  return tx.put('subnetpool', { ...pool, prefixes: left }).prefixes;
}

/** What a subnet asks of a pool: a cidr inside it, or only a size. */
export interface SubnetRequest {
  readonly cidr: Cidr | null;
  readonly prefixlen: number | null;
  readonly projectId: string;
}

/**
 * Carves a subnet out of the pool (Neutron's SubnetAllocator): the size within the pool's bounds,
 * within the project's `default_quota` (counted in /32 or /64 units), and free; a sized request
 * takes the start of the smallest free block that fits, a cidr must lie in one free block.
 */
export function allocateSubnet(view: ReadView, pool: SubnetPool, request: SubnetRequest): Cidr {
  const prefixlen = request.cidr?.prefixLength ?? request.prefixlen ?? pool.default_prefixlen;
  if (prefixlen > pool.max_prefixlen) {
    throw new QuarkError(
      'MaxPrefixSubnetAllocationError',
      `Unable to allocate subnet with prefix length ${prefixlen}, maximum allowed prefix is ${pool.max_prefixlen}.`,
    );
  }
  if (prefixlen < pool.min_prefixlen) {
    throw new QuarkError(
      'MinPrefixSubnetAllocationError',
      `Unable to allocate subnet with prefix length ${prefixlen}, minimum allowed prefix is ${pool.min_prefixlen}.`,
    );
  }
  const subnets = view.by('subnet', 'subnetpool', pool.id);
  if (pool.default_quota !== null) {
    const unit = pool.ip_version === 4 ? 32 : 64;
    const units = (length: number) => 2 ** (unit - length);
    const used = subnets
      .filter((s) => s.project_id === request.projectId)
      .reduce((n, s) => n + units(mustCidr(s.cidr).prefixLength), 0);
    if (used + units(prefixlen) > pool.default_quota) {
      throw new QuarkError('SubnetPoolQuotaExceeded', 'Per-tenant subnet pool prefix quota exceeded.');
    }
  }
  const free = difference(
    poolSet(pool),
    prefixSet(
      pool.ip_version,
      subnets.map((s) => mustCidr(s.cidr)),
    ),
  );
  // Smallest blocks first, each size in address order (a stable sort of netaddr's iter_cidrs).
  const blocks = toCidrs(free).sort((a, b) => b.prefixLength - a.prefixLength);
  if (request.cidr === null) {
    const block = blocks.find((b) => b.prefixLength <= prefixlen);
    if (!block) {
      throw new QuarkError(
        'SubnetAllocationError',
        `Failed to allocate subnet: Insufficient prefix space to allocate subnet size /${prefixlen}.`,
      );
    }
    return { version: pool.ip_version, network: block.network, prefixLength: prefixlen };
  }
  const wanted = request.cidr;
  const holding = blocks.filter((b) => b.prefixLength <= wanted.prefixLength && cidrHolds(b, wanted));
  if (holding.length !== 1) {
    throw new QuarkError(
      'SubnetAllocationError',
      'Failed to allocate subnet: Cannot allocate requested subnet from the available set of prefixes.',
    );
  }
  return wanted;
}

function cidrHolds(outer: Cidr, inner: Cidr): boolean {
  const bits = ADDRESS_BITS[outer.version];
  const shift = BigInt(bits - outer.prefixLength);
  return outer.version === inner.version && inner.network >> shift === outer.network >> shift;
}

/**
 * Neutron's _validate_network_subnetpools: subnets of one family on a network come from one
 * pool, or, when address scopes are involved, all sit in the same scope.
 */
export function checkNetworkPools(view: ReadView, networkId: string, version: 4 | 6, pool: SubnetPool | null): void {
  const scope = networkScope(view, networkId, version);
  if (scope !== null && (pool === null || pool.address_scope_id !== scope)) {
    throw new QuarkError(
      'NetworkAddressScopeAffinityError',
      'Subnets of the same address family hosted on the same network must all participate in the same address scope.',
    );
  }
  for (const s of view.by('subnet', 'network', networkId)) {
    if (s.ip_version !== version) continue;
    const mismatch = pool === null ? s.subnetpool_id !== null : s.subnetpool_id !== pool.id && scope === null;
    if (mismatch) {
      throw new QuarkError(
        'NetworkSubnetPoolAffinityError',
        'Subnets hosted on the same network must be allocated from the same subnet pool.',
      );
    }
  }
}

/** The default pool of a family that the caller may use (use_default_subnetpool). */
export function defaultPool(view: ReadView, caller: Caller, version: 4 | 6): SubnetPool | undefined {
  return view
    .all('subnetpool')
    .find(
      (p) =>
        p.is_default &&
        p.ip_version === version &&
        (caller.isAdmin || p.project_id === caller.projectId || sharedWith(view, 'subnetpool', p.id, caller.projectId)),
    );
}

export const subnetPoolHandler: HandlerSpec<'subnetpool', SubnetPoolCreate, SubnetPoolUpdate> = {
  kind: 'subnetpool',
  path: 'subnetpools',
  quota: 'subnetpool',
  notFound: subnetPoolNotFound,
  target: (view, p) => ({
    projectId: p.project_id,
    shared: p.shared,
    sharedWith: targetsOf(view, 'subnetpool', p.id, 'access_as_shared'),
  }),
  // Neutron shows the prefix lengths as strings (its GET does; tempest compares them so).
  derived: (_view, p) => ({
    min_prefixlen: String(p.min_prefixlen),
    max_prefixlen: String(p.max_prefixlen),
    default_prefixlen: String(p.default_prefixlen),
  }),
  forCaller: (view, p, caller) => (!p.shared && sharedWith(view, 'subnetpool', p.id, caller.projectId) ? { shared: true } : null),
  create: createSubnetPool,
  update: updateSubnetPool,
  delete: deleteSubnetPool,
};
