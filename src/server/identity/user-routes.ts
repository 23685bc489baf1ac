/**
 * `/v3/users`: list, show, create, update (including the password and enabled flag), delete,
 * and a user's own password change (`POST /v3/users/{id}/password`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import { DEFAULT_DOMAIN_ID, type User } from '../../model/identity.js';
import { nameKey } from '../../store/kinds.js';
import type { WriteTx } from '../../store/store.js';
import { getDomain, getProject, getUser, renderUser } from './entities.js';
import {
  type Fields,
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
  queryBool,
  queryValue,
  requiredString,
} from './http.js';
import { unauthorized } from './keystone-error.js';
import { hashPassword, verifyPassword } from './passwords.js';

type IdParams = { id: string };

function checkUniqueName(tx: WriteTx, domainId: string, name: string, self: string | null): void {
  if (tx.by('user', 'name', nameKey(domainId, name)).some((u) => u.id !== self)) {
    throw new QuarkError(
      'Conflict',
      `Conflict occurred attempting to store user - Duplicate entry found with name ${name} at domain ID ${domainId}.`,
    );
  }
}

/** The new password's hash, hashed before the transaction (scrypt is slow and asynchronous). */
async function passwordHash(fields: Fields): Promise<string | null | undefined> {
  const password = optionalNullableString(fields, 'password', 4096);
  if (password === undefined || password === null) return password;
  return hashPassword(password);
}

export function registerUserRoutes(app: FastifyInstance, deps: IdentityDeps, prefix: string): void {
  const base = (request: FastifyRequest) => apiBase(request, deps.config, prefix);

  app.get('/users', async (request) => {
    enforceIdentity('identity:list_users', callerOf(request));
    const q = request.query;
    const filters: [unknown, (u: User) => unknown][] = [
      [queryValue(q, 'name'), (u) => u.name],
      [queryValue(q, 'domain_id'), (u) => u.domain_id],
      [queryBool(q, 'enabled'), (u) => u.enabled],
    ];
    const users = deps.store.view.all('user').filter((u) => matches(u, filters));
    return listBody(
      'users',
      users.map((u) => renderUser(u, base(request))),
      `${base(request)}/users`,
    );
  });

  app.get<{ Params: IdParams }>('/users/:id', async (request) => {
    enforceIdentity('identity:get_user', callerOf(request), { projectId: '', userId: request.params.id });
    return { user: renderUser(getUser(deps.store.view, request.params.id), base(request)) };
  });

  app.post('/users', async (request, reply) => {
    const caller = callerOf(request);
    const fields = memberOf(request.body, 'user');
    const domainId = optionalString(fields, 'domain_id') ?? caller.projectDomainId ?? caller.domainId ?? DEFAULT_DOMAIN_ID;
    enforceIdentity('identity:create_user', caller, { projectId: '', domainId });
    const name = requiredString(fields, 'name');
    const defaultProject = optionalNullableString(fields, 'default_project_id') ?? null;
    const hash = (await passwordHash(fields)) ?? null;
    const user: User = {
      id: newIdentityId(deps.services),
      name,
      domain_id: domainId,
      enabled: optionalBool(fields, 'enabled') ?? true,
      password_hash: hash,
      token_epoch: 0,
      default_project_id: defaultProject,
      description: optionalString(fields, 'description', 65535) ?? '',
      email: optionalNullableString(fields, 'email') ?? null,
    };
    await deps.store.write((tx) => {
      getDomain(tx, domainId);
      if (defaultProject) getProject(tx, defaultProject);
      checkUniqueName(tx, domainId, name, null);
      tx.put('user', user);
    });
    reply.code(201);
    return { user: renderUser(user, base(request)) };
  });

  app.patch<{ Params: IdParams }>('/users/:id', async (request) => {
    enforceIdentity('identity:update_user', callerOf(request), { projectId: '', userId: request.params.id });
    const fields = memberOf(request.body, 'user');
    const name = optionalString(fields, 'name');
    if (name !== undefined && name.trim() === '') throw new QuarkError('ValidationError', "Invalid input for field 'name'.");
    const hash = await passwordHash(fields);
    const updated = await deps.store.write((tx) => {
      const user = getUser(tx, request.params.id);
      if (fields.domain_id !== undefined && fields.domain_id !== user.domain_id) {
        throw new QuarkError('ValidationError', 'Update of `domain_id` is not allowed.');
      }
      if (name !== undefined) checkUniqueName(tx, user.domain_id, name, user.id);
      const defaultProject = optionalNullableString(fields, 'default_project_id');
      if (defaultProject) getProject(tx, defaultProject);
      // A new password or disabling the user revokes every token issued so far.
      const enabled = optionalBool(fields, 'enabled');
      return tx.put('user', {
        ...user,
        name: name ?? user.name,
        enabled: enabled ?? user.enabled,
        password_hash: hash === undefined ? user.password_hash : hash,
        token_epoch: hash !== undefined || enabled === false ? user.token_epoch + 1 : user.token_epoch,
        default_project_id: defaultProject === undefined ? user.default_project_id : defaultProject,
        description: optionalString(fields, 'description', 65535) ?? user.description,
        email: optionalNullableString(fields, 'email') ?? user.email,
      });
    });
    return { user: renderUser(updated, base(request)) };
  });

  app.delete<{ Params: IdParams }>('/users/:id', async (request, reply) => {
    enforceIdentity('identity:delete_user', callerOf(request), { projectId: '', userId: request.params.id });
    await deps.store.write((tx) => {
      const user = getUser(tx, request.params.id);
      for (const a of tx.by('role_assignment', 'user', user.id)) tx.delete('role_assignment', a.id);
      tx.delete('user', user.id);
    });
    reply.code(204).send();
  });

  app.post<{ Params: IdParams }>('/users/:id/password', async (request, reply) => {
    enforceIdentity('identity:change_password', callerOf(request), { projectId: '', userId: request.params.id });
    const fields = memberOf(request.body, 'user');
    const original = requiredString(fields, 'original_password');
    const password = requiredString(fields, 'password');
    const user = getUser(deps.store.view, request.params.id);
    if (!(await verifyPassword(original, user.password_hash))) throw unauthorized();
    const hash = await hashPassword(password);
    await deps.store.write((tx) => {
      const current = getUser(tx, user.id);
      tx.put('user', { ...current, password_hash: hash, token_epoch: current.token_epoch + 1 });
    });
    reply.code(204).send();
  });
}
