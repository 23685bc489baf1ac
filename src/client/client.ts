/**
 * A typed HTTP client for Quark's API (the Neutron v2.0 paths plus Quark's own under
 * /v2.0/quark). It authenticates with a token, or with noauth headers when the server runs in
 * noauth mode. Failures become QuarkErrors with the server's NeutronError type and message.
 */
import { ERROR_CODES, type ErrorCode, QuarkError } from '../model/errors.js';

/** Keystone password login; the client renews its token before it expires. */
export interface PasswordAuth {
  /** Identity endpoint, e.g. http://127.0.0.1:9696/identity/v3; empty: the current server's own (`<url>/identity/v3`). */
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  readonly projectName: string;
  readonly userDomain?: string;
  readonly projectDomain?: string;
}

export interface Credentials {
  /** A Keystone token (X-Auth-Token). */
  readonly token?: string;
  readonly password?: PasswordAuth;
  /** noauth: the project and roles to claim (X-Project-Id, X-Roles). */
  readonly project?: string;
  readonly roles?: readonly string[];
}

export interface ClientOptions {
  /**
   * Server root, e.g. http://127.0.0.1:9696; or several, comma-separated, of servers sharing
   * one database: the client uses one until it fails, then the next (docs/scale-out.md).
   */
  readonly url: string;
  readonly credentials?: Credentials;
  readonly timeoutMs?: number;
}

/** Errors of a connection that was never made: nothing was sent, any request may go elsewhere. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

function notSent(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string; errors?: { code?: string }[] } } | null)?.cause;
  return NOT_SENT.has(cause?.code ?? '') || (cause?.errors ?? []).some((e) => NOT_SENT.has(e.code ?? ''));
}

export class QuarkClient {
  /** The servers this client may use, in order of preference. */
  readonly urls: readonly string[];
  private current = 0;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly login: PasswordAuth | null;
  private tokenExpires = 0;

  /** A client that logs in to the server's own identity API (`<url>/identity/v3`) in the Default domain. */
  static withPassword(url: string, login: { username: string; password: string; project: string }): QuarkClient {
    return new QuarkClient({
      url,
      credentials: { password: { authUrl: '', username: login.username, password: login.password, projectName: login.project } },
    });
  }

  constructor(options: ClientOptions) {
    this.urls = options.url
      .split(',')
      .map((u) => u.trim().replace(/\/+$/, ''))
      .filter(Boolean);
    if (this.urls.length === 0) throw new QuarkError('InternalError', 'no server URL');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const c = options.credentials ?? {};
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (c.token) this.headers['x-auth-token'] = c.token;
    if (c.project) this.headers['x-project-id'] = c.project;
    if (c.roles) this.headers['x-roles'] = c.roles.join(',');
    this.login = c.password ?? null;
  }

  /** The server in use now. */
  get url(): string {
    return this.urls[this.current]!;
  }

  /**
   * Moves on to the next server after `failed` did not answer (or answered 503): once per
   * failure, even if several requests saw it. True when there is another server to try.
   */
  failover(failed: string): boolean {
    if (this.urls.length < 2) return false;
    if (this.url === failed) this.current = (this.current + 1) % this.urls.length;
    return true;
  }

  /** The token this client sends (logging in first with password credentials), or null under noauth. */
  async token(): Promise<string | null> {
    await this.authenticate();
    return this.headers['x-auth-token'] ?? null;
  }

  /** With password credentials: a token valid for at least another minute. */
  private async authenticate(force = false): Promise<void> {
    if (!this.login || (!force && Date.now() < this.tokenExpires - 60_000)) return;
    const l = this.login;
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: l.username, password: l.password, domain: { name: l.userDomain ?? 'Default' } } },
        },
        scope: { project: { name: l.projectName, domain: { name: l.projectDomain ?? 'Default' } } },
      },
    };
    const authUrl = l.authUrl || `${this.url}/identity/v3`;
    const res = await fetch(`${authUrl.replace(/\/+$/, '')}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const data = (await res.json().catch(() => null)) as { token?: { expires_at?: string } } | null;
    const token = res.headers.get('x-subject-token');
    if (!res.ok || !token) throw errorFrom(res.status, data);
    this.headers['x-auth-token'] = token;
    this.tokenExpires = Date.parse(data?.token?.expires_at ?? '') || Date.now() + 3_600_000;
  }

  /**
   * Sends one request to a path under the server root; returns the parsed JSON body (or null).
   * With several servers, a request that could not be sent goes to the next one; an idempotent
   * one also when the server failed it or answered 503.
   */
  async request<T = unknown>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
    await this.authenticate();
    const send = (url: string) =>
      fetch(url + path, {
        method,
        headers: this.headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    let res: Response | null = null;
    for (let tries = 0; res === null; tries++) {
      const url = this.url;
      try {
        res = await send(url).catch((e: unknown) => {
          // A kept-alive connection the server already closed fails before any answer: an
          // idempotent request is sent again once, on a new connection.
          if (!IDEMPOTENT.has(method) || (e as Error).name === 'TimeoutError' || notSent(e)) throw e;
          return send(url);
        });
      } catch (e) {
        const elsewhere = (notSent(e) || IDEMPOTENT.has(method)) && tries < this.urls.length - 1 && this.failover(url);
        if (!elsewhere) throw new QuarkError('InternalError', `cannot reach ${url}: ${(e as Error).message}`, { cause: e });
        continue;
      }
      if (res.status === 503 && this.failover(url) && IDEMPOTENT.has(method) && tries < this.urls.length - 1) {
        await res.body?.cancel();
        res = null;
      }
    }
    const text = await res.text();
    const data = text ? (JSON.parse(text) as unknown) : null;
    if (res.status === 401 && this.login && !retried) {
      // The token was revoked or the server restarted with other tokens: log in again, once.
      await this.authenticate(true);
      return this.request<T>(method, path, body, true);
    }
    if (!res.ok) throw errorFrom(res.status, data);
    return data as T;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  put<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  delete(path: string): Promise<unknown> {
    return this.request('DELETE', path);
  }

  /** The raw response of a streaming request (the agent feed), from the server in use; `failover` moves on. */
  async stream(path: string, signal: AbortSignal): Promise<Response> {
    await this.authenticate();
    const url = this.url;
    const res = await fetch(url + path, { headers: this.headers, signal });
    if (res.status === 401 && this.login) {
      await this.authenticate(true);
      return fetch(url + path, { headers: this.headers, signal });
    }
    return res;
  }
}

const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

function errorFrom(status: number, data: unknown): QuarkError {
  const ne = (data as { NeutronError?: { type?: string; message?: string; detail?: string } } | null)?.NeutronError;
  const ke = (data as { error?: { title?: string; message?: string } } | null)?.error;
  const type = ne?.type;
  const code: ErrorCode =
    type && type in ERROR_CODES ? (type as ErrorCode) : status === 401 ? 'NotAuthenticated' : 'InternalError';
  return new QuarkError(code, ne?.message ?? ke?.message ?? `HTTP ${status}`, { detail: ne?.detail ?? '' });
}

/**
 * Credentials from the environment, as the `openstack` CLI reads them: a password login
 * (OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME/OS_AUTH_URL, or the QUARK_ equivalents), a token
 * (OS_TOKEN), or else noauth headers claiming the admin role (servers run with auth=noauth).
 */
export function credentialsFromEnv(env: Readonly<Record<string, string | undefined>>): Credentials {
  const username = env.QUARK_USERNAME ?? env.OS_USERNAME;
  const password = env.QUARK_PASSWORD ?? env.OS_PASSWORD;
  if (username && password) {
    return {
      password: {
        authUrl: env.QUARK_AUTH_URL ?? env.OS_AUTH_URL ?? '',
        username,
        password,
        projectName: env.QUARK_PROJECT_NAME ?? env.OS_PROJECT_NAME ?? 'admin',
        userDomain: env.OS_USER_DOMAIN_NAME ?? 'Default',
        projectDomain: env.OS_PROJECT_DOMAIN_NAME ?? 'Default',
      },
    };
  }
  const token = env.QUARK_TOKEN ?? env.OS_TOKEN;
  return token ? { token } : { project: 'admin', roles: ['admin'] };
}
