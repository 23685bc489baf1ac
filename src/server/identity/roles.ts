/** `/v3/roles`: global roles only (Quark has no domain-specific roles); a delete takes the role's grants. */
import { Type } from '@sinclair/typebox';
import { QuarkError } from '../../model/errors.js';
import { Name, Text } from './body.js';
import { deleteRole } from './cascades.js';
import type { IdentityCollection } from './collection.js';
import { renderRole, roleNotFound } from './entities.js';

const RoleCreate = Type.Object({
  name: Name,
  description: Type.Optional(Text()),
  domain_id: Type.Optional(Type.Unknown()),
});

const RoleUpdate = Type.Object({ name: Type.Optional(Text()), description: Type.Optional(Text()) });

export const roles: IdentityCollection<'role', typeof RoleCreate, typeof RoleUpdate> = {
  kind: 'role',
  collection: 'roles',
  createSchema: RoleCreate,
  updateSchema: RoleUpdate,
  // Global roles only: a filter on a domain's roles finds none.
  filters: { name: { value: (r) => r.name }, domain_id: { value: () => '' } },
  notFound: roleNotFound,
  render: renderRole,
  target: () => ({ projectId: '' }),
  uniqueName: {
    index: 'name',
    key: (r) => r.name,
    conflict: (r) => `Conflict occurred attempting to store role - Duplicate entry found with name ${r.name}.`,
  },
  create: (_tx, v, made) => {
    if (v.domain_id !== undefined && v.domain_id !== null) {
      throw new QuarkError('ValidationError', 'Domain-specific roles are not supported.');
    }
    return { id: made.id, name: v.name, description: v.description ?? '' };
  },
  update: (_tx, r, v) => ({ ...r, name: v.name ?? r.name, description: v.description ?? r.description }),
  delete: deleteRole,
};
