/**
 * `quark admin bootstrap`: the first admin of a deployment and the agents' service user, written
 * straight into the store (like `keystone-manage bootstrap`, it needs the database, not a running
 * server), then a `clouds.yaml` entry and the `OS_*` variables for the `openstack` CLI. It reads
 * the server's own configuration (`--config`, else /etc/quark/server.yaml when present), so the
 * database and the URL it writes are the ones the server uses. Safe to run again: it keeps what
 * exists, and keeps passwords unless one is given or none is known.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type CloudEntry, defaultCloudsYamlPath, osEnvironment, storedPassword, writeCloudEntry } from '../client/clouds-yaml.js';
import { loadConfig, originOf } from '../model/config.js';
import { QuarkError } from '../model/errors.js';
import { DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME } from '../model/identity.js';
import { type ServerConfig, ServerConfigSchema } from '../server/config.js';
import { bootstrapIdentity } from '../server/identity/bootstrap.js';
import { IDENTITY_PATH } from '../server/identity/catalog.js';
import { verifyPassword } from '../server/identity/passwords.js';
import { nameKey } from '../store/kinds.js';
import { Store } from '../store/store.js';
import { configSources } from './config-file.js';

export interface BootstrapFlags {
  password?: string;
  config?: string;
  db?: string;
  createDb?: boolean;
  url?: string;
  cloudsYaml?: string | false;
  cloud: string;
  agentUser: string | false;
  agentPassword?: string;
  agentEnv?: string;
}

const SERVICE_PROJECT = 'service';

/** The server's URL as clients reach it: --url, else publicUrl, else host and port of the config. */
export function serverUrl(config: Pick<ServerConfig, 'publicUrl' | 'host' | 'port'>, flag: string | undefined): string {
  if (flag) return flag.replace(/\/+$/, '');
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const first = config.host.split(',')[0]!.trim();
  const wildcard = first === '0.0.0.0' || first === '::';
  const host = wildcard ? '127.0.0.1' : first.includes(':') ? `[${first}]` : first;
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

/** The agents' password: given, else kept (null) when the user exists, else a new one. */
function chooseAgentPassword(
  store: Store,
  username: string,
  given: string | undefined,
): { password: string | null; made: boolean } {
  if (given) return { password: given, made: false };
  if (store.view.by('user', 'name', nameKey(DEFAULT_DOMAIN_ID, username))[0]) return { password: null, made: false };
  return { password: randomBytes(18).toString('base64url'), made: true };
}

/**
 * A SQLite file that is not there is refused unless --create-db: a typo must not bootstrap an
 * empty database. Returns whether this run creates it.
 */
function checkDatabase(config: ServerConfig, flags: BootstrapFlags, origin: string): boolean {
  if (config.db === ':memory:' || config.db.includes('://')) return false;
  if (existsSync(config.db)) return false;
  if (!flags.createDb)
    throw new QuarkError(
      'InvalidConfig',
      `the database ${config.db} (db, from ${origin}) does not exist: start the server once (it creates it), fix the path, or pass --create-db to create it here`,
    );
  // Like the server, create the database's directory: bootstrap may run before the first start.
  mkdirSync(dirname(config.db), { recursive: true });
  return true;
}

/**
 * A database root created for the server belongs to whoever owns its directory (the package's
 * `quark` user owns /var/lib/quark), readable by that owner and group only: it holds password
 * hashes, and the server must be able to write it.
 */
function handOver(db: string): void {
  const dir = statSync(dirname(db));
  if (process.getuid?.() === 0) chownSync(db, dir.uid, dir.gid);
  chmodSync(db, 0o640);
}

/** A value for an environment file that both systemd (EnvironmentFile) and sh read the same way. */
function envValue(v: string): string {
  if (/^[A-Za-z0-9_.,:@%+=/-]+$/.test(v)) return v;
  if (!v.includes("'")) return `'${v}'`;
  throw new QuarkError('InvalidConfig', "the agents' password may not contain a single quote (') when written with --agent-env");
}

export async function bootstrap(flags: BootstrapFlags): Promise<void> {
  const sources = configSources(flags.config, 'server', { db: flags.db, logLevel: 'silent' });
  const config = loadConfig(ServerConfigSchema, sources);
  const cloudsPath = flags.cloudsYaml === false ? null : (flags.cloudsYaml ?? defaultCloudsYamlPath());
  const password = flags.password ?? process.env.QUARK_ADMIN_PASSWORD;
  const creating = checkDatabase(config, flags, originOf(config, 'db'));
  const store = await Store.open({ url: config.db, changeLogRetention: config.changeLogRetention });
  if (creating) handOver(config.db);
  try {
    const chosen = await choosePassword(store, { ...flags, ...(password ? { password } : {}) }, cloudsPath);
    const agentUser = flags.agentUser === false ? null : flags.agentUser;
    const agent = agentUser
      ? chooseAgentPassword(store, agentUser, flags.agentPassword ?? process.env.QUARK_AGENT_PASSWORD)
      : null;
    const result = await bootstrapIdentity(store, {
      password: chosen.set ? chosen.password : null,
      ...(agentUser && agent
        ? { serviceUser: { username: agentUser, projectName: SERVICE_PROJECT, password: agent.password } }
        : {}),
    });
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
      sources.fileName ? `server config ${sources.fileName}; database ${config.db}` : `database ${config.db}`,
      result.created.length > 0 ? `created: ${result.created.join(', ')}` : 'identity already bootstrapped',
      result.passwordChanged ? 'admin password set' : 'admin password unchanged',
      cloudsPath
        ? `clouds.yaml entry '${flags.cloud}' written to ${cloudsPath} (use OS_CLOUD=${flags.cloud}); server URL ${url}`
        : '',
    ];
    if (agentUser && agent) {
      const what = result.servicePasswordChanged ? 'password set' : 'password unchanged';
      report.push(`agents' user ${agentUser} (admin role on project ${SERVICE_PROJECT}): ${what}`);
      if (flags.agentEnv && agent.password) {
        // The agents' systemd unit reads this file (EnvironmentFile); it holds a password. No
        // QUARK_SERVER: a variable outranks agent.yaml, and the URL is each host's own setting.
        const lines = [
          `QUARK_USERNAME=${agentUser}`,
          `QUARK_PASSWORD=${envValue(agent.password)}`,
          `QUARK_PROJECT_NAME=${SERVICE_PROJECT}`,
        ];
        mkdirSync(dirname(flags.agentEnv), { recursive: true });
        writeFileSync(flags.agentEnv, `${lines.join('\n')}\n`, { mode: 0o600 });
        report.push(`agents' credentials written to ${flags.agentEnv}: copy it to /etc/quark/agent.env on every agent host`);
      } else if (flags.agentEnv) {
        report.push(
          `${flags.agentEnv} not written: the password of ${agentUser} is kept and not known here (give --agent-password to set one)`,
        );
      } else if (agent.made) {
        report.push(
          `the password of ${agentUser} is ${agent.password}: put QUARK_PASSWORD=${agent.password} in /etc/quark/agent.env on every agent host (or use --agent-env FILE)`,
        );
      }
    }
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
