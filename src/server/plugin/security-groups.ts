/**
 * Rules of the `security_group` resource. Every project has one group named `default`, made
 * with Neutron's four rules the first time the project needs it (its first network, port,
 * group, or list of groups). Creation happens inside the write that needs it and writes are
 * serialised, so two racing requests still make exactly one.
 */
import type { SecurityGroupCreate, SecurityGroupUpdate } from '../../model/api/values.js';
import { QuarkError } from '../../model/errors.js';
import type { SecurityGroup, SecurityGroupRule } from '../../model/resources.js';
import { initialRules } from '../../model/security-group-rule.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import type { PluginContext } from './context.js';
import { deleteLogsOf } from './network-logs.js';
import { securityGroupNotFound } from './not-found.js';
import { hasWildcard, objectsGivenTo, sharedWith, targetsOf } from './rbac-access.js';
import { deletePoliciesOf } from './rbac-policies.js';
import { revise } from './revisions.js';
import { enforceQuota } from './quotas.js';
import { putRule } from './security-group-rules.js';
import { projectNameKey } from '../../store/kinds.js';
import { newStandardAttributes } from './standard-attributes.js';

export const DEFAULT_GROUP_NAME = 'default';

/** The project's default group. User groups can never be called `default`, so the name is the key. */
export function defaultSecurityGroup(view: ReadView, projectId: string): SecurityGroup | undefined {
  return view.by('security_group', 'projectName', projectNameKey(projectId, DEFAULT_GROUP_NAME))[0];
}

function createGroup(
  tx: WriteTx,
  ctx: PluginContext,
  projectId: string,
  fields: { name: string; description: string; stateful?: boolean },
  isDefault: boolean,
): SecurityGroup {
  const group = tx.put('security_group', {
    ...newStandardAttributes(ctx.newId(), projectId, fields),
    stateful: fields.stateful ?? true,
  });
  for (const rule of initialRules(group.id, isDefault)) putRule(tx, ctx, projectId, group.id, rule, '');
  return group;
}

/** The project's default group, made now if it does not exist yet. Idempotent. */
export function ensureDefaultSecurityGroup(tx: WriteTx, ctx: PluginContext, projectId: string): SecurityGroup {
  return (
    defaultSecurityGroup(tx, projectId) ??
    createGroup(tx, ctx, projectId, { name: DEFAULT_GROUP_NAME, description: 'Default security group' }, true)
  );
}

/** A rule as Neutron shows it inside its group. */
export function ruleView(r: SecurityGroupRule): Record<string, unknown> {
  return {
    id: r.id,
    tenant_id: r.project_id,
    project_id: r.project_id,
    security_group_id: r.security_group_id,
    ethertype: r.ethertype,
    direction: r.direction,
    protocol: r.protocol,
    port_range_min: r.port_range_min,
    port_range_max: r.port_range_max,
    remote_ip_prefix: r.remote_ip_prefix,
    remote_group_id: r.remote_group_id,
    remote_address_group_id: r.remote_address_group_id ?? null,
    description: r.description,
    created_at: r.created_at,
    updated_at: r.updated_at,
    revision_number: r.revision_number,
  };
}

/** The project whose default group a list request makes sure of: the one filtered on, if the caller may. */
function listedProject(ctx: PluginContext, filters: ReadonlyMap<string, readonly string[]>): string | null {
  const asked = filters.get('project_id')?.[0] ?? filters.get('tenant_id')?.[0];
  if (asked !== undefined && (ctx.caller.isAdmin || asked === ctx.caller.projectId)) return asked;
  return ctx.caller.projectId;
}

export function deleteSecurityGroup(tx: WriteTx, ctx: PluginContext, group: SecurityGroup): void {
  if (tx.count('port', 'securityGroup', group.id) > 0) {
    throw new QuarkError('SecurityGroupInUse', `Security Group ${group.id} in use.`);
  }
  if (group.name === DEFAULT_GROUP_NAME && !ctx.caller.isAdmin) {
    throw new QuarkError('SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.');
  }
  for (const r of tx.by('security_group_rule', 'group', group.id)) tx.delete('security_group_rule', r.id);
  // Rules of other groups that name this one as their remote group go with it (Neutron's cascade).
  for (const r of tx.by('security_group_rule', 'remoteGroup', group.id)) {
    revise(tx, 'security_group', r.security_group_id);
    tx.delete('security_group_rule', r.id);
  }
  deletePoliciesOf(tx, 'security_group', group.id);
  tx.delete('security_group', group.id);
  deleteLogsOf(tx, { securityGroup: group.id });
}

export const securityGroupHandler: HandlerSpec<'security_group', SecurityGroupCreate, SecurityGroupUpdate> = {
  kind: 'security_group',
  path: 'security-groups',
  quota: 'security_group',
  notFound: securityGroupNotFound,
  target: (view, g) => ({
    projectId: g.project_id,
    shared: hasWildcard(view, 'security_group', g.id, 'access_as_shared'),
    sharedWith: targetsOf(view, 'security_group', g.id, 'access_as_shared'),
  }),
  // get_security_group: the project's groups and those a policy shares with it.
  visibleTo: (view, projectId) => [
    ...view.by('security_group', 'project', projectId),
    ...objectsGivenTo(view, 'security_group', projectId).flatMap((id) => view.get('security_group', id) ?? []),
  ],
  // Shown (security-groups-shared-filtering): shared with the caller's project or with every one.
  forCaller: (view, g, caller) => ({ shared: sharedWith(view, 'security_group', g.id, caller.projectId) }),
  derived: (view, g) => ({ security_group_rules: view.by('security_group_rule', 'group', g.id).map(ruleView) }),
  beforeList: (view, ctx, filters) => {
    const project = listedProject(ctx, filters);
    if (!project || defaultSecurityGroup(view, project)) return null;
    return (tx) => ensureDefaultSecurityGroup(tx, ctx, project);
  },
  create: (tx, ctx, v, projectId) => {
    ensureDefaultSecurityGroup(tx, ctx, projectId);
    // The group's two egress rules count against the rule quota (securitygroups_db.py
    // create_security_group: quota_limit_check(security_group_rule=2)).
    enforceQuota(tx, ctx, 'security_group_rule', projectId, initialRules('', false).length);
    const fields = { name: v.name, description: v.description, stateful: v.stateful };
    return createGroup(tx, ctx, projectId, fields, false);
  },
  update: (tx, _ctx, group, v) => {
    if (group.name === DEFAULT_GROUP_NAME && v.name !== undefined) {
      throw new QuarkError('SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
    }
    // Ports with the group would change from tracked to untracked mid-connection (Neutron refuses too).
    const statefulChanges = v.stateful !== undefined && v.stateful !== group.stateful;
    if (statefulChanges && tx.count('port', 'securityGroup', group.id) > 0) {
      throw new QuarkError('SecurityGroupInUse', `Security Group ${group.id} in use.`);
    }
    return tx.put('security_group', { ...group, ...v });
  },
  delete: deleteSecurityGroup,
};
