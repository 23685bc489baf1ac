/**
 * Rules of `flavor` and `service_profile`, as neutron/db/flavors_db.py: a flavor is for a
 * service Quark runs (L3_ROUTER_NAT, FLAVORS; else 400 InvalidServiceType); a profile names a
 * driver Quark has (`quark`, its one L3 provider; else 404 ServiceProfileDriverNotFound) or
 * carries metainfo (neither: 400 ServiceProfileEmpty); a profile bound to a flavor can be neither
 * changed nor deleted, a flavor a router uses cannot be deleted. Flavors and profiles have no
 * owner that matters: admins manage them.
 */
import type { FlavorCreate, FlavorUpdate, ServiceProfileCreate, ServiceProfileUpdate } from '../../model/api/values.js';
import { QuarkError } from '../../model/errors.js';
import type { Flavor, ServiceProfile } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import type { PluginContext } from './context.js';

/** Service plugin types Quark runs (Neutron validates against its loaded service plugins). */
export const SERVICE_TYPES = ['L3_ROUTER_NAT', 'FLAVORS'] as const;
/** The one L3 provider driver: Quark's own routers. */
export const QUARK_L3_DRIVER = 'quark';

export const flavorNotFound = (id: string) => new QuarkError('FlavorNotFound', `Flavor ${id} could not be found.`);
export const serviceProfileNotFound = (id: string) =>
  new QuarkError('ServiceProfileNotFound', `Service Profile ${id} could not be found.`);

function checkDriver(driver: string): void {
  if (driver !== QUARK_L3_DRIVER) {
    throw new QuarkError('ServiceProfileDriverNotFound', `Service Profile driver ${driver} could not be found.`);
  }
}

function checkProfilesExist(view: ReadView, ids: readonly string[]): void {
  for (const id of ids) if (!view.get('service_profile', id)) throw serviceProfileNotFound(id);
}

export function createFlavor(tx: WriteTx, _ctx: PluginContext, v: FlavorCreate, projectId: string, newId: string): Flavor {
  const type = v.service_type;
  if (!(SERVICE_TYPES as readonly string[]).includes(type)) {
    throw new QuarkError('InvalidServiceType', `Invalid input for operation: Invalid service type ${type}.`);
  }
  const profiles = v.service_profiles;
  checkProfilesExist(tx, profiles);
  return tx.put('flavor', {
    id: newId,
    project_id: projectId,
    name: v.name,
    description: v.description ?? '',
    service_type: type,
    enabled: v.enabled ?? true,
    service_profiles: profiles,
  });
}

function profileInUse(view: ReadView, id: string): boolean {
  return view.count('flavor', 'profile', id) > 0;
}

export const flavorHandler: HandlerSpec<'flavor', FlavorCreate, FlavorUpdate> = {
  kind: 'flavor',
  path: 'flavors',
  notFound: flavorNotFound,
  target: (_view, f) => ({ projectId: f.project_id }),
  create: (tx, ctx, v, projectId) => createFlavor(tx, ctx, v, projectId, ctx.newId()),
  update: (tx, _ctx, f, v) => {
    if (v.service_profiles !== undefined) checkProfilesExist(tx, v.service_profiles);
    return tx.put('flavor', {
      ...f,
      name: v.name ?? f.name,
      description: v.description === undefined ? f.description : (v.description ?? ''),
      enabled: v.enabled ?? f.enabled,
      service_profiles: v.service_profiles ?? f.service_profiles,
    });
  },
  delete: (tx, _ctx, f) => {
    if (tx.all('router').some((r) => r.flavor_id === f.id)) {
      throw new QuarkError('FlavorInUse', `Flavor ${f.id} is used by some service instance.`);
    }
    tx.delete('flavor', f.id);
  },
};

export const serviceProfileHandler: HandlerSpec<'service_profile', ServiceProfileCreate, ServiceProfileUpdate> = {
  kind: 'service_profile',
  path: 'service_profiles',
  notFound: serviceProfileNotFound,
  target: (_view, p) => ({ projectId: p.project_id }),
  derived: (view, p) => ({ flavors: view.by('flavor', 'profile', p.id).map((f) => f.id) }),
  create: (tx, ctx, v, projectId): ServiceProfile => {
    const driver = v.driver;
    if (driver) checkDriver(driver);
    else if (!v.metainfo) throw new QuarkError('ServiceProfileEmpty', 'Service Profile needs either a driver or metainfo.');
    return tx.put('service_profile', {
      id: ctx.newId(),
      project_id: projectId,
      description: v.description ?? '',
      driver,
      metainfo: v.metainfo,
      enabled: v.enabled ?? true,
    });
  },
  update: (tx, _ctx, p, v) => {
    if (v.driver) checkDriver(v.driver);
    if (profileInUse(tx, p.id)) {
      throw new QuarkError('ServiceProfileInUse', `Service Profile ${p.id} is used by some service instance.`);
    }
    return tx.put('service_profile', {
      ...p,
      description: v.description === undefined ? p.description : (v.description ?? ''),
      driver: v.driver ?? p.driver,
      metainfo: v.metainfo ?? p.metainfo,
      enabled: v.enabled ?? p.enabled,
    });
  },
  delete: (tx, _ctx, p) => {
    if (profileInUse(tx, p.id)) {
      throw new QuarkError('ServiceProfileInUse', `Service Profile ${p.id} is used by some service instance.`);
    }
    tx.delete('service_profile', p.id);
  },
};

/**
 * The flavor a router asks for (l3-flavors): one that exists, is enabled and is for routers; its
 * provider is Quark's, which has no distributed or HA variant, so those flags cannot come with it.
 */
export function routerFlavor(view: ReadView, flavorId: string, flags: { distributed?: unknown; ha?: unknown }): Flavor {
  const flavor = view.get('flavor', flavorId);
  if (!flavor) throw flavorNotFound(flavorId);
  if (!flavor.enabled) throw new QuarkError('FlavorDisabled', 'Flavor is not enabled.');
  if (flavor.service_type !== 'L3_ROUTER_NAT') {
    throw new QuarkError('BadRequest', `Bad router request: flavor ${flavorId} is not for routers (${flavor.service_type}).`);
  }
  if ((flags.distributed !== undefined && flags.distributed !== null) || (flags.ha !== undefined && flags.ha !== null)) {
    throw new QuarkError(
      'BadRequest',
      'Bad router request: the quark L3 provider of this flavor does not take the distributed or ha flag.',
    );
  }
  return flavor;
}
