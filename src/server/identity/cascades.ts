/**
 * What goes with an identity record when it is deleted, in one place, as Keystone 22 does it
 * (measured on python3-keystone 22.0.2, docs/identity.md): a role takes its grants with it; a
 * user its grants; a project the grants on it and every user's `default_project_id` that names
 * it; a domain the grants on it, then its users and its projects, each with its own cascade, so
 * a user of another domain whose default project was in the domain loses that default too.
 * Each function runs inside the caller's transaction; the checks that may refuse a delete (an
 * enabled domain) are the collection's, before these run.
 */
import type { Domain, Project, Role, User } from '../../model/identity.js';
import { domainScopeKey, projectScopeKey } from '../../store/kinds.js';
import type { WriteTx } from '../../store/store.js';

export function deleteRole(tx: WriteTx, role: Role): void {
  for (const a of tx.by('role_assignment', 'role', role.id)) tx.delete('role_assignment', a.id);
  tx.delete('role', role.id);
}

export function deleteUser(tx: WriteTx, user: User): void {
  for (const a of tx.by('role_assignment', 'user', user.id)) tx.delete('role_assignment', a.id);
  tx.delete('user', user.id);
}

export function deleteProject(tx: WriteTx, project: Project): void {
  for (const a of tx.by('role_assignment', 'scope', projectScopeKey(project.id))) tx.delete('role_assignment', a.id);
  for (const u of tx.by('user', 'defaultProject', project.id)) tx.put('user', { ...u, default_project_id: null });
  tx.delete('project', project.id);
}

export function deleteDomain(tx: WriteTx, domain: Domain): void {
  for (const a of tx.by('role_assignment', 'scope', domainScopeKey(domain.id))) tx.delete('role_assignment', a.id);
  for (const u of tx.by('user', 'domain', domain.id)) deleteUser(tx, u);
  for (const p of tx.by('project', 'domain', domain.id)) deleteProject(tx, p);
  tx.delete('domain', domain.id);
}
