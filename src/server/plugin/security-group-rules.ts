/**
 * Rules of the `security_group_rule` resource: Neutron's normalisation and checks (see
 * model/security-group-rule.ts), the remote group of the rule's own project, no duplicates
 * within a group. A rule belongs to its group's project, whoever creates it.
 */
import type { SecurityGroupRuleCreate, SecurityGroupRuleUpdate } from '../../model/api/values.js';
import { QuarkError } from '../../model/errors.js';
import type { SecurityGroupRule } from '../../model/resources.js';
import { type RuleRequest, canonicalProtocol, checkRule, ruleKey } from '../../model/security-group-rule.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import type { Caller } from '../caller.js';
import { addressGroupFor } from './address-groups.js';
import type { PluginContext } from './context.js';
import { securityGroupNotFound, securityGroupRuleNotFound } from './not-found.js';
import { revise } from './revisions.js';

/** A group the caller may add rules to (or use as remote group): its own project's, or any for an admin. */
function groupFor(view: ReadView, caller: Caller, id: string, projectId?: string) {
  const group = view.get('security_group', id);
  const owner = projectId ?? caller.projectId;
  if (!group || !(caller.isAdmin || group.project_id === owner)) throw securityGroupNotFound(id);
  return group;
}

/** Stores a rule that has passed every check. */
export function putRule(
  tx: WriteTx,
  ctx: PluginContext,
  projectId: string,
  groupId: string,
  rule: RuleRequest,
  description: string,
): SecurityGroupRule {
  revise(tx, 'security_group', groupId);
  return tx.put('security_group_rule', {
    id: ctx.newId(),
    project_id: projectId,
    security_group_id: groupId,
    ...rule,
    remote_address_group_id: rule.remote_address_group_id ?? null,
    description,
    created_at: '',
    updated_at: '',
    revision_number: 0,
  });
}

export function createRule(tx: WriteTx, ctx: PluginContext, v: SecurityGroupRuleCreate, projectId: string): SecurityGroupRule {
  const group = groupFor(tx, ctx.caller, v.security_group_id, projectId);
  const ethertype = v.ethertype;
  const rule: RuleRequest = {
    direction: v.direction,
    ethertype,
    protocol: canonicalProtocol(ethertype, v.protocol),
    port_range_min: v.port_range_min,
    port_range_max: v.port_range_max,
    remote_ip_prefix: v.remote_ip_prefix,
    remote_group_id: v.remote_group_id,
    remote_address_group_id: v.remote_address_group_id ?? null,
  };
  checkRule(rule);
  if (rule.remote_group_id !== null) groupFor(tx, ctx.caller, rule.remote_group_id, group.project_id);
  if (rule.remote_address_group_id) addressGroupFor(tx, ctx.caller, rule.remote_address_group_id, group.project_id);
  const key = ruleKey({ ...rule, security_group_id: group.id });
  const same = tx.by('security_group_rule', 'group', group.id).find((r) => ruleKey(r) === key);
  if (same) throw new QuarkError('SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${same.id}.`);
  return putRule(tx, ctx, group.project_id, group.id, rule, v.description);
}

export const securityGroupRuleHandler: HandlerSpec<'security_group_rule', SecurityGroupRuleCreate, SecurityGroupRuleUpdate> = {
  kind: 'security_group_rule',
  path: 'security-group-rules',
  quota: 'security_group_rule',
  notFound: securityGroupRuleNotFound,
  target: (_view, r) => ({ projectId: r.project_id }),
  // A rule belongs to its group's project (createTarget), so a project's rules are its groups'.
  visibleTo: (view, projectId) =>
    view.by('security_group', 'project', projectId).flatMap((g) => view.by('security_group_rule', 'group', g.id)),
  createTarget: (view, ctx, v, projectId) => ({
    projectId: groupFor(view, ctx.caller, v.security_group_id, projectId).project_id,
  }),
  create: createRule,
  update: (tx, _ctx, rule, v) => {
    revise(tx, 'security_group', rule.security_group_id);
    return tx.put('security_group_rule', { ...rule, description: v.description ?? rule.description });
  },
  delete: (tx, _ctx, rule) => {
    revise(tx, 'security_group', rule.security_group_id);
    tx.delete('security_group_rule', rule.id);
  },
};
