/**
 * A server on an in-memory store for tests: requests go through the real HTTP stack
 * (Fastify's inject, or a real socket with `listen`), with noauth callers chosen per request.
 */
import { loadConfig } from '../../model/config.js';
import { Store } from '../../store/store.js';
import { type QuarkApp, buildApp } from '../app.js';
import { type ServerConfig, ServerConfigSchema } from '../config.js';
import type { Services } from '../plugin/context.js';

export interface Reply<T = Record<string, any>> {
  readonly status: number;
  readonly body: T;
}

export interface As {
  readonly project?: string;
  readonly roles?: string;
}

export interface TestServer {
  readonly store: Store;
  readonly quark: QuarkApp;
  readonly config: ServerConfig;
  request(method: string, path: string, body?: unknown, as?: As): Promise<Reply>;
  /** Shorthands that assert the expected status and return the body. */
  get(path: string, as?: As): Promise<Record<string, any>>;
  post(path: string, body: unknown, as?: As): Promise<Record<string, any>>;
  put(path: string, body: unknown, as?: As): Promise<Record<string, any>>;
  del(path: string, as?: As): Promise<void>;
  close(): Promise<void>;
}

export const ADMIN: As = { project: 'admin-project', roles: 'admin' };
export const ALICE: As = { project: 'alice', roles: 'member' };
export const BOB: As = { project: 'bob', roles: 'member' };

export async function testServer(overrides: Partial<ServerConfig> = {}, services: Partial<Services> = {}): Promise<TestServer> {
  // The network API's tests choose their caller per request with noauth headers; identity
  // tests use identityServer() (identity-harness.ts), which runs with keystone.
  const config = loadConfig(ServerConfigSchema, { flags: { db: ':memory:', logLevel: 'silent', auth: 'noauth', ...overrides } });
  const store = await Store.open({ url: ':memory:' });
  const quark = await buildApp({ config, store, services });
  await quark.app.ready();
  const request = async (method: string, path: string, body?: unknown, as: As = ADMIN): Promise<Reply> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (as.project) headers['x-project-id'] = as.project;
    if (as.roles) headers['x-roles'] = as.roles;
    const res = await quark.app.inject({
      method: method as 'GET',
      url: path,
      headers,
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : {} };
  };
  const expect = async (method: string, path: string, status: number, body?: unknown, as?: As) => {
    const r = await request(method, path, body, as);
    if (r.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  return {
    store,
    quark,
    config,
    request,
    get: (path, as) => expect('GET', path, 200, undefined, as),
    post: (path, body, as) => expect('POST', path, 201, body, as),
    put: (path, body, as) => expect('PUT', path, 200, body, as),
    del: async (path, as) => {
      await expect('DELETE', path, 204, undefined, as);
    },
    close: async () => {
      await quark.app.close();
      await store.close();
    },
  };
}
