/** `/v3/domains`: a domain holds projects and users; only a disabled one, never Default, may be deleted. */
import { type Static, Type } from '@sinclair/typebox';
import { QuarkError } from '../../model/errors.js';
import { DEFAULT_DOMAIN_ID, type Domain } from '../../model/identity.js';
import { Name, Text } from './body.js';
import { deleteDomain } from './cascades.js';
import type { IdentityCollection } from './collection.js';
import { domainNotFound, renderDomain } from './entities.js';

const DomainCreate = Type.Object({
  name: Name,
  explicit_domain_id: Type.Optional(Text(64)),
  description: Type.Optional(Text(65535)),
  enabled: Type.Optional(Type.Boolean()),
});

const DomainUpdate = Type.Object({
  name: Type.Optional(Text()),
  description: Type.Optional(Text(65535)),
  enabled: Type.Optional(Type.Boolean()),
});

export const domains: IdentityCollection<'domain', typeof DomainCreate, typeof DomainUpdate> = {
  kind: 'domain',
  collection: 'domains',
  createSchema: DomainCreate,
  updateSchema: DomainUpdate,
  filters: { name: { value: (d) => d.name }, enabled: { value: (d) => d.enabled, boolean: true } },
  notFound: domainNotFound,
  render: renderDomain,
  target: (id) => ({ projectId: '', domainId: id }),
  uniqueName: {
    index: 'name',
    key: (d) => d.name,
    conflict: (d) => `Conflict occurred attempting to store domain - Duplicate entry found with name ${d.name}.`,
  },
  create: (_tx, v: Static<typeof DomainCreate>, made): Domain => ({
    id: v.explicit_domain_id ?? made.id,
    name: v.name,
    description: v.description ?? '',
    enabled: v.enabled ?? true,
  }),
  update: (_tx, d, v) => ({
    ...d,
    name: v.name ?? d.name,
    description: v.description ?? d.description,
    enabled: v.enabled ?? d.enabled,
  }),
  checkDelete: (d) => {
    if (d.id === DEFAULT_DOMAIN_ID) throw new QuarkError('ForbiddenAction', 'The default domain cannot be deleted.');
    if (d.enabled) throw new QuarkError('ForbiddenAction', 'Cannot delete a domain that is enabled, please disable it first.');
  },
  delete: deleteDomain,
};
