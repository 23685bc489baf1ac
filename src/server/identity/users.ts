/**
 * `/v3/users` (a new password or disabling a user revokes every token issued so far, as
 * Keystone does), and a user's own password change, `POST /v3/users/{id}/password`.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import { DEFAULT_DOMAIN_ID, type User } from '../../model/identity.js';
import { nameKey } from '../../store/kinds.js';
import type { Caller } from '../caller.js';
import { Name, Nullable, Text, parseMember } from './body.js';
import { deleteUser } from './cascades.js';
import type { IdentityCollection } from './collection.js';
import { getDomain, getProject, getUser, renderUser, userNotFound } from './entities.js';
import { type IdentityDeps, callerOf, enforceIdentity } from './http.js';
import { unauthorized } from './keystone-error.js';
import { hashPassword, verifyPassword } from './passwords.js';

const Password = Type.Optional(Nullable(Text(4096)));

const UserCreate = Type.Object({
  name: Name,
  domain_id: Type.Optional(Text()),
  password: Password,
  enabled: Type.Optional(Type.Boolean()),
  default_project_id: Type.Optional(Nullable(Text())),
  description: Type.Optional(Text(65535)),
  email: Type.Optional(Nullable(Text())),
});

const UserUpdate = Type.Object({
  name: Type.Optional(Name),
  domain_id: Type.Optional(Type.Unknown()),
  password: Password,
  enabled: Type.Optional(Type.Boolean()),
  default_project_id: Type.Optional(Nullable(Text())),
  description: Type.Optional(Text(65535)),
  email: Type.Optional(Nullable(Text())),
});

const PasswordChange = Type.Object({ original_password: Name, password: Name });

function domainFor(v: Static<typeof UserCreate>, caller: Caller): string {
  return v.domain_id ?? caller.projectDomainId ?? caller.domainId ?? DEFAULT_DOMAIN_ID;
}

export const users: IdentityCollection<'user', typeof UserCreate, typeof UserUpdate> = {
  kind: 'user',
  collection: 'users',
  createSchema: UserCreate,
  updateSchema: UserUpdate,
  filters: {
    name: { value: (u) => u.name },
    domain_id: { value: (u) => u.domain_id },
    enabled: { value: (u) => u.enabled, boolean: true },
  },
  notFound: userNotFound,
  render: renderUser,
  target: (id) => ({ projectId: '', userId: id }),
  createTarget: (v, caller) => ({ projectId: '', domainId: domainFor(v, caller) }),
  uniqueName: {
    index: 'name',
    key: (u) => nameKey(u.domain_id, u.name),
    conflict: (u) =>
      `Conflict occurred attempting to store user - Duplicate entry found with name ${u.name} at domain ID ${u.domain_id}.`,
  },
  // The new password's hash, before the transaction: scrypt is slow and asynchronous.
  prepare: async (v) => {
    if (v.password === undefined) return {};
    return { password_hash: v.password === null ? null : await hashPassword(v.password) };
  },
  create: (tx, v, made): User => {
    const defaultProject = v.default_project_id ?? null;
    if (defaultProject) getProject(tx, defaultProject);
    return {
      id: made.id,
      name: v.name,
      domain_id: getDomain(tx, domainFor(v, made.caller)).id,
      enabled: v.enabled ?? true,
      password_hash: made.prepared.password_hash ?? null,
      token_epoch: 0,
      default_project_id: defaultProject,
      description: v.description ?? '',
      email: v.email ?? null,
    };
  },
  update: (tx, u, v, prepared) => {
    if (v.domain_id !== undefined && v.domain_id !== u.domain_id) {
      throw new QuarkError('ValidationError', 'Update of `domain_id` is not allowed.');
    }
    if (v.default_project_id) getProject(tx, v.default_project_id);
    const hash = prepared.password_hash;
    const newPassword = hash !== undefined;
    return {
      ...u,
      name: v.name ?? u.name,
      enabled: v.enabled ?? u.enabled,
      password_hash: hash === undefined ? u.password_hash : hash,
      // A new password or disabling the user revokes every token issued so far.
      token_epoch: newPassword || v.enabled === false ? u.token_epoch + 1 : u.token_epoch,
      default_project_id: v.default_project_id === undefined ? u.default_project_id : v.default_project_id,
      description: v.description ?? u.description,
      email: v.email ?? u.email,
    };
  },
  delete: deleteUser,
};

export function registerPasswordChangeRoute(app: FastifyInstance, deps: IdentityDeps): void {
  app.post<{ Params: { id: string } }>('/users/:id/password', async (request, reply) => {
    enforceIdentity('identity:change_password', callerOf(request), { projectId: '', userId: request.params.id });
    const v = parseMember(request.body, 'user', PasswordChange);
    const user = getUser(deps.store.view, request.params.id);
    if (!(await verifyPassword(v.original_password, user.password_hash))) throw unauthorized();
    const hash = await hashPassword(v.password);
    await deps.store.write((tx) => {
      const current = getUser(tx, user.id);
      tx.put('user', { ...current, password_hash: hash, token_epoch: current.token_epoch + 1 });
    });
    reply.code(204).send();
  });
}
