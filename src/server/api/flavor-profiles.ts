/**
 * The `flavors` sub-resource binding profiles to a flavor: `POST /v2.0/flavors/{id}/service_profiles`
 * with `{"service_profile": {"id": …}}`, and `GET`/`DELETE …/service_profiles/{profile id}`, as
 * neutron/db/flavors_db.py (create_/get_/delete_flavor_service_profile).
 */
import type { FastifyInstance } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import { isUuid } from '../../model/api/validators.js';
import { enforce } from '../policy.js';
import { flavorNotFound, serviceProfileNotFound } from '../plugin/flavors.js';
import type { RouteDeps } from './collection-routes.js';

type Params = { id: string; profile: string };

const bindingNotFound = (profile: string, flavor: string) =>
  new QuarkError('FlavorServiceProfileBindingNotFound', `Service Profile ${profile} is not associated with Flavor ${flavor}.`);

export function registerFlavorProfiles(app: FastifyInstance, deps: RouteDeps): void {
  app.post<{ Params: { id: string } }>('/v2.0/flavors/:id/service_profiles', async (request, reply) => {
    const caller = deps.callerOf(request);
    enforce('create_flavor_service_profile', caller, { projectId: '' });
    const profile = (request.body as { service_profile?: { id?: unknown } } | null)?.service_profile?.id;
    if (!isUuid(profile)) throw new QuarkError('HTTPBadRequest', "Unable to find 'service_profile' id in request body");
    await deps.store.write((tx) => {
      const flavor = tx.get('flavor', request.params.id);
      if (!flavor) throw flavorNotFound(request.params.id);
      if (!tx.get('service_profile', profile)) throw serviceProfileNotFound(profile);
      if (flavor.service_profiles.includes(profile)) {
        throw new QuarkError(
          'FlavorServiceProfileBindingExists',
          `Service Profile ${profile} is already associated with flavor ${flavor.id}.`,
        );
      }
      tx.put('flavor', { ...flavor, service_profiles: [...flavor.service_profiles, profile] });
    });
    reply.code(201);
    return { service_profile: { id: profile } };
  });

  app.get<{ Params: Params }>('/v2.0/flavors/:id/service_profiles/:profile', async (request) => {
    enforce('get_flavor_service_profile', deps.callerOf(request), { projectId: '' });
    const flavor = deps.store.view.get('flavor', request.params.id);
    if (!flavor?.service_profiles.includes(request.params.profile)) {
      throw bindingNotFound(request.params.profile, request.params.id);
    }
    return { service_profile: { service_profile_id: request.params.profile, flavor_id: flavor.id } };
  });

  app.delete<{ Params: Params }>('/v2.0/flavors/:id/service_profiles/:profile', async (request, reply) => {
    enforce('delete_flavor_service_profile', deps.callerOf(request), { projectId: '' });
    await deps.store.write((tx) => {
      const flavor = tx.get('flavor', request.params.id);
      if (!flavor?.service_profiles.includes(request.params.profile)) {
        throw bindingNotFound(request.params.profile, request.params.id);
      }
      tx.put('flavor', { ...flavor, service_profiles: flavor.service_profiles.filter((p) => p !== request.params.profile) });
    });
    reply.code(204).send();
  });
}
