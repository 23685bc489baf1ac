/**
 * Configuration loading shared by every Quark process. Each process declares one TypeBox
 * schema (defaults and help text on every key); values come from, in rising precedence, the
 * defaults, a config file, `QUARK_*` environment variables and command-line flags. The result
 * is validated once, frozen, and passed down; nothing reads process.env later.
 */
import { type Static, type TObject, type TSchema, Kind } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { QuarkError } from './errors.js';

export interface ConfigSources {
  readonly file?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly flags?: Readonly<Record<string, unknown>>;
}

/** `tenantNetworkTypes` → `QUARK_TENANT_NETWORK_TYPES`. */
export function envName(key: string): string {
  return `QUARK_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

function fromEnv(schema: TSchema, text: string): unknown {
  if (schema[Kind] === 'Array') return text === '' ? [] : text.split(',').map((s) => s.trim());
  return text;
}

export function loadConfig<T extends TObject>(schema: T, sources: ConfigSources): Readonly<Static<T>> {
  const raw: Record<string, unknown> = {};
  const known = new Set(Object.keys(schema.properties));
  for (const [key, value] of Object.entries(sources.file ?? {})) {
    if (!known.has(key)) throw new QuarkError('InvalidConfig', `unknown configuration key '${key}' in the config file`);
    raw[key] = value;
  }
  for (const [key, prop] of Object.entries(schema.properties)) {
    const text = sources.env?.[envName(key)];
    if (text !== undefined) raw[key] = fromEnv(prop as TSchema, text);
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value !== undefined && known.has(key)) raw[key] = value;
  }
  const withDefaults = Value.Default(schema, Value.Convert(schema, raw));
  const first = [...Value.Errors(schema, withDefaults)][0];
  if (first) {
    const key = first.path.replace(/^\//, '').replace(/\//g, '.');
    throw new QuarkError('InvalidConfig', `configuration key '${key}' (${envName(key.split('.')[0] ?? '')}): ${first.message}`);
  }
  return Object.freeze(withDefaults as Static<T>);
}

/** One line per key for `docs/config.md`: name, environment variable, type, default, help. */
export function describeConfig(
  schema: TObject,
): { key: string; env: string; type: string; default: unknown; description: string }[] {
  return Object.entries(schema.properties).map(([key, prop]) => {
    const p = prop as TSchema & { default?: unknown; description?: string; type?: string; enum?: unknown[]; anyOf?: TSchema[] };
    const type = p.anyOf ? p.anyOf.map((s) => JSON.stringify((s as { const?: unknown }).const)).join(' | ') : (p.type ?? 'value');
    return { key, env: envName(key), type, default: p.default, description: p.description ?? '' };
  });
}
