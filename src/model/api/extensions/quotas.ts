/**
 * Quotas (`quotas`, with `/quotas/{project}/default`) and their usage (`quota_details`). Quota
 * sets are not a collection of records, so the extensions declare no resources; the routes
 * live in server/api/quotas.ts.
 */
import type { ExtensionDeclaration } from '../attribute.js';

const UPDATED = '2026-11-26T00:00:00-00:00';

export const quotas = {
  alias: 'quotas',
  name: 'Quota management support',
  description: 'Expose functions for quotas management per tenant',
  updated: UPDATED,
} satisfies ExtensionDeclaration;

export const quotaDetails = {
  alias: 'quota_details',
  name: 'Quota details management support',
  description: 'Expose functions for quotas usage statistics per project',
  updated: UPDATED,
} satisfies ExtensionDeclaration;
