/** Per-project limits on how many resources of each kind a project may own. */

export const QUOTA_RESOURCES = [
  'network',
  'subnet',
  'port',
  'router',
  'floatingip',
  'security_group',
  'security_group_rule',
  'subnetpool',
  'rbac_policy',
] as const;

export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

/** Neutron's defaults; -1 means unlimited. */
export const DEFAULT_QUOTAS: Readonly<Record<QuotaResource, number>> = {
  network: 100,
  subnet: 100,
  port: 500,
  router: 10,
  floatingip: 50,
  security_group: 10,
  security_group_rule: 100,
  subnetpool: -1,
  rbac_policy: 10,
};

/** A project's overrides of the defaults; absent resources use the configured default. */
export interface Quota {
  readonly project_id: string;
  readonly limits: Readonly<Partial<Record<QuotaResource, number>>>;
}
