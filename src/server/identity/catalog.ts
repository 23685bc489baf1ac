/**
 * The service catalog: what the server offers and where, built from its own URL. There is no
 * catalog table: the server is both services, so the catalog is derived, read-only, and the
 * same on every server behind one URL. Ids are stable hashes, so clients may keep them.
 */
import { createHash } from 'node:crypto';

export const INTERFACES = ['public', 'internal', 'admin'] as const;
export type Interface = (typeof INTERFACES)[number];

export interface CatalogEndpoint {
  readonly id: string;
  readonly interface: Interface;
  readonly region: string;
  readonly region_id: string;
  readonly url: string;
  readonly service_id: string;
}

export interface CatalogService {
  readonly id: string;
  readonly type: 'network' | 'identity';
  readonly name: string;
  readonly description: string;
  readonly endpoints: readonly CatalogEndpoint[];
}

/** Where identity lives under the server root. `/v3` is an alias for clients that assume it. */
export const IDENTITY_PATH = '/identity';

const stableId = (text: string) => createHash('sha256').update(`quark ${text}`).digest('hex').slice(0, 32);

/**
 * The catalog of a server reached at `root` (scheme, host and port, no trailing slash): the
 * network service at the root itself (clients discover `/v2.0` from `GET /`, as with Neutron)
 * and identity at `<root>/identity/v3`.
 */
export function catalog(root: string, region: string): CatalogService[] {
  const service = (type: CatalogService['type'], name: string, description: string, url: string): CatalogService => {
    const id = stableId(`service ${type}`);
    return {
      id,
      type,
      name,
      description,
      endpoints: INTERFACES.map((i) => ({
        id: stableId(`endpoint ${type} ${i} ${region}`),
        interface: i,
        region,
        region_id: region,
        url,
        service_id: id,
      })),
    };
  };
  return [
    service('network', 'neutron', 'Quark: the Neutron v2.0 network API', root),
    service('identity', 'keystone', 'Quark: the Keystone v3 identity API', `${root}${IDENTITY_PATH}/v3`),
  ];
}

/** The catalog as a token body carries it. */
export function tokenCatalog(services: readonly CatalogService[]) {
  return services.map((s) => ({
    id: s.id,
    type: s.type,
    name: s.name,
    endpoints: s.endpoints.map((e) => ({
      id: e.id,
      interface: e.interface,
      region: e.region,
      region_id: e.region_id,
      url: e.url,
    })),
  }));
}
