/** Reads a YAML or JSON configuration file for any Quark process. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { QuarkError } from '../model/errors.js';

export function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new QuarkError('InvalidConfig', `cannot read config file ${path}: ${(e as Error).message}`);
  }
  const data = parse(text) as unknown;
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data))
    throw new QuarkError('InvalidConfig', `config file ${path} is not a mapping`);
  return data as Record<string, unknown>;
}
