/**
 * Who is calling. The API layer gets a Caller from the configured Authenticator (noauth
 * headers now, Keystone tokens with the identity service) and passes it to policy and rules.
 */

export interface Caller {
  readonly projectId: string | null;
  readonly userId: string | null;
  readonly roles: readonly string[];
  readonly isAdmin: boolean;
}

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/** Turns request headers into a Caller, or throws NotAuthenticated. */
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
