/**
 * The first identity records, as `keystone-manage bootstrap` makes them: domain Default, the
 * roles admin/member/reader, project `admin`, and user `admin` holding `admin` on it.
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
}

export interface BootstrapResult {
  readonly userId: string;
  readonly projectId: string;
  /** What this run created, for the operator ("domain Default", "role reader"…); empty on a re-run. */
  readonly created: readonly string[];
  readonly passwordChanged: boolean;
}

const newId = () => randomUUID().replace(/-/g, '');

export async function bootstrapIdentity(store: Store, options: BootstrapOptions): Promise<BootstrapResult> {
  const username = options.username ?? 'admin';
  const projectName = options.projectName ?? 'admin';
  const hash = options.password === null ? null : await hashPassword(options.password);
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
    let project: Project | undefined = tx.by('project', 'name', nameKey(DEFAULT_DOMAIN_ID, projectName))[0];
    if (!project) {
      project = tx.put('project', {
        id: newId(),
        name: projectName,
        domain_id: DEFAULT_DOMAIN_ID,
        description: 'Bootstrap project for initializing the cloud.',
        enabled: true,
        tags: [],
      });
      created.push(`project ${projectName}`);
    }
    let user: User | undefined = tx.by('user', 'name', nameKey(DEFAULT_DOMAIN_ID, username))[0];
    if (!user) {
      if (hash === null) throw new QuarkError('InvalidConfig', 'a password is needed to create the admin user');
      user = {
        id: newId(),
        name: username,
        domain_id: DEFAULT_DOMAIN_ID,
        enabled: true,
        password_hash: null,
        token_epoch: 0,
        default_project_id: project.id,
        description: '',
        email: null,
      };
      created.push(`user ${username}`);
    }
    const wanted: User = {
      ...user,
      enabled: true,
      password_hash: hash ?? user.password_hash,
      token_epoch: hash ? user.token_epoch + 1 : user.token_epoch,
      default_project_id: user.default_project_id ?? project.id,
    };
    if (JSON.stringify(wanted) !== JSON.stringify(tx.get('user', user.id))) tx.put('user', wanted);
    const scope = projectScope(project.id);
    const adminRole = roles.get('admin')!;
    const grant = assignmentId(scope, user.id, adminRole.id);
    if (!tx.get('role_assignment', grant)) {
      tx.put('role_assignment', { id: grant, user_id: user.id, role_id: adminRole.id, ...scope });
      created.push(`role admin for ${username} on ${projectName}`);
    }
    return { userId: user.id, projectId: project.id, created, passwordChanged: hash !== null };
  });
}
