/**
 * Who may use what, through RBAC policies: the reads every rule needs. A policy shares one
 * object (network, security group, address scope, subnet pool) with one project or with every
 * project ('*'); networks also have `access_as_external`, which makes them usable as external
 * networks by the target. An object's owner never needs a policy.
 *
 * The wildcard `access_as_shared` policy of an object is mirrored in the object's stored
 * `shared` flag (what every caller sees), and a network's wildcard `access_as_external` policy
 * makes it visible to every project, as Neutron's network query hook does.
 */
import type { Network, RbacAction, RbacObjectType, RbacPolicy } from '../../model/resources.js';
import { rbacObjectKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import type { Caller } from '../caller.js';

export const WILDCARD = '*';

export function policiesOf(view: ReadView, type: RbacObjectType, id: string): readonly RbacPolicy[] {
  return view.by('rbac_policy', 'object', rbacObjectKey(type, id));
}

/** The objects of `type` a policy (of any action) gives to `projectId` or to every project. */
export function objectsGivenTo(view: ReadView, type: RbacObjectType, projectId: string): string[] {
  return view
    .all('rbac_policy')
    .filter((p) => p.object_type === type && (p.target_project === WILDCARD || p.target_project === projectId))
    .map((p) => p.object_id);
}

/** The networks a project owns or a policy gives it (shared, external): those it may see. */
export function networksVisibleTo(view: ReadView, projectId: string): Network[] {
  const given = objectsGivenTo(view, 'network', projectId).flatMap((id) => view.get('network', id) ?? []);
  return [...view.by('network', 'project', projectId), ...given];
}

/** Shared with `projectId`: a sharing policy names it or every project (Neutron's is_shared_with_project). */
export function sharedWith(view: ReadView, type: RbacObjectType, id: string, projectId: string | null): boolean {
  return policiesOf(view, type, id).some(
    (p) => p.action === 'access_as_shared' && (p.target_project === WILDCARD || p.target_project === projectId),
  );
}

export function hasWildcard(view: ReadView, type: RbacObjectType, id: string, action: RbacAction): boolean {
  return policiesOf(view, type, id).some((p) => p.action === action && p.target_project === WILDCARD);
}

/** The projects (not '*') that policies with `action` name. */
export function targetsOf(view: ReadView, type: RbacObjectType, id: string, action: RbacAction): Set<string> {
  const out = new Set<string>();
  for (const p of policiesOf(view, type, id)) if (p.action === action && p.target_project !== WILDCARD) out.add(p.target_project);
  return out;
}

/**
 * What policy needs to know about who may read a network: shared with every project, visible
 * to every project as an external network, and the projects policies name.
 */
export function networkAccess(view: ReadView, net: Network) {
  const policies = policiesOf(view, 'network', net.id);
  const sharedWithProjects = new Set<string>();
  const externalFor = new Set<string>();
  let visibleToAll = false;
  for (const p of policies) {
    // Neutron's query hook: any wildcard policy, or an external one for the project.
    if (p.target_project === WILDCARD) visibleToAll = true;
    else if (p.action === 'access_as_shared') sharedWithProjects.add(p.target_project);
    else externalFor.add(p.target_project);
  }
  return { external: visibleToAll, sharedWith: sharedWithProjects, externalFor };
}

/** May the caller see the network (and so name it in a port, subnet, router gateway or floating IP)? */
export function canSeeNetwork(view: ReadView, net: Network, caller: Caller): boolean {
  if (caller.isAdmin || net.project_id === caller.projectId || net.shared) return true;
  const access = networkAccess(view, net);
  const project = caller.projectId ?? '';
  return access.external || access.sharedWith.has(project) || access.externalFor.has(project);
}

/** May the caller put ports (or subnets) on the network: its own, or shared with it? */
export function canUseNetwork(view: ReadView, net: Network, caller: Caller): boolean {
  return caller.isAdmin || net.project_id === caller.projectId || sharedWith(view, 'network', net.id, caller.projectId);
}
