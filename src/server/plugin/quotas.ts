/**
 * Quotas: the limits of each project (its overrides over the configured defaults), its usage,
 * and the check on create. The check runs inside the same transaction as the create it guards,
 * and transactions are serialised, so concurrent creates can never overshoot a limit.
 */
import { QuarkError } from '../../model/errors.js';
import { QUOTA_RESOURCES, type QuotaResource } from '../../model/quota.js';
import type { Kind } from '../../store/kinds.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { ServerConfig } from '../config.js';
import type { PluginContext } from './context.js';

export const QUOTA_KIND = {
  network: 'network',
  subnet: 'subnet',
  port: 'port',
  router: 'router',
  floatingip: 'floatingip',
  security_group: 'security_group',
  security_group_rule: 'security_group_rule',
  subnetpool: 'subnetpool',
  rbac_policy: 'rbac_policy',
} as const satisfies Readonly<Record<QuotaResource, Kind>>;

const CONFIG_KEY: Readonly<Record<QuotaResource, keyof ServerConfig>> = {
  network: 'quotaNetwork',
  subnet: 'quotaSubnet',
  port: 'quotaPort',
  router: 'quotaRouter',
  floatingip: 'quotaFloatingip',
  security_group: 'quotaSecurityGroup',
  security_group_rule: 'quotaSecurityGroupRule',
  subnetpool: 'quotaSubnetpool',
  rbac_policy: 'quotaRbacPolicy',
};

export function defaultLimit(config: ServerConfig, resource: QuotaResource): number {
  return config[CONFIG_KEY[resource]] as number;
}

/** The project's limit for a resource: its override, else the configured default. */
export function limitOf(view: ReadView, config: ServerConfig, resource: QuotaResource, projectId: string): number {
  return view.get('quota', projectId)?.limits[resource] ?? defaultLimit(config, resource);
}

export function usageOf(view: ReadView, resource: QuotaResource, projectId: string): number {
  const kind = QUOTA_KIND[resource];
  if (kind === 'security_group_rule') {
    // Rules belong to a group's project; count through the project's groups.
    return view
      .by('security_group', 'project', projectId)
      .reduce((n, g) => n + view.count('security_group_rule', 'group', g.id), 0);
  }
  return view.count(kind, 'project', projectId);
}

/** Throws OverQuota unless the project may own `count` more of `resource`. */
export function enforceQuota(
  view: ReadView,
  ctx: PluginContext,
  resource: QuotaResource,
  projectId: string,
  count: number,
): void {
  const limit = limitOf(view, ctx.config, resource, projectId);
  if (limit < 0) return;
  if (usageOf(view, resource, projectId) + count > limit) {
    throw new QuarkError('OverQuota', `Quota exceeded for resources: ['${resource}'].`);
  }
}

export type QuotaSet = Record<QuotaResource, number>;

export function defaultQuotaSet(config: ServerConfig): QuotaSet {
  return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, defaultLimit(config, r)])) as QuotaSet;
}

/** The project's limits: its overrides over the configured defaults. */
export function quotaSetOf(view: ReadView, config: ServerConfig, projectId: string): QuotaSet {
  return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, limitOf(view, config, r, projectId)])) as QuotaSet;
}

/** Neutron's quota_details: used and limit per resource; reserved is always 0 (no reservations). */
export function quotaDetailsOf(view: ReadView, config: ServerConfig, projectId: string) {
  return Object.fromEntries(
    QUOTA_RESOURCES.map((r) => [
      r,
      { used: usageOf(view, r, projectId), limit: limitOf(view, config, r, projectId), reserved: 0 },
    ]),
  );
}

/** Projects with at least one override, as `GET /v2.0/quotas` lists them. */
export function projectsWithQuotas(view: ReadView): string[] {
  return view.all('quota').map((q) => q.project_id);
}

/** Merges overrides into the project's quota (an override equal to the default is kept, as Neutron). */
export function setQuota(tx: WriteTx, projectId: string, limits: Partial<QuotaSet>): void {
  const current = tx.get('quota', projectId)?.limits ?? {};
  tx.put('quota', { project_id: projectId, limits: { ...current, ...limits } });
}

/** Back to the defaults; a project without quotas of its own is a 404, as in Neutron. */
export function resetQuota(tx: WriteTx, projectId: string): void {
  if (!tx.get('quota', projectId)) {
    throw new QuarkError('TenantQuotaNotFound', `Quota for tenant ${projectId} could not be found.`);
  }
  tx.delete('quota', projectId);
}
