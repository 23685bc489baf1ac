/**
 * Lookups over the identity records of a view: by id or by name within a domain, and the
 * effective roles of a user on a project or domain. Pure reads; no policy here.
 */
import { type Domain, type Project, type Role, type User, withImpliedRoles } from '../../model/identity.js';
import { nameKey, userScopeKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import type { DomainRef, ProjectRef, UserRef } from './auth-request.js';

export type Scope =
  | { readonly project_id: string; readonly domain_id: null }
  | { readonly project_id: null; readonly domain_id: string };

export const projectScope = (projectId: string): Scope => ({ project_id: projectId, domain_id: null });
export const domainScope = (domainId: string): Scope => ({ project_id: null, domain_id: domainId });

export function domainByRef(view: ReadView, ref: DomainRef): Domain | undefined {
  return 'id' in ref ? view.get('domain', ref.id) : view.by('domain', 'name', ref.name)[0];
}

export function userByRef(view: ReadView, ref: UserRef): User | undefined {
  if ('id' in ref) return view.get('user', ref.id);
  const domain = domainByRef(view, ref.domain);
  return domain ? view.by('user', 'name', nameKey(domain.id, ref.name))[0] : undefined;
}

export function projectByRef(view: ReadView, ref: ProjectRef): Project | undefined {
  if ('id' in ref) return view.get('project', ref.id);
  const domain = domainByRef(view, ref.domain);
  return domain ? view.by('project', 'name', nameKey(domain.id, ref.name))[0] : undefined;
}

/** The roles granted directly to the user on the scope, without implied ones. */
export function grantedRoles(view: ReadView, userId: string, scope: Scope): Role[] {
  return view
    .by('role_assignment', 'userScope', userScopeKey(userId, scope))
    .map((a) => view.get('role', a.role_id))
    .filter((r): r is Role => r !== undefined);
}

/** Granted roles plus the roles they imply (admin → member → reader), each once, by name order of grant. */
export function effectiveRoles(view: ReadView, userId: string, scope: Scope): Role[] {
  const granted = grantedRoles(view, userId, scope);
  const names = withImpliedRoles(granted.map((r) => r.name));
  const out: Role[] = [];
  for (const name of names) {
    const role = granted.find((r) => r.name === name) ?? view.by('role', 'name', name)[0];
    if (role && !out.some((r) => r.id === role.id)) out.push(role);
  }
  return out;
}

/** Projects on which the user holds any role. */
export function projectsOfUser(view: ReadView, userId: string): Project[] {
  const ids = new Set(view.by('role_assignment', 'user', userId).flatMap((a) => (a.project_id ? [a.project_id] : [])));
  return [...ids].map((id) => view.get('project', id)).filter((p): p is Project => p !== undefined);
}

/** Domains on which the user holds any role. */
export function domainsOfUser(view: ReadView, userId: string): Domain[] {
  const ids = new Set(view.by('role_assignment', 'user', userId).flatMap((a) => (a.domain_id ? [a.domain_id] : [])));
  return [...ids].map((id) => view.get('domain', id)).filter((d): d is Domain => d !== undefined);
}
