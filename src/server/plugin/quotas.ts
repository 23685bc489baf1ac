/**
 * Quota checks. They run inside the same transaction as the create they guard, so concurrent
 * creates can never overshoot a limit.
 */
import { QuarkError } from '../../model/errors.js';
import type { QuotaResource } from '../../model/quota.js';
import type { Kind } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import type { ServerConfig } from '../config.js';
import type { PluginContext } from './context.js';

export const QUOTA_KIND: Readonly<Record<QuotaResource, Kind>> = {
  network: 'network',
  subnet: 'subnet',
  port: 'port',
  router: 'router',
  floatingip: 'floatingip',
  security_group: 'security_group',
  security_group_rule: 'security_group_rule',
};

const CONFIG_KEY: Readonly<Record<QuotaResource, keyof ServerConfig>> = {
  network: 'quotaNetwork',
  subnet: 'quotaSubnet',
  port: 'quotaPort',
  router: 'quotaRouter',
  floatingip: 'quotaFloatingip',
  security_group: 'quotaSecurityGroup',
  security_group_rule: 'quotaSecurityGroupRule',
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
      .reduce((n, g) => n + view.by('security_group_rule', 'group', g.id).length, 0);
  }
  return view.by(kind, 'project', projectId).length;
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
