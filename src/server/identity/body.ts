/**
 * The identity API's request bodies: one TypeBox schema per body, checked at the edge, with
 * Keystone's wording for what fails (Keystone validates with JSON Schema too, and says
 * "Invalid input for field 'name': 1 is not of type 'string'"). The routes get the typed
 * `Static<…>` of the schema and never look at the raw body.
 */
import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { QuarkError } from '../../model/errors.js';

/** A string of at most `max` characters (Keystone's description columns hold 65535). */
export const Text = (max = 255) => Type.String({ maxLength: max });
/** Keystone's `parameter_types.name`: 1 to 255 characters, not only blanks. */
export const Name = Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** Keystone's `tags`: strings without "/" or ",", each at most 255 characters. */
export const Tags = Type.Array(Type.String({ maxLength: 255, pattern: '^[^/,]*$' }));

function typeNames(schema: TSchema): string {
  const types = (schema.anyOf as TSchema[] | undefined)?.map((s) => s.type) ?? [schema.type];
  return types.map((t) => `'${t}'`).join(', ');
}

function reason(e: ValueError): string {
  const shown = typeof e.value === 'string' && e.value.length > 20 ? `'${e.value.slice(0, 20)}…'` : JSON.stringify(e.value);
  switch (e.type) {
    case ValueErrorType.StringMaxLength:
      return `${shown} is too long`;
    case ValueErrorType.StringMinLength:
      return `${shown} is too short`;
    case ValueErrorType.StringPattern:
      return `${shown} does not match '${e.schema.pattern}'`;
    case ValueErrorType.ObjectRequiredProperty:
      return `'${e.path.split('/').pop()}' is a required property`;
    default:
      return `${shown} is not of type ${typeNames(e.schema)}`;
  }
}

/** The field a failure is about: `name`, `tags` (for any item of the list). */
function fieldOf(e: ValueError): string {
  return e.path.split('/')[1] ?? '';
}

/**
 * The `{"<member>": {...}}` object of a POST or PATCH body, checked against `schema`. Fields
 * the schema does not name are ignored, as Keystone's schemas allow them.
 */
export function parseMember<T extends TObject>(body: unknown, member: string, schema: T): Static<T> {
  const inner = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[member] : undefined;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
    throw new QuarkError('ValidationError', `Expecting to find ${member} in request body.`);
  }
  if (Value.Check(schema, inner)) return inner;
  const first = Value.Errors(schema, inner).First()!;
  throw new QuarkError('ValidationError', `Invalid input for field '${fieldOf(first)}': ${reason(first)}`);
}
