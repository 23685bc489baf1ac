/** `/v3/roles`: list, show, create, update, delete (with every grant of the role). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import type { Role } from '../../model/identity.js';
import type { WriteTx } from '../../store/store.js';
import { getRole, renderRole } from './entities.js';
import {
  type IdentityDeps,
  apiBase,
  callerOf,
  enforceIdentity,
  listBody,
  matches,
  memberOf,
  newIdentityId,
  optionalString,
  queryValue,
  requiredString,
} from './http.js';

type IdParams = { id: string };

function checkUniqueName(tx: WriteTx, name: string, self: string | null): void {
  if (tx.by('role', 'name', name).some((r) => r.id !== self)) {
    throw new QuarkError('Conflict', `Conflict occurred attempting to store role - Duplicate entry found with name ${name}.`);
  }
}

export function registerRoleRoutes(app: FastifyInstance, deps: IdentityDeps, prefix: string): void {
  const base = (request: FastifyRequest) => apiBase(request, deps.config, prefix);

  app.get('/roles', async (request) => {
    enforceIdentity('identity:list_roles', callerOf(request));
    const filters: [unknown, (r: Role) => unknown][] = [[queryValue(request.query, 'name'), (r) => r.name]];
    // Quark has global roles only: a filter on a domain's roles finds none.
    const roles = queryValue(request.query, 'domain_id') ? [] : deps.store.view.all('role').filter((r) => matches(r, filters));
    return listBody(
      'roles',
      roles.map((r) => renderRole(r, base(request))),
      `${base(request)}/roles`,
    );
  });

  app.get<{ Params: IdParams }>('/roles/:id', async (request) => {
    enforceIdentity('identity:get_role', callerOf(request));
    return { role: renderRole(getRole(deps.store.view, request.params.id), base(request)) };
  });

  app.post('/roles', async (request, reply) => {
    enforceIdentity('identity:create_role', callerOf(request));
    const fields = memberOf(request.body, 'role');
    if (fields.domain_id !== undefined && fields.domain_id !== null) {
      throw new QuarkError('ValidationError', 'Domain-specific roles are not supported.');
    }
    const role: Role = {
      id: newIdentityId(deps.services),
      name: requiredString(fields, 'name'),
      description: optionalString(fields, 'description', 255) ?? '',
    };
    await deps.store.write((tx) => {
      checkUniqueName(tx, role.name, null);
      tx.put('role', role);
    });
    reply.code(201);
    return { role: renderRole(role, base(request)) };
  });

  app.patch<{ Params: IdParams }>('/roles/:id', async (request) => {
    enforceIdentity('identity:update_role', callerOf(request));
    const fields = memberOf(request.body, 'role');
    const name = optionalString(fields, 'name');
    const updated = await deps.store.write((tx) => {
      const role = getRole(tx, request.params.id);
      if (name !== undefined) checkUniqueName(tx, name, role.id);
      return tx.put('role', {
        ...role,
        name: name ?? role.name,
        description: optionalString(fields, 'description') ?? role.description,
      });
    });
    return { role: renderRole(updated, base(request)) };
  });

  app.delete<{ Params: IdParams }>('/roles/:id', async (request, reply) => {
    enforceIdentity('identity:delete_role', callerOf(request));
    await deps.store.write((tx) => {
      const role = getRole(tx, request.params.id);
      for (const a of tx.by('role_assignment', 'role', role.id)) tx.delete('role_assignment', a.id);
      tx.delete('role', role.id);
    });
    reply.code(204).send();
  });
}
