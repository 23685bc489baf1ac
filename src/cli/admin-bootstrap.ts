/**
 * `quark admin bootstrap`: the first admin of a deployment, written straight into the store
 * (like `keystone-manage bootstrap`, it needs the database, not a running server), then a
 * `clouds.yaml` entry and the `OS_*` variables for the `openstack` CLI. Safe to run again: it
 * keeps what exists, and keeps the admin's password unless one is given or none is known.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type CloudEntry, defaultCloudsYamlPath, osEnvironment, storedPassword, writeCloudEntry } from '../client/clouds-yaml.js';
import { loadConfig } from '../model/config.js';
import { DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME } from '../model/identity.js';
import { type ServerConfig, ServerConfigSchema } from '../server/config.js';
import { bootstrapIdentity } from '../server/identity/bootstrap.js';
import { IDENTITY_PATH } from '../server/identity/catalog.js';
import { verifyPassword } from '../server/identity/passwords.js';
import { nameKey } from '../store/kinds.js';
import { Store } from '../store/store.js';
import { readConfigFile } from './config-file.js';

export interface BootstrapFlags {
  password?: string;
  config?: string;
  db?: string;
  url?: string;
  cloudsYaml?: string | false;
  cloud: string;
}

/** The server's URL as clients reach it: --url, else publicUrl, else host and port of the config. */
function serverUrl(config: ServerConfig, flag: string | undefined): string {
  if (flag) return flag.replace(/\/+$/, '');
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const host = wildcard ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

/** The password to set: the flag, else the one clouds.yaml already holds if it still works, else a new one. */
async function choosePassword(store: Store, flags: BootstrapFlags, cloudsPath: string | null) {
  if (flags.password) return { password: flags.password, set: true };
  const admin = store.view.by('user', 'name', nameKey(DEFAULT_DOMAIN_ID, 'admin'))[0];
  const known = cloudsPath ? storedPassword(cloudsPath, flags.cloud) : null;
  if (admin && known && (await verifyPassword(known, admin.password_hash))) return { password: known, set: false };
  return { password: randomBytes(18).toString('base64url'), set: true };
}

export async function bootstrap(flags: BootstrapFlags): Promise<void> {
  const config = loadConfig(ServerConfigSchema, {
    file: readConfigFile(flags.config),
    env: process.env,
    flags: { db: flags.db, logLevel: 'silent' },
  });
  const cloudsPath = flags.cloudsYaml === false ? null : (flags.cloudsYaml ?? defaultCloudsYamlPath());
  const password = flags.password ?? process.env.QUARK_ADMIN_PASSWORD;
  // Like the server, create the database's directory: bootstrap may run before the first start.
  if (config.db !== ':memory:' && !config.db.includes('://')) mkdirSync(dirname(config.db), { recursive: true });
  const store = await Store.open({ url: config.db, changeLogRetention: config.changeLogRetention });
  try {
    const chosen = await choosePassword(store, { ...flags, ...(password ? { password } : {}) }, cloudsPath);
    const result = await bootstrapIdentity(store, { password: chosen.set ? chosen.password : null });
    const url = serverUrl(config, flags.url);
    const entry: CloudEntry = {
      serverUrl: url,
      authUrl: `${url}${IDENTITY_PATH}/v3`,
      username: 'admin',
      password: chosen.password,
      projectName: 'admin',
      domainName: DEFAULT_DOMAIN_NAME,
      region: config.region,
    };
    if (cloudsPath) writeCloudEntry(cloudsPath, flags.cloud, entry);
    const report = [
      result.created.length > 0 ? `created: ${result.created.join(', ')}` : 'identity already bootstrapped',
      result.passwordChanged ? 'admin password set' : 'admin password unchanged',
      cloudsPath ? `clouds.yaml entry '${flags.cloud}' written to ${cloudsPath} (use OS_CLOUD=${flags.cloud})` : '',
    ];
    process.stderr.write(
      `${report
        .filter(Boolean)
        .map((l) => `quark: ${l}`)
        .join('\n')}\n`,
    );
    process.stdout.write(osEnvironment(entry, cloudsPath ? { name: flags.cloud, path: resolve(cloudsPath) } : null));
  } finally {
    await store.close();
  }
}
