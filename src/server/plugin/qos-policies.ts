/**
 * Rules of the `policy` resource (`/v2.0/qos/policies`), as neutron/services/qos/qos_plugin.py
 * and neutron/objects/qos/policy.py apply them:
 * - `shared` is the wildcard RBAC policy of object type `qos_policy`; RBAC policies may share a
 *   policy with single projects too;
 * - a project has at most one default policy (`is_default`, QoSPolicyDefaultAlreadyExists);
 * - a policy used by a network or a port is not deleted (QosPolicyInUse, 409); its rules and
 *   RBAC policies go with it.
 */
import type { QosPolicyCreate, QosPolicyUpdate } from '../../model/api/values.js';
import { QuarkError } from '../../model/errors.js';
import { QOS_RULE_TYPES, type QosPolicy, type QosRule, type QosRuleType } from '../../model/qos.js';
import type { Kind } from '../../store/kinds.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { Caller } from '../caller.js';
import type { HandlerSpec } from '../api/resource.js';
import { allowed } from '../policy.js';
import type { PluginContext } from './context.js';
import { hasWildcard, sharedWith, targetsOf } from './rbac-access.js';
import { deletePoliciesOf, setWildcardPolicy } from './rbac-policies.js';

export const qosPolicyNotFound = (id: string) => new QuarkError('QosPolicyNotFound', `QoS policy ${id} could not be found.`);

/** The store kind of each rule type. */
export const RULE_KIND = {
  bandwidth_limit: 'qos_bandwidth_limit_rule',
  dscp_marking: 'qos_dscp_marking_rule',
  minimum_bandwidth: 'qos_minimum_bandwidth_rule',
  packet_rate_limit: 'qos_packet_rate_limit_rule',
  minimum_packet_rate: 'qos_minimum_packet_rate_rule',
} as const satisfies Record<QosRuleType, Kind>;

/** A policy's rules, each with its type, in Neutron's order of rule types (objects/qos/rule.py get_rules). */
export function rulesOf(view: ReadView, policyId: string): QosRule[] {
  const out: QosRule[] = [];
  for (const type of [
    'bandwidth_limit',
    'dscp_marking',
    'minimum_bandwidth',
    'packet_rate_limit',
    'minimum_packet_rate',
  ] as const) {
    for (const r of view.by(RULE_KIND[type], 'policy', policyId)) out.push({ ...r, type } as QosRule);
  }
  return out;
}

/** Who may read a policy, for the policy engine: its project, and the projects it is shared with. */
export function qosPolicyTarget(view: ReadView, p: QosPolicy) {
  return { projectId: p.project_id, shared: p.shared, sharedWith: targetsOf(view, 'qos_policy', p.id, 'access_as_shared') };
}

/**
 * The policy `id` as the caller may name it on a network or a port: Neutron's qos extension
 * driver looks it up with the caller's context (its own, or shared with it), else QosPolicyNotFound.
 */
export function usableQosPolicy(view: ReadView, caller: Caller, id: string): QosPolicy {
  const policy = view.get('qos_policy', id);
  if (!policy || !allowed('get_policy', caller, qosPolicyTarget(view, policy))) throw qosPolicyNotFound(id);
  return policy;
}

/** The project's default policy, which a network made without one gets (`qos-default`). */
export function defaultQosPolicy(view: ReadView, projectId: string): QosPolicy | undefined {
  return view.by('qos_policy', 'projectDefault', projectId)[0];
}

function checkDefault(view: ReadView, projectId: string, except: string | null): void {
  const current = defaultQosPolicy(view, projectId);
  if (current && current.id !== except) {
    throw new QuarkError('QoSPolicyDefaultAlreadyExists', `A default QoS policy exists for project ${projectId}.`);
  }
}

export function createQosPolicy(tx: WriteTx, ctx: PluginContext, v: QosPolicyCreate, projectId: string): QosPolicy {
  const id = ctx.newId();
  if (v.is_default === true) checkDefault(tx, projectId, null);
  if (v.shared === true) setWildcardPolicy(tx, ctx, 'qos_policy', id, projectId, 'access_as_shared', true);
  return tx.put('qos_policy', {
    id,
    project_id: projectId,
    name: v.name,
    description: v.description,
    shared: v.shared === true,
    is_default: v.is_default === true,
    tags: [],
    created_at: '',
    updated_at: '',
    revision_number: 0,
  });
}

export function updateQosPolicy(tx: WriteTx, ctx: PluginContext, policy: QosPolicy, v: QosPolicyUpdate): QosPolicy {
  if (v.is_default === true) checkDefault(tx, policy.project_id, policy.id);
  // Unsharing removes the wildcard policy, refused while another project's network or port uses it.
  if (v.shared !== undefined)
    setWildcardPolicy(tx, ctx, 'qos_policy', policy.id, policy.project_id, 'access_as_shared', v.shared);
  return tx.put('qos_policy', {
    ...policy,
    ...(v.name !== undefined ? { name: v.name } : {}),
    ...(v.description !== undefined ? { description: v.description } : {}),
    ...(v.is_default !== undefined ? { is_default: v.is_default } : {}),
    shared: hasWildcard(tx, 'qos_policy', policy.id, 'access_as_shared'),
  });
}

/** The first network or port that uses the policy, as Neutron's QosPolicy.delete names it. */
export function qosPolicyUser(view: ReadView, policyId: string): { type: 'network' | 'port'; id: string } | null {
  const network = view.by('network', 'qosPolicy', policyId)[0];
  if (network) return { type: 'network', id: network.id };
  const port = view.by('port', 'qosPolicy', policyId)[0];
  return port ? { type: 'port', id: port.id } : null;
}

export function deleteQosPolicy(tx: WriteTx, _ctx: PluginContext, policy: QosPolicy): void {
  const user = qosPolicyUser(tx, policy.id);
  if (user) {
    throw new QuarkError('QosPolicyInUse', `QoS Policy ${policy.id} is used by ${user.type} ${user.id}.`);
  }
  for (const type of QOS_RULE_TYPES)
    for (const r of tx.by(RULE_KIND[type], 'policy', policy.id)) tx.delete(RULE_KIND[type], r.id);
  deletePoliciesOf(tx, 'qos_policy', policy.id);
  tx.delete('qos_policy', policy.id);
}

/** A rule as a policy's `rules` list shows it (objects/qos/rule.py to_dict: its fields and type). */
function ruleInPolicy(rule: QosRule): Record<string, unknown> {
  const { project_id: _project, ...shown } = rule;
  return shown;
}

export const qosPolicyHandler: HandlerSpec<'qos_policy', QosPolicyCreate, QosPolicyUpdate> = {
  kind: 'qos_policy',
  path: 'qos/policies',
  notFound: qosPolicyNotFound,
  target: (view, p) => qosPolicyTarget(view, p),
  derived: (view, p) => ({ rules: rulesOf(view, p.id).map(ruleInPolicy) }),
  // Shared with the caller's project by an RBAC policy, though not with every project.
  forCaller: (view, p, caller) => (!p.shared && sharedWith(view, 'qos_policy', p.id, caller.projectId) ? { shared: true } : null),
  create: createQosPolicy,
  update: updateQosPolicy,
  delete: deleteQosPolicy,
};

/**
 * The policy a new network or port gets (neutron/core_extensions/qos.py): the one it names,
 * which the caller must be able to see; a network naming none gets its project's default.
 */
export function qosPolicyOnCreate(
  view: ReadView,
  caller: Caller,
  requested: string | null | undefined,
  projectId: string,
  kind: 'network' | 'port',
): string | null {
  if (requested) return usableQosPolicy(view, caller, requested).id;
  return kind === 'network' ? (defaultQosPolicy(view, projectId)?.id ?? null) : null;
}

/**
 * The policy after an update naming `qos_policy_id`: the old one must be the caller's to
 * remove (its own or shared with it, else PolicyRemoveAuthorizationError), the new one visible.
 */
export function qosPolicyOnUpdate(
  view: ReadView,
  caller: Caller,
  current: string | null | undefined,
  requested: string | null,
): string | null {
  if (current && current !== requested) {
    const old = view.get('qos_policy', current);
    if (old && !allowed('get_policy', caller, qosPolicyTarget(view, old))) {
      throw new QuarkError(
        'PolicyRemoveAuthorizationError',
        `Failed to remove provided policy ${current} because you are not authorized.`,
      );
    }
  }
  return requested === null ? null : usableQosPolicy(view, caller, requested).id;
}
