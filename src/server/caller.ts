/**
 * Who is calling. The API layer gets a Caller from the configured Authenticator (noauth
 * headers, or Keystone tokens of the built-in identity service) and passes it to policy and rules.
 */

export interface Caller {
  readonly projectId: string | null;
  readonly userId: string | null;
  /** Effective roles, lower case (with Keystone tokens, implied roles included: admin ⇒ member ⇒ reader). */
  readonly roles: readonly string[];
  readonly isAdmin: boolean;
  /** The domain of a domain-scoped token (identity policy only). */
  readonly domainId?: string | null;
  /** The domain of the project of a project-scoped token (identity policy only). */
  readonly projectDomainId?: string | null;
}

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Turns request headers into a Caller, or throws NotAuthenticated (401). Called for every
 * request of the network API, so implementations must be cheap on the common path.
 */
export interface Authenticator {
  authenticate(headers: HeaderBag): Caller | Promise<Caller>;
}

export function makeCaller(projectId: string | null, roles: readonly string[], userId: string | null = null): Caller {
  const normal = roles.map((r) => r.trim().toLowerCase()).filter(Boolean);
  return { projectId, userId, roles: normal, isAdmin: normal.includes('admin') };
}

const header = (headers: HeaderBag, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Neutron's noauth: the project comes from X-Project-Id (or X-Tenant-Id) and roles from
 * X-Roles. A request without a project header is an admin of project `fake_project_id`,
 * as Neutron's fake_project_id middleware makes it.
 */
export const noauth: Authenticator = {
  authenticate(headers) {
    const project = header(headers, 'x-project-id') ?? header(headers, 'x-tenant-id');
    if (!project) return makeCaller('fake_project_id', ['admin'], null);
    const roles = (header(headers, 'x-roles') ?? 'member').split(',');
    return makeCaller(project, roles, header(headers, 'x-user-id') ?? null);
  },
};
