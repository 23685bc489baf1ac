/**
 * Reads a YAML or JSON configuration file for any Quark process. Without `--config`, a process
 * reads its file under /etc/quark when the file is there (the packages install examples next to
 * it), so `quark server`, `quark admin bootstrap` and `quark host check` on a host all see the
 * settings its services run with.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ConfigSources } from '../model/config.js';
import { QuarkError } from '../model/errors.js';

export const CONFIG_DIR = '/etc/quark';

/** The file a process reads: `--config`, else `/etc/quark/<name>.yaml` if it exists, else none. */
export function configPath(flag: string | undefined, name: 'server' | 'agent'): string | undefined {
  if (flag) return flag;
  const standard = `${CONFIG_DIR}/${name}.yaml`;
  return existsSync(standard) ? standard : undefined;
}

export function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new QuarkError('InvalidConfig', `cannot read config file ${path}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = parse(text) as unknown;
  } catch (e) {
    throw new QuarkError('InvalidConfig', `config file ${path} is not valid YAML: ${(e as Error).message}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data))
    throw new QuarkError('InvalidConfig', `config file ${path} must be a mapping of settings (key: value lines)`);
  return data as Record<string, unknown>;
}

/**
 * `KEY=value` lines as systemd's EnvironmentFile reads them (comments, blank lines, values in
 * single or double quotes); a missing file is empty.
 */
export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const value = m[2]!;
    out[m[1]!] = /^'.*'$|^".*"$/.test(value) ? value.slice(1, -1) : value;
  }
  return out;
}

/**
 * The environment of a command run by hand on an agent host: /etc/quark/agent.env (the agent
 * unit's credentials) under the variables of this shell, so `quark host check` and `quark vif
 * plug` log in as the agent does without the operator exporting its password.
 */
export function agentEnvironment(): Record<string, string | undefined> {
  return { ...readEnvFile(`${CONFIG_DIR}/agent.env`), ...process.env };
}

/** The sources of one process's settings: its file (see configPath), QUARK_* variables, flags. */
export function configSources(
  flag: string | undefined,
  name: 'server' | 'agent',
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConfigSources {
  const path = configPath(flag, name);
  return { file: readConfigFile(path), ...(path ? { fileName: path } : {}), env, flags };
}
