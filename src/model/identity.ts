/**
 * The identity records (Keystone v3's domains, projects, users, roles, role assignments and
 * tokens) as Quark stores them. Field names are Keystone's wire names where a field is shown.
 * Secrets never appear in clear: users keep a scrypt hash, tokens are stored under the SHA-256
 * of their id.
 */

/** Keystone's default domain: its id is the literal `default`, its name `Default`. */
export const DEFAULT_DOMAIN_ID = 'default';
export const DEFAULT_DOMAIN_NAME = 'Default';

/** The roles every deployment has (keystone-manage bootstrap creates the same three). */
export const BUILTIN_ROLES = ['admin', 'member', 'reader'] as const;

/**
 * Keystone's default implied roles: holding `admin` also grants `member`, and `member` grants
 * `reader`. Tokens list the effective roles, so policy only ever looks for one name.
 */
export const IMPLIED_ROLES: Readonly<Record<string, readonly string[]>> = {
  admin: ['member'],
  member: ['reader'],
};

/** A role name with every role it implies, transitively, in a stable order. */
export function withImpliedRoles(names: Iterable<string>): string[] {
  const out: string[] = [];
  const visit = (name: string) => {
    if (out.includes(name)) return;
    out.push(name);
    for (const implied of IMPLIED_ROLES[name] ?? []) visit(implied);
  };
  for (const name of names) visit(name);
  return out;
}

export interface Domain {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
}

export interface Project {
  readonly id: string;
  readonly name: string;
  readonly domain_id: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly tags: readonly string[];
}

export interface User {
  readonly id: string;
  readonly name: string;
  readonly domain_id: string;
  readonly enabled: boolean;
  /** `scrypt$N$r$p$salt$key` (base64), or null for a user that cannot log in with a password. */
  readonly password_hash: string | null;
  /**
   * Tokens carry the epoch they were issued under and die when it moves: a password change
   * and disabling the user move it, as Keystone revokes a user's tokens on both.
   */
  readonly token_epoch: number;
  readonly default_project_id: string | null;
  readonly description: string;
  readonly email: string | null;
}

export interface Role {
  readonly id: string;
  readonly name: string;
  readonly description: string;
}

/** A grant of one role to one user on one project or one domain (exactly one of the two). */
export interface RoleAssignment {
  readonly id: string;
  readonly user_id: string;
  readonly role_id: string;
  readonly project_id: string | null;
  readonly domain_id: string | null;
}

/** The id under which a grant is stored: one record per (scope, user, role), so a PUT is idempotent. */
export function assignmentId(scope: { project_id: string | null; domain_id: string | null }, userId: string, roleId: string) {
  return scope.project_id !== null
    ? `project:${scope.project_id}:${userId}:${roleId}`
    : `domain:${scope.domain_id}:${userId}:${roleId}`;
}

export interface Token {
  /** SHA-256 (hex) of the token id the client holds; the id itself is never stored. */
  readonly id: string;
  readonly user_id: string;
  /** The scope: a project, a domain, or neither (unscoped). */
  readonly project_id: string | null;
  readonly domain_id: string | null;
  readonly methods: readonly string[];
  readonly issued_at: string;
  readonly expires_at: string;
  /** Keystone's audit ids: this token's own, then the one of the token it was made from, if any. */
  readonly audit_ids: readonly string[];
  /** The user's token_epoch when the token was issued. */
  readonly user_epoch: number;
  readonly revoked: boolean;
}
