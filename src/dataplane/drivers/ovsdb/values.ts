/**
 * OVSDB values as they travel on the wire (RFC 7047 §5.1), and conversions to and from plain
 * JavaScript. A column holds an atom, a set (`["set", [atom…]]`, where a set of exactly one atom
 * may also arrive as the bare atom) or a map (`["map", [[key, value]…]]`). Rows are referenced
 * by `["uuid", "…"]`, or inside one transaction by `["named-uuid", "name"]` for a row inserted
 * earlier in it.
 */
import { QuarkError } from '../../../model/errors.js';

export type Uuid = readonly ['uuid', string];
export type NamedUuid = readonly ['named-uuid', string];
export type Atom = string | number | boolean | Uuid | NamedUuid;
export type OvsSet = readonly ['set', readonly Atom[]];
export type OvsMap = readonly ['map', readonly (readonly [Atom, Atom])[]];
export type Value = Atom | OvsSet | OvsMap;
/** A row, or part of one: column name → value. Select results also carry `_uuid` and `_version`. */
export type Row = Readonly<Record<string, Value>>;

export const uuid = (id: string): Uuid => ['uuid', id];
/** Names must be identifiers (`[a-zA-Z_][a-zA-Z0-9_]*`): ovsdb-server rejects anything else. */
export const namedUuid = (name: string): NamedUuid => ['named-uuid', name];

export function set(atoms: Iterable<Atom>): OvsSet {
  return ['set', [...atoms]];
}

/** The empty set doubles as "no value" for optional columns (`min: 0, max: 1`), e.g. `Port.tag`. */
export const EMPTY_SET: OvsSet = ['set', []];

export function optional(atom: Atom | undefined | null): Atom | OvsSet {
  return atom === undefined || atom === null ? EMPTY_SET : atom;
}

export function map(entries: ReadonlyMap<string, Atom> | Readonly<Record<string, Atom>>): OvsMap {
  const pairs = entries instanceof Map ? [...entries] : Object.entries(entries);
  return ['map', pairs.map(([k, v]) => [k, v] as const)];
}

function isTagged(value: unknown, tag: string): value is readonly [string, unknown] {
  return Array.isArray(value) && value.length === 2 && value[0] === tag;
}

export function isUuid(value: unknown): value is Uuid {
  return isTagged(value, 'uuid') && typeof value[1] === 'string';
}

/** The atoms of a set column, whether it arrived as `["set", …]` or as a single bare atom. */
export function atomsOf(value: Value | undefined): readonly Atom[] {
  if (value === undefined) return [];
  if (isTagged(value, 'set')) return (value as OvsSet)[1];
  if (isTagged(value, 'map')) throw badValue('a set or an atom', value);
  return [value as Atom];
}

/** The value of an optional column (`min: 0, max: 1`), or undefined when the set is empty. */
export function optionalOf(value: Value | undefined): Atom | undefined {
  const atoms = atomsOf(value);
  if (atoms.length > 1) throw badValue('at most one value', value);
  return atoms[0];
}

// Decoders take `undefined` as the column's default value: monitors leave out columns that hold
// their default (RFC 7047 §4.1.6), so "" for a string, 0 for an integer, empty for a set or map.

export function stringOf(value: Value | undefined): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw badValue('a string', value);
  return value;
}

export function integerOf(value: Value | undefined): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badValue('an integer', value);
  return value;
}

export function uuidOf(value: Value | undefined): string {
  if (!isUuid(value)) throw badValue('a uuid', value);
  return value[1];
}

export function stringsOf(value: Value | undefined): string[] {
  return atomsOf(value).map((a) => stringOf(a));
}

export function uuidsOf(value: Value | undefined): string[] {
  return atomsOf(value).map((a) => uuidOf(a));
}

export function optionalStringOf(value: Value | undefined): string | undefined {
  const atom = optionalOf(value);
  return atom === undefined ? undefined : stringOf(atom);
}

export function optionalIntegerOf(value: Value | undefined): number | undefined {
  const atom = optionalOf(value);
  return atom === undefined ? undefined : integerOf(atom);
}

/** A map column as a Map; keys and values keep their OVSDB atoms. */
export function mapOf(value: Value | undefined): Map<Atom, Atom> {
  if (value === undefined) return new Map();
  if (!isTagged(value, 'map')) throw badValue('a map', value);
  return new Map((value as OvsMap)[1]);
}

/** A string→string map column (`external_ids`, `options`, `other_config`) as a plain record. */
export function stringMapOf(value: Value | undefined): Record<string, string> {
  // fromEntries defines own properties, so a key such as `__proto__` stays an ordinary key.
  return Object.fromEntries([...mapOf(value)].map(([k, v]) => [stringOf(k), stringOf(v)]));
}

function badValue(expected: string, got: unknown): QuarkError {
  return new QuarkError('HostCommandFailed', `ovsdb: expected ${expected}`, { detail: `got ${JSON.stringify(got)}` });
}
