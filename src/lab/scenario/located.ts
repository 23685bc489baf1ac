/**
 * A parsed scenario document that knows where each value came from: `fail(path, message)`
 * throws ScenarioInvalid as `file:line: message`, and `checkSchema` reports the first value
 * (the earliest in the file) that does not fit the schema, in the words the schema gives.
 */
import type { TSchema } from '@sinclair/typebox';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { LineCounter, parseDocument } from 'yaml';
import { QuarkError } from '../../model/errors.js';

export type Path = readonly (string | number)[];

export class Located {
  constructor(
    readonly file: string,
    private readonly doc: ReturnType<typeof parseDocument>,
    private readonly lines: LineCounter,
  ) {}

  /** The line of the value at `path`, or of its nearest parent that is in the file. */
  line(path: Path): number {
    for (let p = [...path]; ; p = p.slice(0, -1)) {
      const node = this.doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return this.lines.linePos(node.range[0]).line;
      if (p.length === 0) return 1;
    }
  }

  fail(path: Path, message: string): never {
    throw new QuarkError('ScenarioInvalid', `${this.file}:${this.line(path)}: ${message}`);
  }

  /** Throws for the first value that does not fit `schema`. */
  checkSchema(schema: TSchema, value: unknown): void {
    const errors = [...Value.Errors(schema, value)].map((e) => explain(e, value));
    if (errors.length === 0) return;
    // The earliest in the file; on one line, an unknown key first (it often explains a missing one).
    const located = errors.map((e) => ({ ...e, line: this.line(e.path) + (e.message.startsWith('unknown key') ? 0 : 0.5) }));
    const first = located.reduce((a, b) => (b.line < a.line ? b : a));
    this.fail(first.path, first.message);
  }
}

const pathOf = (pointer: string): (string | number)[] =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));

/** The key a value sits under (an item of a list is named by its list; a key of a mapping key as `outer.inner`). */
function keyOf(path: Path): string {
  const j = path.findLastIndex((k) => typeof k === 'string');
  if (j < 0) return 'value';
  const outer = path[j - 1];
  return typeof outer === 'string' ? `${outer}.${String(path[j])}` : String(path[j]);
}

function getIn(value: unknown, path: Path): unknown {
  let v = value;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

function worded(path: Path, message: string, value: unknown): string {
  const text = message.replaceAll('{value}', String(value));
  return text.startsWith('must ') ? `'${keyOf(path)}' ${text}` : text;
}

/** One schema error in the user's words: where it is, and what was expected there. */
function explain(e: ValueError, root: unknown): { path: Path; message: string } {
  const path = pathOf(e.path);
  const schema = e.schema as TSchema & { message?: string; discriminator?: string; properties?: Record<string, unknown> };
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const allowed = Object.keys(schema.properties ?? {});
      return { path, message: `unknown key '${keyOf(path)}' (expected one of: ${allowed.join(', ')})` };
    }
    case ValueErrorType.ObjectRequiredProperty:
      return { path, message: `'${keyOf(path)}' is required` };
    case ValueErrorType.Union:
      return unionError(e, path, schema, root);
    default:
      if (schema.message) return { path, message: worded(path, schema.message, e.value) };
      return { path, message: `'${keyOf(path)}': ${e.message.toLowerCase()}` };
  }
}

/**
 * A value that fits no member of a union. A union of objects told apart by a key (a step's
 * `do`) is explained by the member that key names; any other by the union's own message.
 */
function unionError(
  e: ValueError,
  path: Path,
  schema: TSchema & { message?: string; discriminator?: string },
  root: unknown,
): { path: Path; message: string } {
  const key = schema.discriminator;
  const members = (schema.anyOf ?? []) as (TSchema & { properties: Record<string, { const?: unknown }> })[];
  if (key !== undefined) {
    const wanted = (getIn(root, path) as Record<string, unknown> | null)?.[key];
    const index = members.findIndex((m) => m.properties[key]?.const === wanted);
    if (index < 0) {
      const names = members.map((m) => String(m.properties[key]?.const)).join(', ');
      return { path: [...path, key], message: `'${key}' must be one of: ${names}` };
    }
    const inner = [...(e.errors[index] ?? [])].map((x) => explain(x, root));
    const chosen = inner.find((x) => x.message.startsWith('unknown key')) ?? inner[0];
    if (chosen) return chosen;
  }
  return { path, message: worded(path, schema.message ?? 'must be one of the allowed values', e.value) };
}
