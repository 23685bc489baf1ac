/** `/v3/domains`: list, show, create, update, and delete (of a disabled domain, with its projects and users). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import { DEFAULT_DOMAIN_ID, type Domain } from '../../model/identity.js';
import type { WriteTx } from '../../store/store.js';
import { getDomain, renderDomain } from './entities.js';
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
  optionalString,
  queryBool,
  queryValue,
  requiredString,
} from './http.js';

type IdParams = { id: string };

function checkUniqueName(tx: WriteTx, name: string, self: string | null): void {
  if (tx.by('domain', 'name', name).some((d) => d.id !== self)) {
    throw new QuarkError('Conflict', `Conflict occurred attempting to store domain - Duplicate entry found with name ${name}.`);
  }
}

export function registerDomainRoutes(app: FastifyInstance, deps: IdentityDeps, prefix: string): void {
  const base = (request: FastifyRequest) => apiBase(request, deps.config, prefix);

  app.get('/domains', async (request) => {
    enforceIdentity('identity:list_domains', callerOf(request));
    const filters: [unknown, (d: Domain) => unknown][] = [
      [queryValue(request.query, 'name'), (d) => d.name],
      [queryBool(request.query, 'enabled'), (d) => d.enabled],
    ];
    const domains = deps.store.view.all('domain').filter((d) => matches(d, filters));
    return listBody(
      'domains',
      domains.map((d) => renderDomain(d, base(request))),
      `${base(request)}/domains`,
    );
  });

  app.get<{ Params: IdParams }>('/domains/:id', async (request) => {
    enforceIdentity('identity:get_domain', callerOf(request), { projectId: '', domainId: request.params.id });
    return { domain: renderDomain(getDomain(deps.store.view, request.params.id), base(request)) };
  });

  app.post('/domains', async (request, reply) => {
    enforceIdentity('identity:create_domain', callerOf(request));
    const fields = memberOf(request.body, 'domain');
    const domain: Domain = {
      id: optionalString(fields, 'explicit_domain_id', 64) ?? newIdentityId(deps.services),
      name: requiredString(fields, 'name'),
      description: optionalString(fields, 'description', 65535) ?? '',
      enabled: optionalBool(fields, 'enabled') ?? true,
    };
    await deps.store.write((tx) => {
      checkUniqueName(tx, domain.name, null);
      if (tx.get('domain', domain.id))
        throw new QuarkError('Conflict', `Conflict occurred attempting to store domain - Duplicate ID, ${domain.id}.`);
      tx.put('domain', domain);
    });
    reply.code(201);
    return { domain: renderDomain(domain, base(request)) };
  });

  app.patch<{ Params: IdParams }>('/domains/:id', async (request) => {
    enforceIdentity('identity:update_domain', callerOf(request), { projectId: '', domainId: request.params.id });
    const fields = memberOf(request.body, 'domain');
    const name = optionalString(fields, 'name');
    const updated = await deps.store.write((tx) => {
      const domain = getDomain(tx, request.params.id);
      if (name !== undefined) checkUniqueName(tx, name, domain.id);
      return tx.put('domain', {
        ...domain,
        name: name ?? domain.name,
        description: optionalString(fields, 'description', 65535) ?? domain.description,
        enabled: optionalBool(fields, 'enabled') ?? domain.enabled,
      });
    });
    return { domain: renderDomain(updated, base(request)) };
  });

  app.delete<{ Params: IdParams }>('/domains/:id', async (request, reply) => {
    enforceIdentity('identity:delete_domain', callerOf(request), { projectId: '', domainId: request.params.id });
    await deps.store.write((tx) => {
      const domain = getDomain(tx, request.params.id);
      if (domain.id === DEFAULT_DOMAIN_ID) throw new QuarkError('ForbiddenAction', 'The default domain cannot be deleted.');
      if (domain.enabled) {
        throw new QuarkError('ForbiddenAction', 'Cannot delete a domain that is enabled, please disable it first.');
      }
      for (const a of tx.by('role_assignment', 'scope', `domain ${domain.id}`)) tx.delete('role_assignment', a.id);
      for (const p of tx.by('project', 'domain', domain.id)) {
        for (const a of tx.by('role_assignment', 'scope', `project ${p.id}`)) tx.delete('role_assignment', a.id);
        tx.delete('project', p.id);
      }
      for (const u of tx.by('user', 'domain', domain.id)) {
        for (const a of tx.by('role_assignment', 'user', u.id)) tx.delete('role_assignment', a.id);
        tx.delete('user', u.id);
      }
      tx.delete('domain', domain.id);
    });
    reply.code(204).send();
  });
}
