/** `/v3/projects`: list, show, create, update, delete, and `/v3/users/{id}/projects`. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import { DEFAULT_DOMAIN_ID, type Project } from '../../model/identity.js';
import { nameKey } from '../../store/kinds.js';
import type { WriteTx } from '../../store/store.js';
import type { Caller } from '../caller.js';
import { projectsOfUser } from './directory.js';
import { getDomain, getProject, getUser, renderProject } from './entities.js';
import {
  type IdentityDeps,
  apiBase,
  callerOf,
  enforceIdentity,
  listBody,
  matches,
  memberOf,
  newIdentityId,
  optionalBool,
  optionalNullableString,
  optionalString,
  optionalTags,
  queryBool,
  queryValue,
  requiredString,
} from './http.js';

type IdParams = { id: string };

function checkUniqueName(tx: WriteTx, domainId: string, name: string, self: string | null): void {
  const clash = tx.by('project', 'name', nameKey(domainId, name)).find((p) => p.id !== self);
  if (clash) {
    throw new QuarkError(
      'Conflict',
      `Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${name}.`,
    );
  }
}

/** A new project's domain: the one asked for, else the caller's own, else Default. */
function domainFor(fields: Record<string, unknown>, caller: Caller): string {
  const parent = optionalNullableString(fields, 'parent_id');
  const domainId = optionalNullableString(fields, 'domain_id') ?? caller.projectDomainId ?? caller.domainId ?? DEFAULT_DOMAIN_ID;
  if (parent && parent !== domainId) {
    throw new QuarkError('ValidationError', 'Nested projects are not supported: parent_id must be the domain.');
  }
  if (fields.is_domain === true) throw new QuarkError('ValidationError', 'Projects acting as domains are not supported.');
  return domainId;
}

export function registerProjectRoutes(app: FastifyInstance, deps: IdentityDeps, prefix: string): void {
  const base = (request: FastifyRequest) => apiBase(request, deps.config, prefix);

  app.get('/projects', async (request) => {
    enforceIdentity('identity:list_projects', callerOf(request));
    const q = request.query;
    const filters: [unknown, (p: Project) => unknown][] = [
      [queryValue(q, 'name'), (p) => p.name],
      [queryValue(q, 'domain_id'), (p) => p.domain_id],
      [queryValue(q, 'parent_id'), (p) => p.domain_id],
      [queryBool(q, 'enabled'), (p) => p.enabled],
    ];
    const projects = deps.store.view.all('project').filter((p) => matches(p, filters));
    return listBody(
      'projects',
      projects.map((p) => renderProject(p, base(request))),
      `${base(request)}/projects`,
    );
  });

  app.get<{ Params: IdParams }>('/projects/:id', async (request) => {
    enforceIdentity('identity:get_project', callerOf(request), { projectId: request.params.id });
    return { project: renderProject(getProject(deps.store.view, request.params.id), base(request)) };
  });

  app.post('/projects', async (request, reply) => {
    const caller = callerOf(request);
    const fields = memberOf(request.body, 'project');
    const domainId = domainFor(fields, caller);
    enforceIdentity('identity:create_project', caller, { projectId: '', domainId });
    const name = requiredString(fields, 'name');
    const project: Project = {
      id: newIdentityId(deps.services),
      name,
      domain_id: domainId,
      description: optionalString(fields, 'description', 65535) ?? '',
      enabled: optionalBool(fields, 'enabled') ?? true,
      tags: optionalTags(fields) ?? [],
    };
    await deps.store.write((tx) => {
      getDomain(tx, domainId);
      checkUniqueName(tx, domainId, name, null);
      tx.put('project', project);
    });
    reply.code(201);
    return { project: renderProject(project, base(request)) };
  });

  app.patch<{ Params: IdParams }>('/projects/:id', async (request) => {
    enforceIdentity('identity:update_project', callerOf(request), { projectId: request.params.id });
    const fields = memberOf(request.body, 'project');
    const name = optionalString(fields, 'name');
    if (name !== undefined && name.trim() === '') throw new QuarkError('ValidationError', "Invalid input for field 'name'.");
    const updated = await deps.store.write((tx) => {
      const project = getProject(tx, request.params.id);
      if (fields.domain_id !== undefined && fields.domain_id !== project.domain_id) {
        throw new QuarkError('ValidationError', 'Update of `domain_id` is not allowed.');
      }
      if (name !== undefined) checkUniqueName(tx, project.domain_id, name, project.id);
      return tx.put('project', {
        ...project,
        name: name ?? project.name,
        description: optionalString(fields, 'description', 65535) ?? project.description,
        enabled: optionalBool(fields, 'enabled') ?? project.enabled,
        tags: optionalTags(fields) ?? project.tags,
      });
    });
    return { project: renderProject(updated, base(request)) };
  });

  app.delete<{ Params: IdParams }>('/projects/:id', async (request, reply) => {
    enforceIdentity('identity:delete_project', callerOf(request), { projectId: request.params.id });
    await deps.store.write((tx) => {
      const project = getProject(tx, request.params.id);
      for (const a of tx.by('role_assignment', 'scope', `project ${project.id}`)) tx.delete('role_assignment', a.id);
      for (const u of tx.all('user')) {
        if (u.default_project_id === project.id) tx.put('user', { ...u, default_project_id: null });
      }
      tx.delete('project', project.id);
    });
    reply.code(204).send();
  });

  app.get<{ Params: IdParams }>('/users/:id/projects', async (request) => {
    enforceIdentity('identity:list_user_projects', callerOf(request), { projectId: '', userId: request.params.id });
    const view = deps.store.view;
    getUser(view, request.params.id);
    return listBody(
      'projects',
      projectsOfUser(view, request.params.id).map((p) => renderProject(p, base(request))),
      `${base(request)}/users/${request.params.id}/projects`,
    );
  });
}
