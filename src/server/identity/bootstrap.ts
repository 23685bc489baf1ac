/**
 * The first identity records, as `keystone-manage bootstrap` makes them: domain Default, the
 * roles admin/member/reader, project `admin`, and user `admin` holding `admin` on it; and, when
 * asked, the agents' service user holding `admin` on project `service`.
 * Idempotent: records that exist are kept (matched by name); a given password replaces the
 * admin's, and the admin is enabled again, so bootstrap is also the way back in.
 */
import { randomUUID } from 'node:crypto';
import {
  BUILTIN_ROLES,
  DEFAULT_DOMAIN_ID,
  DEFAULT_DOMAIN_NAME,
  type Project,
  type Role,
  type User,
  assignmentId,
} from '../../model/identity.js';
import { QuarkError } from '../../model/errors.js';
import { nameKey } from '../../store/kinds.js';
import type { Store } from '../../store/store.js';
import { projectScope } from './directory.js';
import { hashPassword } from './passwords.js';

export interface BootstrapOptions {
  /** The admin's new password; null keeps an existing admin's password (a new admin needs one). */
  readonly password: string | null;
  readonly username?: string;
  readonly projectName?: string;
  /**
   * The user the agents log in as, with the admin role on its project (`service`), as Neutron's
   * agents run as a service user. Its password: null keeps an existing user's (a new user needs one).
   */
  readonly serviceUser?: { readonly username: string; readonly projectName: string; readonly password: string | null };
}

export interface BootstrapResult {
  readonly userId: string;
  readonly projectId: string;
  /** What this run created, for the operator ("domain Default", "role reader"…); empty on a re-run. */
  readonly created: readonly string[];
  readonly passwordChanged: boolean;
  /** Whether the service user's password was set by this run (false without a service user). */
  readonly servicePasswordChanged: boolean;
}

const newId = () => randomUUID().replace(/-/g, '');

type Tx = Parameters<Parameters<Store['write']>[0]>[0];

function ensureProject(tx: Tx, name: string, description: string, created: string[]): Project {
  const found = tx.by('project', 'name', nameKey(DEFAULT_DOMAIN_ID, name))[0];
  if (found) return found;
  created.push(`project ${name}`);
  return tx.put('project', { id: newId(), name, domain_id: DEFAULT_DOMAIN_ID, description, enabled: true, tags: [] });
}

/** The user `name`, enabled, with `hash` as its password when given (which also revokes its tokens). */
function ensureUser(tx: Tx, name: string, hash: string | null, project: Project, created: string[]): User {
  let user: User | undefined = tx.by('user', 'name', nameKey(DEFAULT_DOMAIN_ID, name))[0];
  if (!user) {
    if (hash === null) throw new QuarkError('InvalidConfig', `a password is needed to create the user ${name}`);
    user = {
      id: newId(),
      name,
      domain_id: DEFAULT_DOMAIN_ID,
      enabled: true,
      password_hash: null,
      token_epoch: 0,
      default_project_id: project.id,
      description: '',
      email: null,
    };
    created.push(`user ${name}`);
  }
  const wanted: User = {
    ...user,
    enabled: true,
    password_hash: hash ?? user.password_hash,
    token_epoch: hash ? user.token_epoch + 1 : user.token_epoch,
    default_project_id: user.default_project_id ?? project.id,
  };
  if (JSON.stringify(wanted) !== JSON.stringify(tx.get('user', user.id))) tx.put('user', wanted);
  return wanted;
}

function ensureGrant(tx: Tx, user: User, project: Project, role: Role, created: string[]): void {
  const scope = projectScope(project.id);
  const grant = assignmentId(scope, user.id, role.id);
  if (tx.get('role_assignment', grant)) return;
  tx.put('role_assignment', { id: grant, user_id: user.id, role_id: role.id, ...scope });
  created.push(`role ${role.name} for ${user.name} on ${project.name}`);
}

export async function bootstrapIdentity(store: Store, options: BootstrapOptions): Promise<BootstrapResult> {
  const username = options.username ?? 'admin';
  const projectName = options.projectName ?? 'admin';
  const hash = options.password === null ? null : await hashPassword(options.password);
  const service = options.serviceUser;
  const serviceHash = service?.password ? await hashPassword(service.password) : null;
  await store.sync();
  return store.write((tx) => {
    const created: string[] = [];
    if (!tx.get('domain', DEFAULT_DOMAIN_ID)) {
      tx.put('domain', { id: DEFAULT_DOMAIN_ID, name: DEFAULT_DOMAIN_NAME, description: 'The default domain', enabled: true });
      created.push(`domain ${DEFAULT_DOMAIN_NAME}`);
    }
    const roles = new Map<string, Role>();
    for (const name of BUILTIN_ROLES) {
      let role = tx.by('role', 'name', name)[0];
      if (!role) {
        role = tx.put('role', { id: newId(), name, description: '' });
        created.push(`role ${name}`);
      }
      roles.set(name, role);
    }
    const adminRole = roles.get('admin')!;
    const project = ensureProject(tx, projectName, 'Bootstrap project for initializing the cloud.', created);
    const user = ensureUser(tx, username, hash, project, created);
    ensureGrant(tx, user, project, adminRole, created);
    if (service) {
      const serviceProject = ensureProject(tx, service.projectName, 'Service users of the cloud (the agents).', created);
      const serviceUser = ensureUser(tx, service.username, serviceHash, serviceProject, created);
      ensureGrant(tx, serviceUser, serviceProject, adminRole, created);
    }
    return {
      userId: user.id,
      projectId: project.id,
      created,
      passwordChanged: hash !== null,
      servicePasswordChanged: serviceHash !== null,
    };
  });
}
