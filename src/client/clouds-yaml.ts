/**
 * The `clouds.yaml` entry and `OS_*` variables that let the `openstack` CLI and openstacksdk
 * talk to a Quark server. The file is merged, not overwritten: other clouds and comments stay.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Document, isMap, parseDocument } from 'yaml';
import { QuarkError } from '../model/errors.js';

export interface CloudEntry {
  /** The server root (the network endpoint). */
  readonly serverUrl: string;
  /** The identity API, `<serverUrl>/identity/v3`. */
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  readonly projectName: string;
  readonly domainName: string;
  readonly region: string;
}

/** Where openstacksdk looks first for a user's clouds. */
export function defaultCloudsYamlPath(): string {
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'openstack', 'clouds.yaml');
}

function readDocument(path: string) {
  const doc = existsSync(path) ? parseDocument(readFileSync(path, 'utf8')) : new Document({ clouds: {} });
  if (doc.errors.length > 0) throw new QuarkError('InvalidConfig', `${path}: ${doc.errors[0]!.message}`);
  if (!isMap(doc.contents)) throw new QuarkError('InvalidConfig', `${path} is not a mapping`);
  return doc;
}

/** The password stored for `cloud`, if the file has that entry. */
export function storedPassword(path: string, cloud: string): string | null {
  if (!existsSync(path)) return null;
  const value = readDocument(path).getIn(['clouds', cloud, 'auth', 'password']);
  return typeof value === 'string' ? value : null;
}

/** Adds or replaces the entry `cloud`; the file is readable by its owner only (it holds a password). */
export function writeCloudEntry(path: string, cloud: string, entry: CloudEntry): void {
  const doc = readDocument(path);
  doc.setIn(['clouds', cloud], {
    auth: {
      auth_url: entry.authUrl,
      username: entry.username,
      password: entry.password,
      project_name: entry.projectName,
      user_domain_name: entry.domainName,
      project_domain_name: entry.domainName,
    },
    region_name: entry.region,
    interface: 'public',
    identity_api_version: 3,
    // python-openstackclient 6.0 (Debian 12) builds a compute client for `quota show/set`
    // before it checks the catalog, and fails without a compute endpoint. With an override it
    // goes on, finds no compute service in the catalog and shows the network quotas alone.
    compute_endpoint_override: `${entry.serverUrl}/no-compute`,
  });
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, doc.toString(), { mode: 0o600 });
  chmodSync(path, 0o600);
}

const shellQuote = (s: string) => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * `export OS_…=…` lines, for `eval "$(quark admin bootstrap …)"`: OS_CLOUD naming the
 * clouds.yaml entry when one was written (and OS_CLIENT_CONFIG_FILE when the file is not where
 * openstacksdk looks by default), then the credentials themselves for tools without clouds.yaml.
 */
export function osEnvironment(entry: CloudEntry, cloud: { name: string; path: string } | null): string {
  const vars: [string, string][] = [];
  if (cloud) {
    vars.push(['OS_CLOUD', cloud.name]);
    if (cloud.path !== defaultCloudsYamlPath()) vars.push(['OS_CLIENT_CONFIG_FILE', cloud.path]);
  }
  vars.push(
    ['OS_AUTH_URL', entry.authUrl],
    ['OS_IDENTITY_API_VERSION', '3'],
    ['OS_USERNAME', entry.username],
    ['OS_PASSWORD', entry.password],
    ['OS_PROJECT_NAME', entry.projectName],
    ['OS_USER_DOMAIN_NAME', entry.domainName],
    ['OS_PROJECT_DOMAIN_NAME', entry.domainName],
    ['OS_REGION_NAME', entry.region],
    ['OS_INTERFACE', 'public'],
  );
  return vars.map(([k, v]) => `export ${k}=${shellQuote(v)}\n`).join('');
}
