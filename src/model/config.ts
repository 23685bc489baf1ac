/**
 * Configuration loading shared by every Quark process. Each process declares one TypeBox
 * schema (defaults and help text on every key); values come from, in rising precedence, the
 * defaults, a config file, `QUARK_*` environment variables and command-line flags. The result
 * is validated once, frozen, and passed down; nothing reads process.env later.
 *
 * A bad value stops the process with a message an operator can act on: the setting, where its
 * value came from (which file, variable or flag), and what is allowed, in words.
 */
import { type Static, type TObject, type TSchema, Kind } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { QuarkError } from './errors.js';
import { allowedValues, closestKey, shownValue } from './config-words.js';

export interface ConfigSources {
  readonly file?: Readonly<Record<string, unknown>>;
  /** The path of that file, for messages. */
  readonly fileName?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly flags?: Readonly<Record<string, unknown>>;
}

/** `tenantNetworkTypes` → `QUARK_TENANT_NETWORK_TYPES`. */
export function envName(key: string): string {
  return `QUARK_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** `tunnelIp` → `--tunnel-ip`. */
export function flagName(key: string): string {
  return `--${key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
}

/** Where a setting's value came from, in words: `flag --tunnel-ip`, `QUARK_ROLES`, `config file /etc/quark/agent.yaml`. */
export type ConfigOrigin = string;

const origins = new WeakMap<object, Readonly<Record<string, ConfigOrigin>>>();

/** Where `key` of a config that loadConfig returned came from ('the default' when nowhere). */
export function originOf(config: object, key: string): ConfigOrigin {
  return origins.get(config)?.[key] ?? 'the default';
}

/** A list in an environment variable (or a flag given as text) is comma-separated. */
function fromText(schema: TSchema, text: string): unknown {
  if (schema[Kind] === 'Array') return text === '' ? [] : text.split(',').map((s) => s.trim());
  return text;
}

/**
 * An InvalidConfig error for `key` in the words of loadConfig, for checks that span settings or
 * need the host (the agent's tunnel address, its roles): `setting tunnelIp (from flag
 * --tunnel-ip, "300.1.1.1"): …`.
 */
export function configError(config: object, key: string, value: unknown, problem: string): QuarkError {
  return new QuarkError('InvalidConfig', `setting ${key} (from ${originOf(config, key)}, ${shownValue(key, value)}): ${problem}`);
}

export function loadConfig<T extends TObject>(schema: T, sources: ConfigSources): Readonly<Static<T>> {
  const raw: Record<string, unknown> = {};
  const from: Record<string, ConfigOrigin> = {};
  const keys = Object.keys(schema.properties);
  const known = new Set(keys);
  const fileLabel = `config file ${sources.fileName ?? ''}`.trim();
  for (const [key, value] of Object.entries(sources.file ?? {})) {
    if (!known.has(key)) {
      const near = closestKey(key, keys);
      throw new QuarkError(
        'InvalidConfig',
        `unknown setting '${key}' in the ${fileLabel}${near ? ` (did you mean '${near}'?)` : ''}; the settings are listed in docs/config.md`,
      );
    }
    raw[key] = value;
    from[key] = fileLabel;
  }
  for (const [key, prop] of Object.entries(schema.properties)) {
    const text = sources.env?.[envName(key)];
    if (text === undefined) continue;
    raw[key] = fromText(prop as TSchema, text);
    from[key] = `environment variable ${envName(key)}`;
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined || !known.has(key)) continue;
    const prop = schema.properties[key] as TSchema;
    raw[key] = typeof value === 'string' ? fromText(prop, value) : value;
    from[key] = `flag ${flagName(key)}`;
  }
  // Convert on a copy: messages quote the values as they were given.
  const withDefaults = Value.Default(schema, Value.Convert(schema, structuredClone(raw))) as Record<string, unknown>;
  const problems = new Map<string, string>();
  for (const error of Value.Errors(schema, withDefaults)) {
    const key = error.path.replace(/^\//, '').split('/')[0] ?? '';
    if (problems.has(key) || !known.has(key)) continue;
    const prop = schema.properties[key] as TSchema;
    const origin = from[key] ?? 'the default';
    const commas = prop[Kind] === 'Array' && !origin.startsWith('config file') ? ' (comma-separated)' : '';
    problems.set(
      key,
      `setting ${key} (from ${origin}, ${shownValue(key, raw[key] ?? withDefaults[key])}) must be ${allowedValues(prop)}${commas}`,
    );
  }
  if (problems.size > 0) {
    const more = problems.size > 1 ? `${problems.size} settings are wrong:\n  ` : '';
    throw new QuarkError('InvalidConfig', `${more}${[...problems.values()].join('\n  ')}`);
  }
  const config = Object.freeze(withDefaults) as Readonly<Static<T>>;
  origins.set(config, Object.freeze(from));
  return config;
}

/** One line per key for `docs/config.md`: name, environment variable, allowed values, default, help. */
export function describeConfig(
  schema: TObject,
): { key: string; env: string; type: string; default: unknown; description: string }[] {
  return Object.entries(schema.properties).map(([key, prop]) => {
    const p = prop as TSchema & { default?: unknown; description?: string };
    return { key, env: envName(key), type: allowedValues(p), default: p.default, description: p.description ?? '' };
  });
}
