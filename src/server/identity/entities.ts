/**
 * Identity records as the API shows them (Keystone's attributes, `links.self`), and the 404s
 * with Keystone's wording ("Could not find project: …").
 */
import { QuarkError } from '../../model/errors.js';
import type { Domain, Project, Role, User } from '../../model/identity.js';
import type { ReadView } from '../../store/view.js';

export const domainNotFound = (id: string) => new QuarkError('DomainNotFound', `Could not find domain: ${id}.`);
export const projectNotFound = (id: string) => new QuarkError('ProjectNotFound', `Could not find project: ${id}.`);
export const userNotFound = (id: string) => new QuarkError('UserNotFound', `Could not find user: ${id}.`);
export const roleNotFound = (id: string) => new QuarkError('RoleNotFound', `Could not find role: ${id}.`);

export function getDomain(view: ReadView, id: string): Domain {
  const d = view.get('domain', id);
  if (!d) throw domainNotFound(id);
  return d;
}

export function getProject(view: ReadView, id: string): Project {
  const p = view.get('project', id);
  if (!p) throw projectNotFound(id);
  return p;
}

export function getUser(view: ReadView, id: string): User {
  const u = view.get('user', id);
  if (!u) throw userNotFound(id);
  return u;
}

export function getRole(view: ReadView, id: string): Role {
  const r = view.get('role', id);
  if (!r) throw roleNotFound(id);
  return r;
}

export function renderDomain(d: Domain, base: string) {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    enabled: d.enabled,
    tags: [],
    options: {},
    links: { self: `${base}/domains/${d.id}` },
  };
}

export function renderProject(p: Project, base: string) {
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domain_id,
    description: p.description,
    enabled: p.enabled,
    is_domain: false,
    // Keystone's projects are a tree whose top-level projects hang off their domain.
    parent_id: p.domain_id,
    tags: p.tags,
    options: {},
    links: { self: `${base}/projects/${p.id}` },
  };
}

export function renderUser(u: User, base: string) {
  return {
    id: u.id,
    name: u.name,
    domain_id: u.domain_id,
    enabled: u.enabled,
    password_expires_at: null,
    options: {},
    ...(u.default_project_id ? { default_project_id: u.default_project_id } : {}),
    ...(u.description ? { description: u.description } : {}),
    ...(u.email ? { email: u.email } : {}),
    links: { self: `${base}/users/${u.id}` },
  };
}

export function renderRole(r: Role, base: string) {
  return {
    id: r.id,
    name: r.name,
    domain_id: null,
    description: r.description || null,
    options: {},
    links: { self: `${base}/roles/${r.id}` },
  };
}
