/**
 * The browser's client of the API: the identity API for the token, then the Neutron API with
 * X-Auth-Token, exactly as every other client; what the user sees is what the API's policy
 * lets their token read.
 */
import type { Identity } from '../cloud.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The message of a NeutronError or Keystone error body, else the status line. */
async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { NeutronError?: { message?: string }; error?: { message?: string } };
    message = body.NeutronError?.message ?? body.error?.message ?? message;
  } catch {}
  return new ApiError(res.status, message);
}

interface TokenBody {
  readonly token: {
    readonly user: { readonly name: string };
    readonly project?: { readonly id: string; readonly name: string };
    readonly roles: readonly { readonly name: string }[];
  };
}

function identityOf(body: TokenBody): Identity {
  const roles = body.token.roles.map((r) => r.name.toLowerCase());
  return {
    userName: body.token.user.name,
    projectId: body.token.project?.id ?? '',
    projectName: body.token.project?.name ?? '',
    roles,
    isAdmin: roles.includes('admin'),
  };
}

export class Api {
  constructor(readonly token: string) {}

  static async login(user: string, password: string, project: string): Promise<{ api: Api; identity: Identity }> {
    const res = await fetch('/identity/v3/auth/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
          scope: { project: { name: project, domain: { name: 'Default' } } },
        },
      }),
    });
    if (!res.ok) throw await errorOf(res);
    const token = res.headers.get('x-subject-token');
    if (!token) throw new ApiError(500, 'the identity API answered without a token');
    return { api: new Api(token), identity: identityOf((await res.json()) as TokenBody) };
  }

  /** Checks a kept token; null when it is no longer valid. */
  async identity(): Promise<Identity | null> {
    const res = await fetch('/identity/v3/auth/tokens', {
      headers: { 'x-auth-token': this.token, 'x-subject-token': this.token },
    });
    if (!res.ok) return null;
    return identityOf((await res.json()) as TokenBody);
  }

  async get<T>(path: string): Promise<T> {
    const res = await fetch(path, { headers: { 'x-auth-token': this.token } });
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as T;
  }

  async logout(): Promise<void> {
    await fetch('/identity/v3/auth/tokens', {
      method: 'DELETE',
      headers: { 'x-auth-token': this.token, 'x-subject-token': this.token },
    }).catch(() => undefined);
  }

  /** Opens the event stream; resolves with its body reader, or throws (401 when the token is gone). */
  async events(signal: AbortSignal): Promise<ReadableStreamDefaultReader<string>> {
    const res = await fetch('/v2.0/quark/events', { headers: { 'x-auth-token': this.token }, signal });
    if (!res.ok || !res.body) throw await errorOf(res);
    return res.body.pipeThrough(new TextDecoderStream()).getReader();
  }
}
