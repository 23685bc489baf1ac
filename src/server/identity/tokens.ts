/**
 * Tokens: issue (password and token methods, project/domain/unscoped scope), validate and
 * revoke. A token id is 32 random bytes the client holds; the store keeps only its SHA-256, with
 * the scope, expiry and a revoked flag. Roles are not frozen into the token: every validation
 * recomputes them from the role assignments, so removing a role, disabling a user or project, or
 * changing a password takes effect at once (as in Keystone).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Domain, Project, Role, Token, User } from '../../model/identity.js';
import type { Store, WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { AuthRequest } from './auth-request.js';
import { type Scope, domainByRef, domainScope, effectiveRoles, projectByRef, projectScope, userByRef } from './directory.js';
import { unauthorized } from './keystone-error.js';
import { verifyPassword } from './passwords.js';

/** A valid token with the records it refers to, as of the view it was checked against. */
export interface TokenContext {
  readonly token: Token;
  readonly user: User;
  readonly userDomain: Domain;
  /** Set for a project-scoped token, with the project's domain. */
  readonly project: Project | null;
  readonly projectDomain: Domain | null;
  /** Set for a domain-scoped token. */
  readonly domain: Domain | null;
  /** Effective roles on the scope (implied ones included); empty for an unscoped token. */
  readonly roles: readonly Role[];
}

export interface TokenServiceOptions {
  /** Lifetime of a new token in seconds (a token made from a token keeps its parent's expiry). */
  readonly expiration: number;
  readonly now: () => Date;
}

/** Keystone's timestamp format: UTC with microseconds and a trailing Z. */
export function keystoneTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function hashTokenId(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** How often issuing a token also deletes the expired ones this server knows about. */
const SWEEP_INTERVAL_MS = 60_000;

export class TokenService {
  private lastSweep = 0;

  constructor(
    private readonly store: Store,
    private readonly options: TokenServiceOptions,
  ) {}

  /**
   * Authenticates and issues a token. Every failure to prove identity is the same 401, whether
   * the user exists or not, its password is wrong or it is disabled.
   */
  async issue(request: AuthRequest): Promise<{ secret: string; context: TokenContext }> {
    await this.store.sync();
    const now = this.options.now();
    let expires = now.getTime() + this.options.expiration * 1000;
    let user: User | undefined;
    const methods: string[] = [];
    const parentAudit: string[] = [];
    if (request.token) {
      const parent = await this.validate(request.token.id);
      if (!parent) throw unauthorized();
      user = parent.user;
      expires = Math.min(expires, Date.parse(parent.token.expires_at));
      methods.push('token', ...parent.token.methods.filter((m) => m !== 'token'));
      parentAudit.push(parent.token.audit_ids[0]!);
    }
    if (request.password) {
      const candidate = userByRef(this.store.view, request.password.user);
      const matches = await verifyPassword(request.password.password, candidate?.password_hash ?? null);
      if (!candidate || !matches || !userActive(this.store.view, candidate)) throw unauthorized();
      if (user && user.id !== candidate.id) throw unauthorized();
      user = candidate;
      if (!methods.includes('password')) methods.push('password');
    }
    if (!user) throw unauthorized();
    const view = this.store.view;
    const scope = resolveScope(view, user, request.scope);
    const token: Token = {
      id: '',
      user_id: user.id,
      project_id: scope?.project_id ?? null,
      domain_id: scope?.domain_id ?? null,
      methods,
      issued_at: keystoneTime(now),
      expires_at: keystoneTime(new Date(expires)),
      audit_ids: [randomBytes(16).toString('base64url'), ...parentAudit],
      user_epoch: user.token_epoch,
      revoked: false,
    };
    const secret = randomBytes(32).toString('base64url');
    const stored: Token = { ...token, id: hashTokenId(secret) };
    const context = contextOf(view, stored, now);
    if (!context) throw unauthorized();
    await this.store.write((tx) => {
      this.sweep(tx, now);
      tx.put('token', stored);
    });
    return { secret, context };
  }

  /**
   * The context of a token id, or null when it is unknown, expired, revoked, or no longer
   * backed by an enabled user with a role on an enabled scope. Reads the token from the
   * database, so a token issued or revoked by another server is seen at once.
   */
  async validate(secret: string): Promise<TokenContext | null> {
    const token = await this.store.fetch('token', hashTokenId(secret));
    if (!token) return null;
    await this.store.sync();
    return contextOf(this.store.view, token, this.options.now());
  }

  /** Revokes a valid token; false when there was nothing valid to revoke. */
  async revoke(secret: string): Promise<boolean> {
    const context = await this.validate(secret);
    if (!context) return false;
    await this.store.write((tx) => {
      tx.put('token', { ...context.token, revoked: true });
    });
    return true;
  }

  private sweep(tx: WriteTx, now: Date): void {
    if (now.getTime() - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now.getTime();
    for (const t of tx.all('token')) if (Date.parse(t.expires_at) <= now.getTime()) tx.delete('token', t.id);
  }
}

function userActive(view: ReadView, user: User): boolean {
  return user.enabled && view.get('domain', user.domain_id)?.enabled === true;
}

function projectActive(view: ReadView, project: Project): boolean {
  return project.enabled && view.get('domain', project.domain_id)?.enabled === true;
}

/** The scope a new token gets, or null for unscoped; 401 when the user may not have it. */
function resolveScope(view: ReadView, user: User, request: AuthRequest['scope']): Scope | null {
  switch (request.kind) {
    case 'unscoped':
      return null;
    case 'default': {
      // Keystone scopes a token without an explicit scope to the user's default project, when usable.
      const project = user.default_project_id ? view.get('project', user.default_project_id) : undefined;
      if (!project || !projectActive(view, project)) return null;
      const scope = projectScope(project.id);
      return effectiveRoles(view, user.id, scope).length > 0 ? scope : null;
    }
    case 'project': {
      const project = projectByRef(view, request.project);
      if (!project || !projectActive(view, project)) throw unauthorized('The requested project is not available.');
      const scope = projectScope(project.id);
      if (effectiveRoles(view, user.id, scope).length === 0) {
        throw unauthorized(`User ${user.id} has no access to project ${project.id}`);
      }
      return scope;
    }
    case 'domain': {
      const domain = domainByRef(view, request.domain);
      if (!domain?.enabled) throw unauthorized('The requested domain is not available.');
      const scope = domainScope(domain.id);
      if (effectiveRoles(view, user.id, scope).length === 0) {
        throw unauthorized(`User ${user.id} has no access to domain ${domain.id}`);
      }
      return scope;
    }
  }
}

/** Whether `token` is still good against `view` at `now`, and what it stands for. */
export function contextOf(view: ReadView, token: Token, now: Date): TokenContext | null {
  if (token.revoked || Date.parse(token.expires_at) <= now.getTime()) return null;
  const user = view.get('user', token.user_id);
  if (!user || !userActive(view, user)) return null;
  if (token.user_epoch !== user.token_epoch) return null;
  const userDomain = view.get('domain', user.domain_id)!;
  const base = { token, user, userDomain, project: null, projectDomain: null, domain: null, roles: [] };
  if (token.project_id !== null) {
    const project = view.get('project', token.project_id);
    if (!project || !projectActive(view, project)) return null;
    const roles = effectiveRoles(view, user.id, projectScope(project.id));
    if (roles.length === 0) return null;
    return { ...base, project, projectDomain: view.get('domain', project.domain_id)!, roles };
  }
  if (token.domain_id !== null) {
    const domain = view.get('domain', token.domain_id);
    if (!domain?.enabled) return null;
    const roles = effectiveRoles(view, user.id, domainScope(domain.id));
    if (roles.length === 0) return null;
    return { ...base, domain, roles };
  }
  return base;
}
