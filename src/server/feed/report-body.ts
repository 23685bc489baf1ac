/**
 * The agents' reports checked at the edge against their schemas (model/feed.ts): missing
 * optional keys get their defaults, anything else wrong is a 400 with Neutron's wording
 * ("Invalid input for host. Reason: …").
 */
import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { QuarkError } from '../../model/errors.js';

export function parseReport<T extends TObject>(schema: T, body: unknown): Static<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new QuarkError('HTTPBadRequest', 'Invalid input for body. Reason: a JSON object is required.');
  }
  const value = Value.Default(schema, structuredClone(body));
  if (Value.Check(schema, value)) return value;
  const e = Value.Errors(schema, value).First()!;
  const field = e.path.split('/')[1] || 'body';
  throw new QuarkError('HTTPBadRequest', `Invalid input for ${field}. Reason: ${e.message} (${JSON.stringify(e.value)}).`);
}
