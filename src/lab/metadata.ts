/**
 * The lab's metadata backend: there is no Nova, so the controller runs `quark metadata-api`
 * (on its management address, port 8775 as Nova's metadata API) and the lab writes what Nova
 * would know of each instance (name, hostname, keys, user data) into its catalogue file. The
 * agents learn where it is and the shared secret from their environment, and serve isolated
 * networks' metadata from qdhcp as well (enable_isolated_metadata), so every instance of a
 * scenario reaches 169.254.169.254.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Credentials } from './controller.js';
import { secret } from './controller.js';
import type { AgentEnvironment } from './lab.js';
import { QUARK_MAIN } from './lab.js';
import { spawnDetached } from './processes.js';

export const METADATA_API_PORT = 8775;

export interface LabMetadata {
  readonly pid: number;
  readonly url: string;
  /** The catalogue file (src/metadata/catalogue.ts). */
  readonly instances: string;
}

/** What one instance's metadata says beyond its ports. */
export interface InstanceMetadata {
  readonly name: string;
  readonly publicKeys: Readonly<Record<string, string>>;
  readonly userData: string | null;
}

/** Starts the backend and returns it with the agents' environment that points at it. */
export async function startLabMetadata(
  dir: string,
  ip: string,
  serverUrl: string,
  login: Credentials,
): Promise<{ metadata: LabMetadata; agentEnv: AgentEnvironment }> {
  const shared = secret();
  const instances = join(dir, 'metadata-instances.json');
  writeFileSync(instances, '{"instances":{}}\n', { mode: 0o600 });
  const url = `http://${ip}:${METADATA_API_PORT}`;
  const pid = spawnDetached(
    [
      process.execPath,
      QUARK_MAIN,
      'metadata-api',
      '--host',
      ip,
      '--port',
      String(METADATA_API_PORT),
      '--server',
      serverUrl,
      '--instances',
      instances,
    ],
    join(dir, 'metadata-api.log'),
    {
      QUARK_METADATA_PROXY_SHARED_SECRET: shared,
      QUARK_USERNAME: login.username,
      QUARK_PASSWORD: login.password,
      QUARK_PROJECT_NAME: login.project,
    },
  );
  const deadline = Date.now() + 15_000;
  for (;;) {
    // Its root lists the EC2 versions without asking who calls.
    if (
      await fetch(`${url}/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error(`the metadata API at ${url} did not come up (see metadata-api.log)`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    metadata: { pid, url, instances },
    agentEnv: {
      QUARK_NOVA_METADATA_URL: url,
      QUARK_METADATA_PROXY_SHARED_SECRET: shared,
      QUARK_ENABLE_ISOLATED_METADATA: 'true',
    },
  };
}

/** Records (or with null removes) an instance in the catalogue. */
export function recordInstanceMetadata(file: string, instanceId: string, m: InstanceMetadata | null): void {
  const catalogue = JSON.parse(readFileSync(file, 'utf8')) as { instances: Record<string, unknown> };
  if (m === null) delete catalogue.instances[instanceId];
  else {
    catalogue.instances[instanceId] = {
      name: m.name,
      hostname: m.name,
      availability_zone: 'nova',
      public_keys: m.publicKeys,
      ...(m.userData !== null ? { user_data: m.userData } : {}),
    };
  }
  writeFileSync(file, `${JSON.stringify(catalogue, null, 2)}\n`, { mode: 0o600 });
}
