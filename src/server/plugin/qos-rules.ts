/**
 * Rules of the QoS rule resources, one collection per type under a policy
 * (`/v2.0/qos/policies/{policy_id}/<type>_rules`) and the same rules by alias
 * (`/v2.0/qos/alias_<type>_rules/{id}`), as neutron/services/qos/qos_plugin.py and
 * neutron/objects/qos/qos_policy_validator.py check them:
 * - a policy holds one rule per type and direction (DSCP: per type), else QoSRulesConflict;
 * - a minimum bandwidth above the policy's limit, or a limit below its minimum, is
 *   QoSRuleParameterConflict; so is mixing `any` with a direction in minimum packet rate rules;
 * - rules are written by admins only; they are read by whoever may read their policy.
 */
import { QuarkError } from '../../model/errors.js';
import type { QosRule, QosRuleType } from '../../model/qos.js';
import type { KindRecords } from '../../store/kinds.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { AttributeValues } from '../api/request-body.js';
import type { HandlerSpec } from '../api/resource.js';
import type { PluginContext } from './context.js';
import { RULE_KIND, qosPolicyNotFound, qosPolicyTarget, rulesOf } from './qos-policies.js';

type RuleKind = (typeof RULE_KIND)[QosRuleType];

/** Neutron's QosRuleNotFound; by alias the policy is unknown and left empty (measured on Neutron 21). */
const ruleNotFound = (policyId: string, id: string) =>
  new QuarkError('QosRuleNotFound', `QoS rule ${id} for policy ${policyId} could not be found.`);
type Params = Record<string, unknown>;

/** The fields a rule type is compared on for duplicates (objects/qos/rule.py duplicates_compare_fields). */
const directional = (type: QosRuleType) => type !== 'dscp_marking';

/** Neutron's check_bandwidth_rule_conflict, check_min_pps_rule_conflict and check_rules_conflict. */
function checkConflicts(view: ReadView, policyId: string, type: QosRuleType, rule: Params & { id: string }): void {
  const conflict = (value: unknown, existing: QosRule, existingValue: unknown) =>
    new QuarkError(
      'QoSRuleParameterConflict',
      `Unable to add the rule with value ${value} to the policy ${policyId} as the existing rule of type ${existing.type} has value ${existingValue}.`,
    );
  for (const other of rulesOf(view, policyId)) {
    if (other.id === rule.id) continue;
    if (other.type === 'minimum_bandwidth' && type === 'bandwidth_limit' && other.min_kbps > (rule.max_kbps as number)) {
      throw conflict(rule.max_kbps, other, other.min_kbps);
    }
    if (other.type === 'bandwidth_limit' && type === 'minimum_bandwidth' && other.max_kbps < (rule.min_kbps as number)) {
      throw conflict(rule.min_kbps, other, other.max_kbps);
    }
    if (other.type === 'minimum_packet_rate' && type === 'minimum_packet_rate') {
      const mixes = (rule.direction === 'any') !== (other.direction === 'any');
      if (mixes) throw conflict(rule.direction, other, other.direction);
    }
    const duplicate =
      other.type === type && (!directional(type) || (other as { direction: string }).direction === rule.direction);
    if (duplicate) {
      throw new QuarkError(
        'QoSRulesConflict',
        `Rule ${type} conflicts with rule ${other.id} which already exists in QoS Policy ${policyId}.`,
      );
    }
  }
}

/** The parameters a request gives, without the policy and project it names. */
function paramsOf(v: AttributeValues): Params {
  const { policy_id: _p, project_id: _project, tenant_id: _tenant, ...params } = v as Params;
  return params;
}

function createRule(type: QosRuleType, tx: WriteTx, ctx: PluginContext, v: AttributeValues): KindRecords[RuleKind] {
  const policyId = v.policy_id as string;
  const policy = tx.get('qos_policy', policyId);
  if (!policy) throw qosPolicyNotFound(policyId);
  const rule = { id: ctx.newId(), qos_policy_id: policy.id, project_id: policy.project_id, ...paramsOf(v) };
  checkConflicts(tx, policy.id, type, rule);
  const record = tx.put(RULE_KIND[type], rule as never);
  revisePolicy(tx, policy.id);
  return record;
}

function updateRule(type: QosRuleType, tx: WriteTx, rule: KindRecords[RuleKind], v: AttributeValues): KindRecords[RuleKind] {
  const next = { ...rule, ...paramsOf(v) };
  checkConflicts(tx, rule.qos_policy_id, type, next);
  const record = tx.put(RULE_KIND[type], next as never);
  revisePolicy(tx, rule.qos_policy_id);
  return record;
}

function deleteRule(type: QosRuleType, tx: WriteTx, rule: KindRecords[RuleKind]): void {
  tx.delete(RULE_KIND[type], rule.id);
  revisePolicy(tx, rule.qos_policy_id);
}

/** A rule is part of its policy (Neutron's rules revise their policy): a change moves its revision. */
function revisePolicy(tx: WriteTx, policyId: string): void {
  const policy = tx.get('qos_policy', policyId);
  if (policy) tx.put('qos_policy', policy);
}

function ruleTarget(view: ReadView, rule: { qos_policy_id: string; project_id: string }) {
  const policy = view.get('qos_policy', rule.qos_policy_id);
  return policy ? qosPolicyTarget(view, policy) : { projectId: rule.project_id };
}

/** The handler of one rule type under its policy. */
function ruleHandler<T extends QosRuleType>(type: T): HandlerSpec<(typeof RULE_KIND)[T]> {
  const kind = RULE_KIND[type];
  const spec: HandlerSpec<RuleKind> = {
    kind,
    path: `qos/policies/:policy_id/${type}_rules`,
    notFound: (id) => ruleNotFound('', id),
    parent: {
      kind: 'qos_policy',
      index: 'policy',
      of: (r) => r.qos_policy_id,
      list: 'not-found',
      member: 'parent',
      // A rule is written by admins only: a member's create is refused before its policy is looked up.
      create: 'policy-first',
      notFoundUnder: ruleNotFound,
    },
    target: (view, r) => ruleTarget(view, r),
    createTarget: (view, _ctx, v, projectId) => {
      const policy = view.get('qos_policy', v.policy_id as string);
      return policy ? qosPolicyTarget(view, policy) : { projectId };
    },
    create: (tx, ctx, v) => createRule(type, tx, ctx, v),
    update: (tx, _ctx, r, v) => updateRule(type, tx, r, v),
    delete: (tx, _ctx, r) => deleteRule(type, tx, r),
  };
  return spec as HandlerSpec<(typeof RULE_KIND)[T]>;
}

/** The handler of one rule type by alias: show, update and delete without naming the policy. */
function aliasHandler<T extends QosRuleType>(type: T): HandlerSpec<(typeof RULE_KIND)[T]> {
  const kind = RULE_KIND[type];
  const spec: HandlerSpec<RuleKind> = {
    kind,
    path: `qos/alias-${type.replaceAll('_', '-')}-rules`,
    notFound: (id) => ruleNotFound('', id),
    target: (view, r) => ruleTarget(view, r),
    create: () => {
      throw new QuarkError('HTTPNotFound', 'The resource could not be found.');
    },
    update: (tx, _ctx, r, v) => updateRule(type, tx, r, v),
    delete: (tx, _ctx, r) => deleteRule(type, tx, r),
  };
  return spec as HandlerSpec<(typeof RULE_KIND)[T]>;
}

export const qosRuleHandlers = [
  ruleHandler('bandwidth_limit'),
  ruleHandler('dscp_marking'),
  ruleHandler('minimum_bandwidth'),
  ruleHandler('packet_rate_limit'),
  ruleHandler('minimum_packet_rate'),
  aliasHandler('bandwidth_limit'),
  aliasHandler('dscp_marking'),
  aliasHandler('minimum_bandwidth'),
  aliasHandler('minimum_packet_rate'),
] as const;
