/**
 * A server with `auth: keystone` on an in-memory store, bootstrapped like a fresh deployment
 * (admin / admin-secret on project admin), with a clock tests can move and helpers to log in
 * and to make throwaway projects and users through the identity API itself.
 */
import { loadConfig } from '../../model/config.js';
import { Store } from '../../store/store.js';
import { type QuarkApp, buildApp } from '../app.js';
import { type ServerConfig, ServerConfigSchema } from '../config.js';
import { bootstrapIdentity } from '../identity/bootstrap.js';

export const ADMIN_PASSWORD = 'admin-secret';

export interface HttpReply {
  readonly status: number;
  readonly body: Record<string, any>;
  readonly headers: Record<string, string | string[] | number | undefined>;
}

export interface Call {
  readonly token?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface Account {
  readonly userId: string;
  readonly projectId: string;
  readonly password: string;
}

export interface IdentityTestServer {
  readonly store: Store;
  readonly quark: QuarkApp;
  readonly config: ServerConfig;
  /** Milliseconds since the epoch that the server's clock shows; tests may move it. */
  clock: number;
  request(method: string, path: string, call?: Call): Promise<HttpReply>;
  /**
   * A token id for the user (by name in Default). Without `scope`: project `admin` for admin, and
   * for `<name>-user` (made by `account`) its project `<name>`.
   */
  login(username: string, password: string, scope?: unknown): Promise<string>;
  adminToken(): Promise<string>;
  /** A new project (named `name`) and user `name-user` holding `role` on it, made by the admin. */
  account(name: string, role: string): Promise<Account>;
  close(): Promise<void>;
}

export function passwordAuth(username: string, password: string, scope?: unknown) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: username, domain: { id: 'default' }, password } } },
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

export async function identityServer(overrides: Partial<ServerConfig> = {}): Promise<IdentityTestServer> {
  const config = loadConfig(ServerConfigSchema, {
    flags: { db: ':memory:', logLevel: 'silent', auth: 'keystone', ...overrides },
  });
  const store = await Store.open({ url: ':memory:' });
  const server = { clock: Date.parse('2030-01-01T00:00:00Z') } as IdentityTestServer;
  const quark = await buildApp({ config, store, services: { now: () => new Date(server.clock) } });
  await quark.app.ready();
  await bootstrapIdentity(store, { password: ADMIN_PASSWORD });

  const request = async (method: string, path: string, call: Call = {}): Promise<HttpReply> => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...call.headers };
    if (call.token) headers['x-auth-token'] = call.token;
    const res = await quark.app.inject({
      method: method as 'GET',
      url: path,
      headers,
      ...(call.body === undefined ? {} : { payload: JSON.stringify(call.body) }),
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : {}, headers: res.headers };
  };
  const login = async (username: string, password: string, scope?: unknown) => {
    const r = await request('POST', '/identity/v3/auth/tokens', {
      body: passwordAuth(
        username,
        password,
        scope ?? {
          project: { name: username === 'admin' ? 'admin' : username.replace(/-user$/, ''), domain: { name: 'Default' } },
        },
      ),
    });
    if (r.status !== 201) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.headers['x-subject-token'] as string;
  };
  let admin: string | null = null;
  const adminToken = async () => {
    admin ??= await login('admin', ADMIN_PASSWORD);
    return admin;
  };
  const expectOk = async (method: string, path: string, call: Call) => {
    const r = await request(method, path, call);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const account = async (name: string, role: string): Promise<Account> => {
    const token = await adminToken();
    const { project } = await expectOk('POST', '/v3/projects', { token, body: { project: { name } } });
    const password = `${name}-password`;
    const { user } = await expectOk('POST', '/v3/users', { token, body: { user: { name: `${name}-user`, password } } });
    const roles = await expectOk('GET', `/v3/roles?name=${role}`, { token });
    await expectOk('PUT', `/v3/projects/${project.id}/users/${user.id}/roles/${roles.roles[0].id}`, { token });
    return { userId: user.id, projectId: project.id, password };
  };

  return Object.assign(server, {
    store,
    quark,
    config,
    request,
    login,
    adminToken,
    account,
    close: async () => {
      await quark.app.close();
      await store.close();
    },
  });
}
