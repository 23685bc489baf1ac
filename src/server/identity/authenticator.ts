/**
 * The network API's Authenticator with Keystone tokens: `X-Auth-Token` is validated against the
 * identity records and the Caller cached for a short time, as keystonemiddleware caches tokens
 * in front of Neutron. A missing or invalid token is a 401.
 *
 * The cache is cleared whenever identity records change in this server's view (its own writes
 * and other servers' writes it catches up with), so revoked roles and disabled users take
 * effect at once here; revocations of tokens by another server take at most `ttlSeconds`.
 */
import { type Caller, type Authenticator, type HeaderBag, makeCaller } from '../caller.js';
import type { Store } from '../../store/store.js';
import type { Kind } from '../../store/kinds.js';
import { unauthorized } from './keystone-error.js';
import { type TokenContext, type TokenService, hashTokenId } from './tokens.js';

interface Entry {
  readonly caller: Caller;
  readonly until: number;
}

const IDENTITY_KINDS: ReadonlySet<Kind> = new Set(['domain', 'project', 'user', 'role', 'role_assignment']);
const MAX_ENTRIES = 10_000;

export function callerOf(ctx: TokenContext): Caller {
  return {
    ...makeCaller(
      ctx.project?.id ?? null,
      ctx.roles.map((r) => r.name),
      ctx.user.id,
    ),
    domainId: ctx.domain?.id ?? null,
    projectDomainId: ctx.project?.domain_id ?? null,
  };
}

export class KeystoneAuthenticator implements Authenticator {
  private readonly cache = new Map<string, Entry>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly tokens: TokenService,
    store: Store,
    private readonly ttlSeconds: number,
    private readonly now: () => Date,
  ) {
    this.unsubscribe = store.onCommit((commit) => {
      if (commit.changes.some((c) => IDENTITY_KINDS.has(c.kind))) this.cache.clear();
    });
  }

  async authenticate(headers: HeaderBag): Promise<Caller> {
    const raw = headers['x-auth-token'];
    const secret = Array.isArray(raw) ? raw[0] : raw;
    if (!secret) throw unauthorized();
    const key = hashTokenId(secret);
    const now = this.now().getTime();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.caller;
    this.cache.delete(key);
    const ctx = await this.tokens.validate(secret);
    if (!ctx) throw unauthorized();
    const caller = callerOf(ctx);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { caller, until: Math.min(now + this.ttlSeconds * 1000, Date.parse(ctx.token.expires_at)) });
    return caller;
  }

  /** Drops a token from the cache (it was just revoked through this server). */
  forget(secret: string): void {
    this.cache.delete(hashTokenId(secret));
  }

  close(): void {
    this.unsubscribe();
    this.cache.clear();
  }
}
