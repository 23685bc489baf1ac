/**
 * Rules of the `rbac_policy` resource, as neutron/db/rbac_db_mixin.py and the object types'
 * callbacks (objects/rbac_db.py, db_base_plugin_v2, external_net_db) apply them:
 * - only the object's owner or an admin makes a policy on it (else 400 InvalidInput, as
 *   Neutron turns its callback failure into one); an unknown object is the same 400;
 * - a policy for every project ('*') needs an admin (policy create_rbac_policy:target_tenant);
 * - a target may not lose access while it depends on it (RbacPolicyInUse / InvalidSharedSetting):
 *   its ports on a shared network, its routers on an external one, its ports using a group, its
 *   pools in a scope, its subnets from a pool, its security group rules naming an address group;
 * - an `access_as_external` policy makes its network external; removing the last makes it internal.
 * Every change revises the network it is about, and keeps the object's `shared` flag (the
 * wildcard sharing policy) up to date.
 */
import type { RbacPolicyCreate, RbacPolicyUpdate } from '../../model/api/values.js';
import { QuarkError, invalidInput } from '../../model/errors.js';
import type { RbacAction, RbacObjectType, RbacPolicy } from '../../model/resources.js';
import { DeviceOwner } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import type { PluginContext } from './context.js';
import { WILDCARD, hasWildcard, policiesOf, targetsOf } from './rbac-access.js';
import { enforce } from '../policy.js';

interface ObjectRules {
  readonly actions: readonly RbacAction[];
  /** The owner of the object, undefined when there is no such object. */
  owner(view: ReadView, id: string): string | undefined;
  /** Projects whose resources use the object (Neutron's get_bound_project_ids). */
  bound(view: ReadView, id: string): Set<string>;
}

const OBJECTS: Readonly<Record<RbacObjectType, ObjectRules>> = {
  network: {
    actions: ['access_as_shared', 'access_as_external'],
    owner: (view, id) => view.get('network', id)?.project_id,
    bound: () => new Set(),
  },
  security_group: {
    actions: ['access_as_shared'],
    owner: (view, id) => view.get('security_group', id)?.project_id,
    bound: (view, id) => new Set(view.by('port', 'securityGroup', id).map((p) => p.project_id)),
  },
  address_scope: {
    actions: ['access_as_shared'],
    owner: (view, id) => view.get('address_scope', id)?.project_id,
    bound: (view, id) => new Set(view.by('subnetpool', 'addressScope', id).map((p) => p.project_id)),
  },
  subnetpool: {
    actions: ['access_as_shared'],
    owner: (view, id) => view.get('subnetpool', id)?.project_id,
    bound: (view, id) => new Set(view.by('subnet', 'subnetpool', id).map((s) => s.project_id)),
  },
  address_group: {
    actions: ['access_as_shared'],
    owner: (view, id) => view.get('address_group', id)?.project_id,
    // objects/address_group.py get_bound_project_ids: the projects of the rules naming the group.
    bound: (view, id) => new Set(view.by('security_group_rule', 'remoteAddressGroup', id).map((r) => r.project_id)),
  },
  // Neutron's QosPolicy get_bound_project_ids: the projects of the networks and ports that use it.
  qos_policy: {
    actions: ['access_as_shared'],
    owner: (view, id) => view.get('qos_policy', id)?.project_id,
    bound: (view, id) =>
      new Set([...view.by('network', 'qosPolicy', id), ...view.by('port', 'qosPolicy', id)].map((r) => r.project_id)),
  },
};

const inUse = (policy: RbacPolicy, details: string) =>
  new QuarkError(
    'RbacPolicyInUse',
    `RBAC policy on object ${policy.object_id} cannot be removed because other objects depend on it.\nDetails: ${details}`,
  );

/** The project `lost` stops being a target of `policy` (deleted, or retargeted): may it? */
function checkLoss(view: ReadView, policy: RbacPolicy, lost: string, newTarget: string | null): void {
  const type = policy.object_type;
  const owner = OBJECTS[type].owner(view, policy.object_id) ?? '';
  if (type === 'network' && policy.action === 'access_as_external') {
    checkExternalLoss(view, policy, lost, newTarget);
    return;
  }
  if (lost === owner) return;
  if (type === 'network') {
    checkNoPortsOfLostProjects(view, policy, lost, owner);
    return;
  }
  const bound = OBJECTS[type].bound(view, policy.object_id);
  if (lost !== WILDCARD) {
    if (hasWildcard(view, type, policy.object_id, 'access_as_shared')) return;
    if (bound.has(lost)) throw inUse(policy, `project_id=${lost}`);
    return;
  }
  const others = targetsOf(view, type, policy.object_id, 'access_as_shared');
  if ([...bound].some((p) => !others.has(p))) throw inUse(policy, `project_id=${lost}`);
}

/** Neutron's ensure_no_tenant_ports_on_network: the projects losing the network have no port on it. */
function checkNoPortsOfLostProjects(view: ReadView, policy: RbacPolicy, lost: string, owner: string): void {
  const ports = view.by('port', 'network', policy.object_id).filter((p) => p.device_owner !== DeviceOwner.dhcp);
  let blocking: boolean;
  if (lost === WILDCARD) {
    const allowed = targetsOf(view, 'network', policy.object_id, 'access_as_shared');
    allowed.add(owner);
    blocking = ports.some((p) => !allowed.has(p.project_id) && p.project_id !== '');
  } else {
    if (hasWildcard(view, 'network', policy.object_id, 'access_as_shared')) return;
    blocking = ports.some((p) => p.project_id === lost);
  }
  if (blocking) {
    throw new QuarkError(
      'InvalidSharedSetting',
      `Unable to reconfigure sharing settings for network ${policy.object_id}. Multiple tenants are using it.`,
    );
  }
}

/** Neutron's _validate_ext_not_in_use_by_tenant: no router of a losing project has its gateway there. */
function checkExternalLoss(view: ReadView, policy: RbacPolicy, lost: string, newTarget: string | null): void {
  const routers = view
    .by('port', 'network', policy.object_id)
    .filter((p) => p.device_owner === DeviceOwner.routerGateway)
    .map((p) => view.get('router', p.device_id))
    .filter((r) => r !== undefined);
  let blocked: boolean;
  if (lost !== WILDCARD) {
    if (hasWildcard(view, 'network', policy.object_id, 'access_as_external')) return;
    blocked = routers.some((r) => r.project_id === lost);
  } else {
    const entitled = targetsOf(view, 'network', policy.object_id, 'access_as_external');
    if (newTarget !== null) entitled.add(newTarget);
    blocked = routers.some((r) => !entitled.has(r.project_id));
  }
  if (blocked) throw inUse(policy, 'There are routers attached to this network that depend on this policy for access.');
}

/** Flags and revisions that follow a change of the object's policies. */
function afterChange(tx: WriteTx, type: RbacObjectType, id: string): void {
  const shared = hasWildcard(tx, type, id, 'access_as_shared');
  if (type === 'network') {
    const net = tx.get('network', id);
    if (!net) return;
    const external = policiesOf(tx, 'network', id).some((p) => p.action === 'access_as_external');
    // A policy is part of its network (Neutron's NetworkRBAC revises_on_change), and a network
    // is external exactly while an access_as_external policy exists (external_net_db).
    tx.put('network', { ...net, shared, 'router:external': external });
    return;
  }
  // Security groups and address groups store no flag: their `shared` is computed for each caller.
  if (type === 'security_group' || type === 'address_group') return;
  const record = tx.get(type, id);
  if (record && record.shared !== shared) tx.put(type, { ...record, shared } as never);
}

/** The owner of the object, checked against the caller, as Neutron's BEFORE_CREATE/UPDATE callbacks do. */
function ownedObject(view: ReadView, ctx: PluginContext, type: RbacObjectType, id: string): string {
  const owner = OBJECTS[type].owner(view, id);
  if (owner === undefined) {
    throw invalidInput(`Callback for rbac_policy failed: the ${type} ${id} could not be found`);
  }
  if (!ctx.caller.isAdmin && owner !== ctx.caller.projectId) {
    const what = type === 'network' ? 'networks' : 'objects';
    throw invalidInput(`Only admins can manipulate policies on ${what} they do not own`);
  }
  return owner;
}

function checkDuplicate(view: ReadView, policy: Omit<RbacPolicy, 'id' | 'project_id'>, except: string | null): void {
  const same = policiesOf(view, policy.object_type, policy.object_id).some(
    (p) => p.id !== except && p.action === policy.action && p.target_project === policy.target_project,
  );
  if (same) throw new QuarkError('DuplicateRbacPolicy', 'An RBAC policy already exists with those values.');
}

export function createRbacPolicy(tx: WriteTx, ctx: PluginContext, v: RbacPolicyCreate, projectId: string): RbacPolicy {
  const type = v.object_type;
  const action = v.action as RbacAction;
  const objectId = v.object_id;
  if (!OBJECTS[type].actions.includes(action)) {
    throw new QuarkError(
      'InvalidActionForType',
      `Invalid action '${action}' for object type '${type}'. Valid actions: [${OBJECTS[type].actions.map((a) => `'${a}'`).join(', ')}]`,
    );
  }
  ownedObject(tx, ctx, type, objectId);
  const policy: RbacPolicy = {
    id: ctx.newId(),
    project_id: projectId,
    object_type: type,
    object_id: objectId,
    action,
    target_project: v.target_tenant,
  };
  checkDuplicate(tx, policy, null);
  if (type === 'subnetpool') checkPoolScopeReachable(tx, policy);
  tx.put('rbac_policy', policy);
  afterChange(tx, type, objectId);
  return policy;
}

/**
 * A pool in an address scope can be shared only with projects that may use the scope
 * (objects/subnetpool.py validate_rbac_policy_create).
 */
function checkPoolScopeReachable(view: ReadView, policy: RbacPolicy): void {
  const scopeId = view.get('subnetpool', policy.object_id)?.address_scope_id;
  if (!scopeId) return;
  const scope = view.get('address_scope', scopeId);
  if (!scope) return;
  const reachable =
    policy.target_project === scope.project_id ||
    policiesOf(view, 'address_scope', scopeId).some(
      (p) => p.action === 'access_as_shared' && (p.target_project === WILDCARD || p.target_project === policy.target_project),
    );
  if (!reachable) {
    throw invalidInput(
      `Callback for rbac_policy failed: the address scope ${scopeId} of subnetpool ${policy.object_id} is not shared with project ${policy.target_project}`,
    );
  }
}

export function updateRbacPolicy(tx: WriteTx, ctx: PluginContext, policy: RbacPolicy, v: RbacPolicyUpdate): RbacPolicy {
  const target = v.target_tenant ?? policy.target_project;
  // The rule sees the new target, not the stored one.
  enforce('update_rbac_policy:target_tenant', ctx.caller, { projectId: policy.project_id, wildcard: target === WILDCARD });
  ownedObject(tx, ctx, policy.object_type, policy.object_id);
  if (target !== policy.target_project) {
    checkDuplicate(tx, { ...policy, target_project: target }, policy.id);
    checkLoss(tx, policy, policy.target_project, target);
  }
  const updated = tx.put('rbac_policy', { ...policy, target_project: target });
  afterChange(tx, policy.object_type, policy.object_id);
  return updated;
}

export function deleteRbacPolicy(tx: WriteTx, _ctx: PluginContext, policy: RbacPolicy): void {
  checkLoss(tx, policy, policy.target_project, null);
  tx.delete('rbac_policy', policy.id);
  afterChange(tx, policy.object_type, policy.object_id);
}

/**
 * Turns an object's wildcard policy on or off, as its `shared` (or a network's
 * `router:external`) attribute asks; turning off checks that nobody depends on it.
 */
export function setWildcardPolicy(
  tx: WriteTx,
  ctx: PluginContext,
  type: RbacObjectType,
  id: string,
  owner: string,
  action: RbacAction,
  on: boolean,
): void {
  const existing = policiesOf(tx, type, id).filter((p) => p.action === action && p.target_project === WILDCARD);
  if (on && existing.length === 0) {
    tx.put('rbac_policy', {
      id: ctx.newId(),
      project_id: owner,
      object_type: type,
      object_id: id,
      action,
      target_project: WILDCARD,
    });
  }
  if (!on) {
    for (const p of existing) {
      checkLoss(tx, p, WILDCARD, null);
      tx.delete('rbac_policy', p.id);
    }
  }
}

/** Removes every policy of an object that is being deleted. */
export function deletePoliciesOf(tx: WriteTx, type: RbacObjectType, id: string): void {
  for (const p of policiesOf(tx, type, id)) tx.delete('rbac_policy', p.id);
}

export const rbacPolicyNotFound = (id: string) =>
  new QuarkError('RbacPolicyNotFound', `RBAC policy of type unknown with ID ${id} not found`);

export const rbacPolicyHandler: HandlerSpec<'rbac_policy', RbacPolicyCreate, RbacPolicyUpdate> = {
  kind: 'rbac_policy',
  path: 'rbac-policies',
  quota: 'rbac_policy',
  notFound: rbacPolicyNotFound,
  target: (_view, p) => ({ projectId: p.project_id, wildcard: p.target_project === WILDCARD }),
  visibleTo: (view, projectId) => view.by('rbac_policy', 'project', projectId),
  createTarget: (_view, _ctx, v, projectId) => ({ projectId, wildcard: v.target_tenant === WILDCARD }),
  create: createRbacPolicy,
  update: updateRbacPolicy,
  delete: deleteRbacPolicy,
  derived: (_view, p) => ({ target_tenant: p.target_project }),
};
