/**
 * The lab's controller: the real `quark server` in the root namespace, listening on loopback
 * and on the management network, its identity bootstrapped with `quark admin bootstrap`, and a
 * service user the agents log in as (with the admin role, as Neutron's agents have).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QuarkClient } from '../client/client.js';
import { run } from '../dataplane/drivers/exec.js';
import { QUARK_MAIN } from './lab.js';
import { alive, spawnDetached, stopLabPid } from './processes.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
  readonly project: string;
}

export interface Controller {
  readonly pid: number;
  /** The URL agents and users use (the management address). */
  readonly url: string;
  readonly authUrl: string;
  readonly admin: Credentials;
  readonly agent: Credentials;
  readonly cloudsYaml: string;
}

export const secret = () => randomBytes(12).toString('base64url');

export function passwordClient(url: string, c: Credentials): QuarkClient {
  return QuarkClient.withPassword(url, c);
}

/** The last line the server wrote: why it stopped, when it did (a port already taken, a bad database). */
function lastLogLine(dir: string): string {
  try {
    const lines = readFileSync(join(dir, 'server.log'), 'utf8').trim().split('\n');
    return lines[lines.length - 1] ?? '';
  } catch {
    return '';
  }
}

async function waitHealthy(url: string, pid: number, dir: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    if (!alive(pid)) throw new Error(`the server at ${url} exited: ${lastLogLine(dir)} (${join(dir, 'server.log')})`);
    if (Date.now() > deadline) throw new Error(`the server at ${url} did not come up (see ${join(dir, 'server.log')})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ServerOptions {
  readonly dir: string;
  readonly ip: string;
  readonly port: number;
  readonly tunnelType: string;
  /** The server's dhcpAgentsPerNetwork (default 1). */
  readonly dhcpAgentsPerNetwork?: number;
}

/** Starts `quark server` on the lab's database, detached; its output goes to server.log. */
function spawnServer(options: ServerOptions): number {
  return spawnDetached(
    [
      process.execPath,
      QUARK_MAIN,
      'server',
      '--host',
      `127.0.0.1,${options.ip}`,
      '--port',
      String(options.port),
      '--db',
      join(options.dir, 'quark.db'),
      '--auth',
      'keystone',
    ],
    join(options.dir, 'server.log'),
    // Project networks use the scenario's tunnel type, which is what the agents terminate.
    {
      QUARK_TENANT_NETWORK_TYPES: options.tunnelType,
      QUARK_DHCP_AGENTS_PER_NETWORK: String(options.dhcpAgentsPerNetwork ?? 1),
    },
  );
}

/**
 * Stops the server (SIGTERM, as an operator's restart does) and starts it again on the same
 * database and address; resolves with the new pid once it answers. Agents reconnect by themselves.
 */
export async function restartServer(options: ServerOptions, pid: number): Promise<number> {
  await stopLabPid(pid, options.dir);
  const started = spawnServer(options);
  await waitHealthy(`http://${options.ip}:${options.port}`, started, options.dir);
  return started;
}

export async function startController(options: ServerOptions & { name: string }): Promise<Controller> {
  const db = join(options.dir, 'quark.db');
  const url = `http://${options.ip}:${options.port}`;
  const pid = spawnServer(options);
  await waitHealthy(url, pid, options.dir);
  const admin: Credentials = { username: 'admin', password: secret(), project: 'admin' };
  const cloudsYaml = join(options.dir, 'clouds.yaml');
  await run([
    process.execPath,
    QUARK_MAIN,
    'admin',
    'bootstrap',
    '--db',
    db,
    '--password',
    admin.password,
    '--url',
    url,
    '--clouds-yaml',
    cloudsYaml,
    '--cloud',
    options.name,
  ]);
  const api = passwordClient(url, admin);
  const agent: Credentials = { username: 'quark-agent', password: secret(), project: 'service' };
  const service = await ensureProject(api, 'service');
  const user = await ensureUser(api, agent.username, agent.password, service);
  await grant(api, service, user, 'admin');
  return { pid, url, authUrl: `${url}/identity/v3`, admin, agent, cloudsYaml };
}

interface Named {
  id: string;
  name: string;
}

export async function ensureProject(api: QuarkClient, name: string): Promise<string> {
  const found = (await api.get<{ projects: Named[] }>(`/identity/v3/projects?name=${encodeURIComponent(name)}`)).projects[0];
  if (found) return found.id;
  return (await api.post<{ project: Named }>('/identity/v3/projects', { project: { name, domain_id: 'default' } })).project.id;
}

export async function ensureUser(api: QuarkClient, name: string, password: string, projectId: string): Promise<string> {
  const found = (await api.get<{ users: Named[] }>(`/identity/v3/users?name=${encodeURIComponent(name)}`)).users[0];
  if (found) {
    await api.request('PATCH', `/identity/v3/users/${found.id}`, { user: { password } });
    return found.id;
  }
  const user = { name, password, domain_id: 'default', default_project_id: projectId };
  return (await api.post<{ user: Named }>('/identity/v3/users', { user })).user.id;
}

export async function grant(api: QuarkClient, projectId: string, userId: string, role: string): Promise<void> {
  const roleId = (await api.get<{ roles: Named[] }>(`/identity/v3/roles?name=${role}`)).roles[0]?.id;
  if (!roleId) throw new Error(`no role ${role}`);
  await api.put(`/identity/v3/projects/${projectId}/users/${userId}/roles/${roleId}`, undefined);
}
