/**
 * Settings in words, for operators: what a setting allows (from its schema), a value as a message
 * may show it (short, secrets hidden), and the known setting nearest to a misspelt one.
 */
import { Kind, type TSchema } from '@sinclair/typebox';

interface Annotated {
  readonly const?: unknown;
  readonly anyOf?: readonly TSchema[];
  readonly items?: TSchema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly pattern?: string;
  /** The form of a patterned string in words ("physnet:bridge, e.g. physnet1:br-ex"). */
  readonly expected?: string;
}

function range(s: Annotated, what: string): string {
  if (s.minimum !== undefined && s.maximum !== undefined) return `${what} from ${s.minimum} to ${s.maximum}`;
  if (s.minimum !== undefined) return `${what} of at least ${s.minimum}`;
  if (s.maximum !== undefined) return `${what} of at most ${s.maximum}`;
  return what;
}

/** "one of l2, dhcp, l3", "a whole number from 0 to 65535", "a list, each item one of gre, vxlan". */
export function allowedValues(schema: TSchema): string {
  const s = schema as TSchema & Annotated;
  if (s.anyOf?.every((a) => (a as Annotated).const !== undefined))
    return `one of ${s.anyOf.map((a) => String((a as Annotated).const)).join(', ')}`;
  switch (s[Kind]) {
    case 'Array':
      return `a list, each item ${allowedValues(s.items!)}`;
    case 'Integer':
      return range(s, 'a whole number');
    case 'Number':
      return range(s, 'a number');
    case 'Boolean':
      return 'true or false';
    case 'String':
      if (s.expected) return s.expected;
      if (s.pattern) return `text matching ${s.pattern}`;
      return s.minLength ? 'a non-empty text' : 'a text';
    default:
      return 'a value as docs/config.md describes';
  }
}

const SECRET = /password|token|secret/i;

/** A value as an error message shows it: quoted, at most 60 characters, secrets and URL passwords hidden. */
export function shownValue(key: string, value: unknown): string {
  if (value === undefined) return 'no value';
  if (SECRET.test(key)) return 'a value that is not shown';
  const text = (typeof value === 'string' ? value : JSON.stringify(value)).replace(/\/\/([^:/@]+):[^@/]*@/g, '//$1:***@');
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return typeof value === 'string' ? `"${short}"` : short;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length]!;
}

/** The known key nearest to `key` (case and separators aside), if it is near enough to be a typo. */
export function closestKey(key: string, keys: readonly string[]): string | null {
  const norm = (k: string) => k.toLowerCase().replace(/[-_]/g, '');
  let best: { key: string; d: number } | null = null;
  for (const k of keys) {
    const d = distance(norm(key), norm(k));
    if (!best || d < best.d) best = { key: k, d };
  }
  return best && best.d <= Math.max(1, Math.floor(key.length / 4)) ? best.key : null;
}
