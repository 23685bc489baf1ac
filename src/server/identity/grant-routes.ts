/**
 * Role assignments: grant, check and revoke a role of a user on a project or domain
 * (`/v3/{projects|domains}/{id}/users/{user}/roles/{role}`), list a user's roles there, and
 * `GET /v3/role_assignments` with Keystone's filters.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import { type RoleAssignment, assignmentId, withImpliedRoles } from '../../model/identity.js';
import { scopeKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import { type Scope, domainScope, grantedRoles, projectScope } from './directory.js';
import { getDomain, getProject, getRole, getUser, renderRole } from './entities.js';
import { type IdentityDeps, apiBase, callerOf, enforceIdentity, listBody, queryValue } from './http.js';

type GrantParams = { scope: string; user: string; role: string };
type ListParams = { scope: string; user: string };

const SCOPES = [
  { path: 'projects', of: projectScope, check: getProject },
  { path: 'domains', of: domainScope, check: getDomain },
] as const;

const notAssigned = (roleId: string) =>
  new QuarkError('RoleAssignmentNotFound', `Could not find role assignment with role: ${roleId}.`);

function assignmentPath(a: { project_id: string | null; domain_id: string | null; user_id: string; role_id: string }) {
  return a.project_id !== null
    ? `/projects/${a.project_id}/users/${a.user_id}/roles/${a.role_id}`
    : `/domains/${a.domain_id}/users/${a.user_id}/roles/${a.role_id}`;
}

function renderAssignment(view: ReadView, a: RoleAssignment, roleId: string, base: string, names: boolean) {
  const role = view.get('role', roleId);
  const user = view.get('user', a.user_id);
  const named = (id: string, name: string | undefined, domainId?: string) => ({
    id,
    ...(names && name !== undefined ? { name } : {}),
    ...(names && domainId ? { domain: { id: domainId, name: view.get('domain', domainId)?.name } } : {}),
  });
  const scope =
    a.project_id !== null
      ? { project: named(a.project_id, view.get('project', a.project_id)?.name, view.get('project', a.project_id)?.domain_id) }
      : { domain: named(a.domain_id!, view.get('domain', a.domain_id!)?.name) };
  return {
    role: named(roleId, role?.name),
    user: named(a.user_id, user?.name, user?.domain_id),
    scope,
    links: { assignment: `${base}${assignmentPath(a)}` },
  };
}

export function registerGrantRoutes(app: FastifyInstance, deps: IdentityDeps, prefix: string): void {
  const base = (request: FastifyRequest) => apiBase(request, deps.config, prefix);

  for (const s of SCOPES) {
    const member = `/${s.path}/:scope/users/:user/roles/:role`;
    const resolve = (view: ReadView, p: GrantParams): Scope => {
      s.check(view, p.scope);
      getUser(view, p.user);
      getRole(view, p.role);
      return s.of(p.scope);
    };

    app.put<{ Params: GrantParams }>(member, async (request, reply) => {
      enforceIdentity('identity:create_grant', callerOf(request));
      await deps.store.write((tx) => {
        const scope = resolve(tx, request.params);
        const id = assignmentId(scope, request.params.user, request.params.role);
        if (!tx.get('role_assignment', id)) {
          tx.put('role_assignment', { id, user_id: request.params.user, role_id: request.params.role, ...scope });
        }
      });
      reply.code(204).send();
    });

    // GET answers like HEAD (Keystone's check_grant); Fastify derives HEAD from it.
    app.get<{ Params: GrantParams }>(member, async (request, reply) => {
      enforceIdentity('identity:check_grant', callerOf(request));
      const view = deps.store.view;
      const scope = resolve(view, request.params);
      if (!view.get('role_assignment', assignmentId(scope, request.params.user, request.params.role))) {
        throw notAssigned(request.params.role);
      }
      reply.code(204).send();
    });

    app.delete<{ Params: GrantParams }>(member, async (request, reply) => {
      enforceIdentity('identity:revoke_grant', callerOf(request));
      await deps.store.write((tx) => {
        const id = assignmentId(resolve(tx, request.params), request.params.user, request.params.role);
        if (!tx.get('role_assignment', id)) throw notAssigned(request.params.role);
        tx.delete('role_assignment', id);
      });
      reply.code(204).send();
    });

    app.get<{ Params: ListParams }>(`/${s.path}/:scope/users/:user/roles`, async (request) => {
      enforceIdentity('identity:list_grants', callerOf(request));
      const view = deps.store.view;
      s.check(view, request.params.scope);
      getUser(view, request.params.user);
      const roles = grantedRoles(view, request.params.user, s.of(request.params.scope));
      return listBody(
        'roles',
        roles.map((r) => renderRole(r, base(request))),
        `${base(request)}/${s.path}/${request.params.scope}/users/${request.params.user}/roles`,
      );
    });
  }

  app.get('/role_assignments', async (request) => {
    enforceIdentity('identity:list_role_assignments', callerOf(request));
    const q = request.query;
    const view = deps.store.view;
    const userId = queryValue(q, 'user.id');
    const roleId = queryValue(q, 'role.id');
    const projectId = queryValue(q, 'scope.project.id');
    const domainId = queryValue(q, 'scope.domain.id');
    const effective = queryValue(q, 'effective') !== undefined;
    const names = queryValue(q, 'include_names') !== undefined && queryValue(q, 'include_names') !== 'false';
    // Groups, inheritance and system scope do not exist here: those filters match nothing.
    if (queryValue(q, 'group.id') || queryValue(q, 'scope.system') || queryValue(q, 'scope.OS-INHERIT:inherited_to')) {
      return listBody('role_assignments', [], `${base(request)}/role_assignments`);
    }
    const out: ReturnType<typeof renderAssignment>[] = [];
    const seen = new Set<string>();
    for (const a of userId ? view.by('role_assignment', 'user', userId) : view.all('role_assignment')) {
      if (projectId !== undefined && a.project_id !== projectId) continue;
      if (domainId !== undefined && a.domain_id !== domainId) continue;
      const name = view.get('role', a.role_id)?.name;
      // In effective mode a grant also stands for the roles it implies (admin → member → reader).
      const roleIds =
        effective && name
          ? withImpliedRoles([name])
              .map((n) => view.by('role', 'name', n)[0]?.id)
              .filter((id): id is string => id !== undefined)
          : [a.role_id];
      for (const id of roleIds) {
        if (roleId !== undefined && id !== roleId) continue;
        const key = `${scopeKey(a)} ${a.user_id} ${id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(renderAssignment(view, a, id, base(request), names));
      }
    }
    return listBody('role_assignments', out, `${base(request)}/role_assignments`);
  });
}
