/**
 * `/v3/projects`: top-level projects of a domain (Keystone's project tree is one level deep
 * here), and `/v3/users/{id}/projects`, the projects a user holds a role on.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import { DEFAULT_DOMAIN_ID } from '../../model/identity.js';
import { nameKey } from '../../store/kinds.js';
import type { Caller } from '../caller.js';
import { Name, Nullable, Tags, Text } from './body.js';
import { deleteProject } from './cascades.js';
import type { IdentityCollection } from './collection.js';
import { projectsOfUser } from './directory.js';
import { getDomain, getUser, projectNotFound, renderProject } from './entities.js';
import { type IdentityDeps, apiBase, callerOf, enforceIdentity, listBody } from './http.js';

const ProjectCreate = Type.Object({
  name: Name,
  domain_id: Type.Optional(Nullable(Text())),
  parent_id: Type.Optional(Nullable(Text())),
  is_domain: Type.Optional(Type.Boolean()),
  description: Type.Optional(Text(65535)),
  enabled: Type.Optional(Type.Boolean()),
  tags: Type.Optional(Tags),
});

const ProjectUpdate = Type.Object({
  name: Type.Optional(Name),
  domain_id: Type.Optional(Type.Unknown()),
  description: Type.Optional(Text(65535)),
  enabled: Type.Optional(Type.Boolean()),
  tags: Type.Optional(Tags),
});

/** A new project's domain: the one asked for, else the caller's own, else Default. */
function domainFor(v: Static<typeof ProjectCreate>, caller: Caller): string {
  const domainId = v.domain_id ?? caller.projectDomainId ?? caller.domainId ?? DEFAULT_DOMAIN_ID;
  if (v.parent_id && v.parent_id !== domainId) {
    throw new QuarkError('ValidationError', 'Nested projects are not supported: parent_id must be the domain.');
  }
  if (v.is_domain === true) throw new QuarkError('ValidationError', 'Projects acting as domains are not supported.');
  return domainId;
}

const uniqueTags = (tags: readonly string[]) => [...new Set(tags)];

export const projects: IdentityCollection<'project', typeof ProjectCreate, typeof ProjectUpdate> = {
  kind: 'project',
  collection: 'projects',
  createSchema: ProjectCreate,
  updateSchema: ProjectUpdate,
  filters: {
    name: { value: (p) => p.name },
    domain_id: { value: (p) => p.domain_id },
    parent_id: { value: (p) => p.domain_id },
    enabled: { value: (p) => p.enabled, boolean: true },
  },
  notFound: projectNotFound,
  render: renderProject,
  target: (id) => ({ projectId: id }),
  createTarget: (v, caller) => ({ projectId: '', domainId: domainFor(v, caller) }),
  uniqueName: {
    index: 'name',
    key: (p) => nameKey(p.domain_id, p.name),
    conflict: (p) =>
      `Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${p.name}.`,
  },
  create: (tx, v, made) => ({
    id: made.id,
    name: v.name,
    domain_id: getDomain(tx, domainFor(v, made.caller)).id,
    description: v.description ?? '',
    enabled: v.enabled ?? true,
    tags: uniqueTags(v.tags ?? []),
  }),
  update: (_tx, p, v) => {
    if (v.domain_id !== undefined && v.domain_id !== p.domain_id) {
      throw new QuarkError('ValidationError', 'Update of `domain_id` is not allowed.');
    }
    return {
      ...p,
      name: v.name ?? p.name,
      description: v.description ?? p.description,
      enabled: v.enabled ?? p.enabled,
      tags: v.tags ? uniqueTags(v.tags) : p.tags,
    };
  },
  delete: deleteProject,
};

export function registerUserProjectsRoute(app: FastifyInstance, deps: IdentityDeps, prefix: string): void {
  app.get<{ Params: { id: string } }>('/users/:id/projects', async (request) => {
    enforceIdentity('identity:list_user_projects', callerOf(request), { projectId: '', userId: request.params.id });
    const view = deps.store.view;
    getUser(view, request.params.id);
    const base = apiBase(request, deps.config, prefix);
    return listBody(
      'projects',
      projectsOfUser(view, request.params.id).map((p) => renderProject(p, base)),
      `${base}/users/${request.params.id}/projects`,
    );
  });
}
