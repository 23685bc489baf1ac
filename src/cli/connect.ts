/**
 * How the API commands reach a server, as the openstack CLI does: `--os-cloud NAME` (or
 * OS_CLOUD) reads a clouds.yaml entry (OS_CLIENT_CONFIG_FILE, else the default path); else
 * `--url` with OS_ or QUARK_ credentials from the environment, or noauth admin headers; and
 * `--lab NAME` uses a running lab's controller and admin login.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { QuarkClient, credentialsFromEnv } from '../client/client.js';
import { QuarkError } from '../model/errors.js';
import { passwordClient } from '../lab/controller.js';
import { Lab, labStateFile } from '../lab/lab.js';
import { labExtra } from '../lab/up.js';
import { defaultCloudsYamlPath } from '../client/clouds-yaml.js';

export interface ConnectFlags {
  readonly url?: string;
  readonly osCloud?: string;
  readonly lab?: string;
}

export const LAB_ROOT = '/run/quark/lab';

export function addConnectOptions(c: Command): Command {
  return c
    .option('--url <url>', 'Quark server (default $QUARK_SERVER or http://127.0.0.1:9696)')
    .option('--os-cloud <name>', 'clouds.yaml entry to use (default $OS_CLOUD)')
    .option('--lab <name>', 'talk to the controller of this running lab (quark lab up)');
}

interface CloudAuth {
  auth_url?: string;
  username?: string;
  password?: string;
  project_name?: string;
  user_domain_name?: string;
  project_domain_name?: string;
}

function cloudClient(name: string): QuarkClient {
  const path = process.env.OS_CLIENT_CONFIG_FILE ?? defaultCloudsYamlPath();
  if (!existsSync(path)) throw new QuarkError('InvalidConfig', `no clouds.yaml at ${path} (OS_CLIENT_CONFIG_FILE)`);
  const doc = parse(readFileSync(path, 'utf8')) as { clouds?: Record<string, { auth?: CloudAuth }> } | null;
  const auth = doc?.clouds?.[name]?.auth;
  if (!auth?.auth_url || !auth.username || !auth.password)
    throw new QuarkError('InvalidConfig', `${path} has no usable cloud '${name}'`);
  const url = auth.auth_url.replace(/\/identity\/v3\/?$/, '');
  return new QuarkClient({
    url,
    credentials: {
      password: {
        authUrl: auth.auth_url,
        username: auth.username,
        password: auth.password,
        projectName: auth.project_name ?? 'admin',
        userDomain: auth.user_domain_name ?? 'Default',
        projectDomain: auth.project_domain_name ?? 'Default',
      },
    },
    timeoutMs: 60_000,
  });
}

/** The running lab `name`, or an error saying it is not up. */
export function loadLab(name: string): Lab {
  const dir = join(LAB_ROOT, name);
  if (!existsSync(labStateFile(dir))) throw new QuarkError('InvalidConfig', `no lab '${name}' is up (quark lab up)`);
  return Lab.load(dir);
}

export function connect(flags: ConnectFlags): QuarkClient {
  if (flags.lab) {
    const c = labExtra(loadLab(flags.lab)).controller;
    return passwordClient(c.url, c.admin);
  }
  const cloud = flags.osCloud ?? (flags.url ? undefined : process.env.OS_CLOUD);
  if (cloud) return cloudClient(cloud);
  const url = flags.url ?? process.env.QUARK_SERVER ?? 'http://127.0.0.1:9696';
  return new QuarkClient({ url, credentials: credentialsFromEnv(process.env), timeoutMs: 60_000 });
}
