/**
 * A typed HTTP client for Quark's API (the Neutron v2.0 paths plus Quark's own under
 * /v2.0/quark). It authenticates with a token, or with noauth headers when the server runs in
 * noauth mode. Failures become QuarkErrors with the server's NeutronError type and message.
 */
import { ERROR_CODES, type ErrorCode, QuarkError } from '../model/errors.js';

export interface Credentials {
  /** A Keystone token (X-Auth-Token). */
  readonly token?: string;
  /** noauth: the project and roles to claim (X-Project-Id, X-Roles). */
  readonly project?: string;
  readonly roles?: readonly string[];
}

export interface ClientOptions {
  /** Server root, e.g. http://127.0.0.1:9696 */
  readonly url: string;
  readonly credentials?: Credentials;
  readonly timeoutMs?: number;
}

export class QuarkClient {
  readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const c = options.credentials ?? {};
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (c.token) this.headers['x-auth-token'] = c.token;
    if (c.project) this.headers['x-project-id'] = c.project;
    if (c.roles) this.headers['x-roles'] = c.roles.join(',');
  }

  /** Sends one request to a path under the server root; returns the parsed JSON body (or null). */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: this.headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new QuarkError('InternalError', `cannot reach ${this.url}: ${(e as Error).message}`, { cause: e });
    }
    const text = await res.text();
    const data = text ? (JSON.parse(text) as unknown) : null;
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

  /** The raw response of a streaming request (the agent feed). */
  stream(path: string, signal: AbortSignal): Promise<Response> {
    return fetch(this.url + path, { headers: this.headers, signal });
  }
}

function errorFrom(status: number, data: unknown): QuarkError {
  const ne = (data as { NeutronError?: { type?: string; message?: string; detail?: string } } | null)?.NeutronError;
  const ke = (data as { error?: { title?: string; message?: string } } | null)?.error;
  const type = ne?.type;
  const code: ErrorCode =
    type && type in ERROR_CODES ? (type as ErrorCode) : status === 401 ? 'NotAuthenticated' : 'InternalError';
  return new QuarkError(code, ne?.message ?? ke?.message ?? `HTTP ${status}`, { detail: ne?.detail ?? '' });
}
